"""Django's password-reset page with a limit per client address and per account, so nobody can flood an
inbox with reset emails or use the page to send mail in bulk. Counters are django-ratelimit's, in the shared
cache: an atomic increment per request (DRF's throttles keep a list they read and write back, which two
workers can both pass), and the same count in every worker process."""

import ipaddress
import logging

from django.conf import settings
from django.contrib.auth import views as auth_views
from django_ratelimit.core import is_ratelimited
from redis.exceptions import RedisError
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

OVER_THE_LIMIT = (
    "Too many password reset requests from here or for this account. No email was sent: please wait an hour "
    "and try again, or ask your administrator."
)


def client_address(request) -> str:
    """The caller's address as the API's throttles see it (REMOTE_ADDR, or the address the outermost of
    TRUSTED_PROXY_COUNT proxies saw), so a made-up X-Forwarded-For counts for nothing without a proxy."""
    address = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:  # a misconfigured proxy count points into what the client wrote
        return request.META.get("REMOTE_ADDR") or "unknown"


def _account(group, request):
    return request.POST.get("email", "").strip().lower()


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    def form_valid(self, form):
        try:
            over = self.over_the_limit()
        except RedisError as exc:  # the counters are away: a reset is worth more than the limit for that while
            logger.warning("Password-reset counters unreachable, request let through: %s", exc)
            over = False
        if over:
            form.add_error(None, OVER_THE_LIMIT)
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)

    def over_the_limit(self) -> bool:
        # Both counters move on every request, so neither a new address nor a new account resets the other.
        over_address = is_ratelimited(
            self.request,
            group="password-reset-address",
            key="ip",
            rate=settings.PASSWORD_RESET_RATE_PER_ADDRESS,
            increment=True,
        )
        over_account = is_ratelimited(
            self.request,
            group="password-reset-account",
            key=_account,
            rate=settings.PASSWORD_RESET_RATE_PER_ACCOUNT,
            increment=True,
        )
        return over_address or over_account
