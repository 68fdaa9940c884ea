"""DRF's anonymous and per-user throttles, counted in the shared cache (Redis), that let a call through when
the cache cannot be reached: an outage of Redis must not turn every API call into a 500 (a transition made
meanwhile still commits, and its notices follow with the next sweep)."""

import logging

from redis.exceptions import RedisError
from rest_framework import throttling

logger = logging.getLogger(__name__)


class FailOpenMixin:
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except RedisError as exc:
            logger.warning("Throttle counters unreachable, call let through: %s", exc)
            return True


class AnonRateThrottle(FailOpenMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(FailOpenMixin, throttling.UserRateThrottle):
    pass
