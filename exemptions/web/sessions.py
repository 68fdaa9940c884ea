"""Sessions read from the cache (Redis) and written through to the database (Django's `cached_db`), which go on
working from the database alone while Redis cannot be reached: a Redis outage must not sign everybody out or
turn every page into a 500. Django's own store already survives a failed cache write; this one also survives a
failed cache read, existence check or delete.

A session deleted (a sign-out) while Redis is unreachable leaves its cached copy behind in Redis; that copy
expires with the idle period (SESSION_IDLE_MINUTES), and the failed delete is logged as an error so that an
operator who brings Redis back without a flush knows to flush it."""

import logging

from django.contrib.sessions.backends import cached_db
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except (RedisError, ValueError):  # ValueError: a key the cache refuses (Django resets such a session)
            data = None
        if data is not None:
            return data
        session = self._get_session_from_db()
        if not session:
            return {}
        data = self.decode(session.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=session.expire_date))
        except RedisError as error:
            log.warning("Session cache unreachable, session read from the database: %s", error)
        return data

    def exists(self, session_key):
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except RedisError as error:
            log.warning("Session cache unreachable, existence checked in the database: %s", error)
        return cached_db.DBStore.exists(self, session_key)

    def delete(self, session_key=None):
        try:
            super().delete(session_key)
        except RedisError as error:
            log.error("Session deleted from the database but not from the unreachable cache: %s", error)
