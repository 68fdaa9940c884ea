"""The one JSON error shape of the API, `{"detail": ..., "errors": {field: [...]}}`, and how domain errors map
onto HTTP statuses: a filing the caller may not see 404, a role that may not act 403, a wrong state, a lost
race or a locked dossier 409, invalid input 400. Anything else is a fault of ours: logged, and answered 500 in
the same shape (a lost database is left to the middleware's 503)."""

import logging

from django.core.exceptions import NON_FIELD_ERRORS, BadRequest, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from rest_framework import exceptions, serializers, status
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from exemptions import engine, services

log = logging.getLogger(__name__)

SERVER_FAULT = "Something went wrong on our side. Nothing was saved; please try again, or tell us if it persists."


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
    if isinstance(exc, BadRequest | SuspiciousOperation):  # e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE
        return exceptions.ParseError(str(exc) or None)
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
    if isinstance(exc, OperationalError | InterfaceError):
        return None  # the database is lost: DatabaseUnavailableMiddleware answers 503
    response = drf_exception_handler(exc, context)
    if response is None:
        request = context["request"]
        log.error("Server fault in %s %s", request.method, request.path, exc_info=exc)
        set_rollback()
        return Response({"detail": SERVER_FAULT, "errors": {}}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        response.data = {"detail": _first_message(errors) or "Invalid input.", "errors": errors}
    else:
        detail = data.get("detail", "") if isinstance(data, dict) else data
        response.data = {"detail": str(detail), "errors": {}}
    return response
