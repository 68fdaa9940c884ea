"""Request-wide concerns: unstorable input refused at the door, times in the user's own zone, signed-in answers
kept out of caches, a clear 503 when the database is lost, and a clear 413 for a body larger than any upload may
be, refused before it is read.

A database lost in the middle of a request ends in a clear 503, never a 500 page or a half-saved case.
PostgreSQL rolls back the transaction the request was in when its connection dies, and every write in
this app runs in one (`services`, `engine.apply`), so there is nothing half-written to clean up here:
only the dead connection to drop, so the next request opens a fresh one."""

import logging

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

from .models import activate_zone_of
from .models.validators import validate_storable_text

log = logging.getLogger(__name__)

UNAVAILABLE = "The database is unavailable right now. Nothing was saved; please try again in a minute."
RETRY_AFTER_SECONDS = "30"


def _texts_of(request):
    """(field, text) for every string Django decodes from the request for the app: path, query, cookies,
    headers, form fields. The field is a query or form parameter's name, so an API client learns which one was
    refused; None for the rest, and for a name that is itself the bad text."""
    yield None, request.path_info
    for parameters in (request.GET, request.POST):  # POST is parsed for POST only; DRF reuses what it holds
        for key, values in parameters.lists():
            yield None, key
            yield from ((key, value) for value in values)
    yield from ((None, text) for cookie in request.COOKIES.items() for text in cookie)
    yield from ((None, value) for key, value in request.META.items() if key.startswith("HTTP_"))


def _refusal(request, status: int, message: str, page: str, errors=None) -> HttpResponse:
    """The API's JSON error shape under /api/, else the page. The page is rendered without the request: its
    context processors would read the session, which may be lost with the database or be the bad input."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message, "errors": errors or {}}, status=status)
    return HttpResponse(render_to_string(page, {"message": message}), status=status)


class RefuseUnstorableInputMiddleware:
    """A NUL byte or a lone surrogate anywhere Django hands the app a string is a 400 before any view, filter
    or session lookup takes it to PostgreSQL, which would refuse it with a server error. JSON bodies are the
    API parser's to check (exemptions/api/parsers.py), so that it can name the field."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            for field, text in _texts_of(request):
                try:
                    validate_storable_text(text)
                except DjangoValidationError as error:
                    where = f"{field}: " if field else "The request holds characters that cannot be stored. "
                    errors = {field: error.messages} if field else {}
                    return _refusal(request, 400, where + error.messages[0], "400.html", errors)
        except (BadRequest, SuspiciousOperation, MultiPartParserError) as error:
            # Too large, too many fields or a broken multipart body, found while reading the form.
            log.warning("Unreadable request %s %s: %s", request.method, request.path_info, error)
            return _refusal(request, 400, f"The request could not be read: {error}", "400.html")
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.error("Database unavailable during %s %s", request.method, request.path, exc_info=exception)
        for connection in connections.all(initialized_only=True):
            if connection.connection is not None and not connection.is_usable():
                connection.close()
        response = _refusal(request, 503, UNAVAILABLE, "503.html")
        response["Retry-After"] = RETRY_AFTER_SECONDS
        return response


# Room for the form fields sent beside the largest file (a note, the CSRF token, multipart boundaries).
FORM_OVERHEAD_BYTES = 1024 * 1024


def largest_request_bytes() -> int:
    return settings.FILE_UPLOAD_MAX_BYTES + FORM_OVERHEAD_BYTES


def refusal(request, status: int, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "errors": {}}, status=status)
    return HttpResponse(render_to_string("request_refused.html", {"message": message}), status=status)


class RequestSizeLimitMiddleware:
    """Refuses a body whose declared Content-Length exceeds the largest upload (FILE_UPLOAD_MAX_BYTES) plus its form,
    before a byte of it is read: otherwise Django receives a 60 MB upload in full, into memory or a temporary
    file, only for services.attach_document() to refuse it afterwards. Every upload path (the dossier's documents
    page, an action's file, the API) is behind this; attach_document() still checks each file's own size."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            length = -1
        if length < 0:
            return refusal(request, 400, "The request's Content-Length header is not a number of bytes.")
        if length > largest_request_bytes():
            limit_mb = settings.FILE_UPLOAD_MAX_BYTES // (1024 * 1024)
            return refusal(
                request,
                413,
                f"The upload is larger than the {limit_mb} MB limit, so it was not received. "
                "Send a smaller file (split a long report, or compress its images).",
            )
        return self.get_response(request)


class UserTimeZoneMiddleware:
    """Times in the signed-in user's zone (UTC for anyone else). An API call made with a token is signed in only
    once DRF has authenticated it, after this: its token authentication activates the zone then
    (exemptions/api/authentication.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        activate_zone_of(request.user)
        return self.get_response(request)


class PrivateResponsesMiddleware:
    """In production, nothing made for a signed-in user (a case file on a page, a dossier in the API) is kept by
    the browser or a proxy, where the next person at a shared computer could read it back. A response its view
    marked public (the register: the same for everyone) keeps its caching. Runs after the view, so an API call
    authenticated by token counts as signed in too (DRF sets the user on the request it wraps)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if not settings.DEBUG and user is not None and user.is_authenticated and not is_public(response):
            add_never_cache_headers(response)
        return response


def is_public(response) -> bool:
    directives = (d.strip().split("=")[0].lower() for d in response.get("Cache-Control", "").split(","))
    return "public" in directives
