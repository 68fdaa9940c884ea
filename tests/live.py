"""Helpers for tests that start real processes (a Celery worker, a one-off Django script): they must reach
the test database pytest-django created and the broker of this run, both taken from the settings."""

import os
import socket
import sys
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """DATABASE_URL of the test database (test_<name>), for a child process."""
    db = settings.DATABASES["default"]
    credentials = quote(db.get("USER") or "")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def child_env(**overrides) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": database_url()}
    env.update({k: str(v) for k, v in overrides.items()})
    return env


def free_port() -> int:
    """A loopback port nobody listens on right now (for a server to bind, or as an unreachable broker)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PYTHON = sys.executable
