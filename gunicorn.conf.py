"""gunicorn's settings for Clearance (read from the working directory: `gunicorn config.wsgi:application`).

Sync workers, each serving one request at a time, behind a buffering proxy (nginx): the proxy takes the slow
clients' uploads and downloads, so a worker is never held by a client that reads or writes slowly, and idle
keep-alive connections wait in the proxy, not in a worker (README "Production layout").
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# The app is CPU-bound once its database connection persists (a request waits on PostgreSQL for a few ms of
# its own CPU at most): two workers per core keep each core busy while one waits, plus one. Each worker holds one
# database connection, so workers × app servers + Celery concurrency must stay below PostgreSQL's max_connections.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))  # a request stuck longer is killed and logged
graceful_timeout = 30
keepalive = 2  # behind the proxy; clients' own keep-alive ends at the proxy
# Recycle workers now and then, so a slow leak in any library cannot grow without bound; jitter keeps them from
# restarting all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = 200
# The proxy on the same host sets X-Forwarded-Proto; Django reads it only with BEHIND_TLS_PROXY=true.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None  # the proxy logs requests; "-" for stdout
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
