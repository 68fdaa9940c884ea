"""Request-wide concerns: times in the user's own zone, signed-in answers kept out of caches, a clear 503 when
the database is lost, and a clear 413 for a body larger than any upload may be, refused before it is read.

A database lost in the middle of a request ends in a clear 503, never a 500 page or a half-saved case.
PostgreSQL rolls back the transaction the request was in when its connection dies, and every write in
this app runs in one (`services`, `engine.apply`), so there is nothing half-written to clean up here:
only the dead connection to drop, so the next request opens a fresh one."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from . import deadlines
from .models import Profile

log = logging.getLogger(__name__)

UNAVAILABLE = "The database is unavailable right now. Nothing was saved; please try again in a minute."
RETRY_AFTER_SECONDS = "30"


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
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": UNAVAILABLE, "errors": {}}, status=503)
        else:
            # Rendered without the request: context processors would read the session from the lost database.
            response = HttpResponse(render_to_string("503.html", {"message": UNAVAILABLE}), status=503)
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
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone_name = None
        if request.user.is_authenticated:
            zone_name = Profile.objects.filter(user=request.user).values_list("time_zone", flat=True).first()
        timezone.activate(deadlines.zone_or_utc(zone_name))
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
