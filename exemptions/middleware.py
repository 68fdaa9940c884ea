"""Request-wide concerns: times in the user's own zone, signed-in answers kept out of caches, and a clear 503
when the database is lost.

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
