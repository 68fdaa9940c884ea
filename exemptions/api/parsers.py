"""The API's JSON parser: DRF's, bounded. A body is refused with a 400 when it is larger than Django's
DATA_UPLOAD_MAX_MEMORY_SIZE, nested deeper than API_JSON_MAX_DEPTH (no request of this API nests more than a
few levels; a few hundred would exhaust Python's recursion in the serializers and answer 500), or when a string
in it could not be stored (a NUL or a lone surrogate), which is a field error naming where it was."""

import io

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, parsers

from exemptions.models.validators import validate_storable_text


class BoundedJSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None:
            body = stream.read(limit + 1)
            if len(body) > limit:
                raise exceptions.ParseError(f"The JSON body is larger than the {limit} bytes this API reads.")
            stream = io.BytesIO(body)
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise _too_deep(settings.API_JSON_MAX_DEPTH) from None
        _check(data, settings.API_JSON_MAX_DEPTH)
        return data


def _too_deep(max_depth: int) -> exceptions.ParseError:
    return exceptions.ParseError(f"JSON nested more than {max_depth} levels deep is not accepted.")


def _check(data, max_depth: int) -> None:
    """Walks the document without recursion: its depth, then every key and string in it."""
    pending = [(data, (), 0)]
    while pending:
        value, path, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth + 1 > max_depth:
                raise _too_deep(max_depth)
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str):
                    _check_text(key, path)
                pending.append((item, (*path, str(key)), depth + 1))
        elif isinstance(value, str):
            _check_text(value, path)


def _check_text(text: str, path: tuple) -> None:
    try:
        validate_storable_text(text)
    except DjangoValidationError as error:
        detail = error.messages
        for key in reversed(path or ("non_field_errors",)):
            detail = {key: detail}
        raise exceptions.ValidationError(detail) from None
