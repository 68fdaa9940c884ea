"""A user's standing: the seats they hold (memberships) and the time zone they read times in. Every request needs
both (visibility, roles, the zone of every time shown), so they are kept in the shared cache instead of being read
from the database on each request, and read once per user object (i.e. per request) from there.

The cached copy is never trusted past a change: each user has a generation key in the cache, and the copy is
stored with the generation current when it was read from the database; a copy of another generation is not used. A saved or deleted membership or profile moves the generation on
twice: inside the writing transaction (if the cache cannot be reached, the change is refused rather than left
unseen) and again once it commits (so a copy read from the database between the two is not used either). When the
cache cannot be reached for a read, the database answers.
"""

import logging
import time
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from redis.exceptions import RedisError

from .. import deadlines
from .people import AUTHORITY_ROLES, Membership, Profile, Role

log = logging.getLogger(__name__)

STANDING_SECONDS = 60 * 60  # a copy nobody read for an hour leaves the cache
# After a failed read this process asks the database alone for a while: a hung Redis (one that accepts connections
# and never answers) would otherwise cost every request the cache's socket timeout.
CACHE_RETRY_SECONDS = 30
_cache_unreachable_until = 0.0
_ATTRIBUTE = "_clearance_standing"


@dataclass(frozen=True)
class Standing:
    memberships: tuple[tuple[str, int | None, int | None], ...]  # (role, organization_id, authority_id)
    time_zone: str | None  # None: the user set none


def _generation_key(user_id: int) -> str:
    return f"clearance:standing:{user_id}:generation"


def _copy_key(user) -> str:
    # The join time tells apart two users that had the same id in turn (a database emptied and filled again).
    joined = user.date_joined.timestamp() if user.date_joined else 0
    return f"clearance:standing:{user.pk}:{joined}"


def _read_from_database(user) -> Standing:
    memberships = Membership.objects.filter(user=user).values_list("role", "organization_id", "authority_id")
    zone = Profile.objects.filter(user=user).values_list("time_zone", flat=True).first()
    return Standing(memberships=tuple(memberships), time_zone=zone)


def _read_through_cache(user) -> Standing:
    """One cache round trip when the copy is current: the generation and the copy (stored with the generation
    it was read under) are fetched together."""
    global _cache_unreachable_until
    if time.monotonic() < _cache_unreachable_until:
        return _read_from_database(user)
    generation_key, copy_key = _generation_key(user.pk), _copy_key(user)
    try:
        found = cache.get_many([generation_key, copy_key])
        generation = found.get(generation_key)
        if generation is None:
            cache.add(generation_key, uuid.uuid4().hex, timeout=None)
            generation = cache.get(generation_key)
        copy = found.get(copy_key)
        if copy is not None and copy[0] == generation:
            return copy[1]
        standing = _read_from_database(user)
        cache.set(copy_key, (generation, standing), timeout=STANDING_SECONDS)
        return standing
    except RedisError as error:
        _cache_unreachable_until = time.monotonic() + CACHE_RETRY_SECONDS
        log.warning("Standing cache unreachable, read from the database for %s s: %s", CACHE_RETRY_SECONDS, error)
        return _read_from_database(user)


def standing_of(user) -> Standing:
    """The user's memberships and time zone, read once per user object (i.e. per request)."""
    standing = getattr(user, _ATTRIBUTE, None)
    if standing is None:
        standing = _read_through_cache(user)
        setattr(user, _ATTRIBUTE, standing)
    return standing


def assume_standing(user, standing: Standing) -> None:
    """Gives a user object this standing for the rest of its life, unread (a stand-in caller)."""
    setattr(user, _ATTRIBUTE, standing)


def memberships_of(user) -> tuple[tuple[str, int | None, int | None], ...]:
    """(role, organization_id, authority_id) of a user."""
    return standing_of(user).memberships


def time_zone_of(user) -> str | None:
    """The zone the user reads times in, as they set it (None when they set none or are not signed in)."""
    return standing_of(user).time_zone if user.is_authenticated else None


def activate_zone_of(user) -> None:
    """Times in this thread are shown in the user's zone from now on (UTC for anyone else). Called once per
    request, as soon as the caller is known: by middleware for a session, by the API's token authentication for a
    token (which DRF checks after every middleware has run)."""
    timezone.activate(deadlines.zone_or_utc(time_zone_of(user)))


def organization_ids(user) -> set[int]:
    """The aid organizations a user applies for."""
    if not user.is_authenticated:
        return set()
    return {organization for role, organization, _ in memberships_of(user) if role == Role.APPLICANT}


def authority_ids(user, roles=AUTHORITY_ROLES) -> set[int]:
    """The authorities at which a user holds one of `roles`."""
    if not user.is_authenticated:
        return set()
    return {authority for role, _, authority in memberships_of(user) if role in roles}


def forget_standing(user_id: int) -> None:
    """Moves the user's generation on: no cached copy read before now is used again. Raises when the cache
    cannot be reached; `_changed` calls it inside the writing transaction so the change then rolls back."""
    cache.set(_generation_key(user_id), uuid.uuid4().hex, timeout=None)


def _forget_after_commit(user_id: int) -> None:
    try:
        forget_standing(user_id)
    except RedisError:
        log.error("Standing of user %s may be stale in the cache for up to %s s", user_id, STANDING_SECONDS)


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
@receiver(post_save, sender=Profile)
@receiver(post_delete, sender=Profile)
def _changed(sender, instance, **kwargs):
    forget_standing(instance.user_id)
    transaction.on_commit(lambda: _forget_after_commit(instance.user_id), robust=True)
