"""Helpers for tests that start real processes (a Celery worker, a one-off Django script): they must reach
the test database pytest-django created and the broker of this run, both taken from the settings."""

import asyncio
import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import redis
from aiosmtpd.controller import Controller
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


# --- real services for end-to-end and fault tests ------------------------------------------------


def wait_for(condition, timeout=60.0, interval=0.1):
    """Poll until `condition()` is truthy and return its value (None on timeout): other processes run at
    their own pace."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    return None


class Inbox:
    """aiosmtpd handler keeping every complete message it receives, as (recipients, parsed message).

    With `delay`, it spends that long on each message before replying 250, as a busy mail server does. Like
    a real mail server, it keeps a message once the client has sent all of it (the final "."), even if the
    client disconnects before reading the 250: that is the window in which a killed sender's message is in
    doubt, and the project's delivery guarantee is measured against it.
    """

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.messages = []
        self.arrived = 0  # messages whose DATA came in

    async def handle_DATA(self, server, session, envelope):
        self.arrived += 1
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))  # kept before the reply, whatever follows
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(delay: float = 0.0, port: int | None = None):
    """An SMTP server on a free loopback port (or on `port`): yields (inbox, port)."""
    inbox = Inbox(delay)
    port = port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


class Worker:
    """A real `celery -A config worker` process (solo pool unless told otherwise) mailing over SMTP to `smtp_port`, in a process
    group of its own (so a test can SIGKILL all of it), logging to a temporary file.

    `queue` None consumes the default queue (only safe on a broker of the test's own); extra keyword
    arguments become environment variables of the worker, e.g. CELERY_BROKER_URL.
    """

    def __init__(self, smtp_port: int, queue: str | None = None, pool: str = "solo", **env):
        self.queue = queue
        self.pool = pool  # "prefork" (one child) where the task's time limits must apply: solo has none
        self.name = queue or f"worker-{uuid.uuid4().hex[:10]}"
        self.env = child_env(
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=smtp_port,
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_TIMEOUT=10,
            **env,
        )
        self.log = Path(tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1])
        self.process = None

    def start(self) -> "Worker":
        command = [
            str(Path(PYTHON).parent / "celery"), "-A", "config", "worker", f"--pool={self.pool}", "--concurrency=1",
            "--hostname", f"{self.name}@%h", "--without-gossip", "--without-mingle", "--loglevel=INFO",
        ]  # fmt: skip
        if self.queue:
            command += ["--queues", self.queue]
        with self.log.open("a") as output:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def log_text(self) -> str:
        return self.log.read_text()

    def wait_ready(self, timeout=30.0) -> None:
        """Until the worker consumes from the broker (its first start, or again after a restart)."""
        assert wait_for(lambda: " ready." in self.log_text(), timeout), f"worker not ready:\n{self.log_text()}"

    def finished(self, task_id: str) -> bool:
        return f"[{task_id}] succeeded" in self.log_text()

    def kill(self) -> None:
        """SIGKILL the worker and everything it started, and reap it: no warm shutdown, nothing handed back."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def close(self) -> None:
        self.stop()
        self.log.unlink(missing_ok=True)


class RedisServer:
    """A throwaway `redis-server` on a free loopback port, without persistence: stopping it loses whatever
    was queued, as a crash of an unpersisted broker does. Restarting keeps the port, so clients reconnect."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> "RedisServer":
        executable = shutil.which("redis-server") or "/usr/bin/redis-server"
        command = [executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.directory), "--daemonize", "no"]
        with (self.directory / "redis.log").open("a") as output:
            self.process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        assert wait_for(self.answers, timeout=10), f"redis-server did not start on port {self.port}"
        return self

    def answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@contextmanager
def celery_broker(url: str):
    """Point this process's Celery app (what `task.delay()` in views and engine.apply() publish through) at
    `url`, with fresh connection pools, and back to the configured broker afterwards."""
    from config.celery import app

    def fresh_pools():
        # kombu keeps its pools in process-wide groups keyed by connection: close and forget them all, so
        # that no closed pool is handed out again when the URL comes back.
        kombu.pools.reset()
        app._after_fork()  # drops the app's own references to those pools

    configured = app.conf.broker_url
    fresh_pools()
    app.conf.broker_url = url
    try:
        yield app
    finally:
        fresh_pools()
        app.conf.broker_url = configured
