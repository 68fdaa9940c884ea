"""The one JSON error shape of the API, `{"detail": ..., "errors": {field: [...]}}`, and how domain errors map
onto HTTP statuses: a filing the caller may not see 404, a role that may not act 403, a wrong state, a lost
race or a locked dossier 409, invalid input 400."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, serializers, status
from rest_framework.fields import get_error_detail
from rest_framework.views import exception_handler as drf_exception_handler

from exemptions import engine, services


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The case changed or is not in a state that allows this."
    default_code = "conflict"


class ErrorSerializer(serializers.Serializer):
    """Documents the error body of every non-2xx response."""

    detail = serializers.CharField(help_text="A sentence for the user")
    errors = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Field name → list of messages; `non_field_errors` for the request as a whole",
    )


def _translate(exc):
    if isinstance(exc, services.DossierLocked):
        return ConflictError(" ".join(exc.messages))
    if isinstance(exc, DjangoValidationError):
        detail = get_error_detail(exc)
        if isinstance(detail, dict) and NON_FIELD_ERRORS in detail:
            detail["non_field_errors"] = detail.pop(NON_FIELD_ERRORS)
        return exceptions.ValidationError(detail)
    if isinstance(exc, engine.UnknownAction):
        return exceptions.NotFound(str(exc))
    if isinstance(exc, engine.ActionNotAllowed):
        return exceptions.PermissionDenied(str(exc))
    if isinstance(exc, engine.Conflict):
        return ConflictError(str(exc))
    return exc


def _first_message(errors, path="") -> str:
    """The first message, prefixed with where it belongs (`items[1].hs_code: …`), for clients that show one line."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            if key == "non_field_errors":
                where = path
            elif str(key).isdigit():
                where = f"{path}[{key}]"
            else:
                where = f"{path}.{key}" if path else str(key)
            message = _first_message(value, where)
            if message:
                return message
        return ""
    if isinstance(errors, list):
        return next((m for m in (_first_message(v, path) for v in errors) if m), "")
    if not errors:
        return ""
    return f"{path}: {errors}" if path else str(errors)


def exception_handler(exc, context):
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django log it and answer 500
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        response.data = {"detail": _first_message(errors) or "Invalid input.", "errors": errors}
    else:
        detail = data.get("detail", "") if isinstance(data, dict) else data
        response.data = {"detail": str(detail), "errors": {}}
    return response
