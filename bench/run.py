"""Run the benchmarks of issue 8 on a PostgreSQL benchmark database and write bench/RESULTS.md.

    ./bench/run                      # everything (about 20 minutes on 2 cores)
    ./bench/run --only 4             # one benchmark (1 queue+API, 2 framework floor, 3 sweep, 4 apply, plans)
    ./bench/run --quick              # small sizes, to check the runner itself (figures not meaningful)

The database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/clearance_benchdata) is
created if missing and emptied between benchmarks: never point it at data you care about. Each ratio is
measured within one run; each figure is the median of repeated measurements. A benchmark whose page,
endpoint or function is not in the code yet is reported as "not available yet" and skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/clearance_benchdata"
QUEUE_URL, API_URL, STATIC_URL = "/review/", "/api/v1/filings/", "/bench/static-list/"
QUERY_ONLY_URL, NAIVE_URL = "/bench/query-only-list/", "/bench/naive-list/"
# The indexes the benchmarks argued for (bench/README.md); the plans benchmark measures with and without them.
BENCHMARK_INDEXES = ("application_newest", "filing_deadline_order", "filing_queue_keyset")


@dataclass
class Sizes:
    small: int = 1_000  # queue/API benchmark, first point
    large: int = 100_000  # queue/API benchmark, second point
    sweep_small: int = 10_000
    sweep_large: int = 1_000_000
    sweep_due: int = 1_000
    apply_filings: int = 200  # per measured run of the apply benchmark
    requests: int = 30  # per latency median
    repeats: int = 5
    http_seconds: float = 3.0
    http_threads: int = 4
    rounds: int = 7  # alternating rounds of the HTTP benchmark


QUICK = Sizes(
    small=100,
    large=1_000,
    sweep_small=1_000,
    sweep_large=5_000,
    sweep_due=100,
    apply_filings=40,
    requests=5,
    repeats=3,
    http_seconds=1.0,
    rounds=3,
)


@dataclass
class Report:
    command: str
    sections: list = field(default_factory=list)  # (title, [markdown lines])

    def add(self, title: str, lines: list[str]) -> None:
        self.sections = [(t, body) for t, body in self.sections if t != title] + [(title, lines)]
        print(f"\n## {title}\n" + "\n".join(lines), flush=True)


# --- set-up -------------------------------------------------------------------------------------


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/7")
    sys.path.insert(0, str(ROOT))
    _create_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _create_database(database_url: str) -> None:
    import psycopg
    from psycopg import sql

    url, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{url}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def reset_data() -> None:
    """Empty every table the generator fills; the authorities and holiday calendars (seeded by migration) stay."""
    from django.apps import apps
    from django.db import connection

    keep = {"exemptions_authority", "exemptions_holidaycalendar", "exemptions_holiday"}
    tables = [
        m._meta.db_table
        for m in apps.get_models(include_auto_created=True)
        if m._meta.app_label in {"exemptions", "auth", "sessions"} and m._meta.db_table not in keep
    ]
    tables = [t for t in tables if t not in {"auth_permission", "auth_group", "auth_group_permissions"}]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def machine() -> list[str]:
    from django.db import connection

    cpu = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB memory"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    git = ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]
    commit = subprocess.run(git, capture_output=True, text=True, check=False).stdout.strip()  # noqa: S603, S607
    import django

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return [
        f"- Machine: {cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}",
        f"- Load average when written (1, 5, 15 min): {load} — other work on the machine makes figures noisier",
        f"- PostgreSQL {pg}; Python {platform.python_version()}; Django {django.get_version()}",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; commit {commit or 'unknown'}",
    ]


def write_results(report: Report, path: Path) -> None:
    lines = [
        "# Benchmark results",
        "",
        "Written by `bench/run.py` (see bench/README.md); do not edit by hand.",
        "",
        f"Command: `{report.command}`",
        "",
        *machine(),
        "",
    ]
    for title, body in report.sections:
        lines += [f"## {title}", "", *body, ""]
    path.write_text("\n".join(lines))


def median(values) -> float:
    return statistics.median(values) if values else float("nan")


def bench_user(role="reviewer", code="OFAC"):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=f"bench-{role}-{code.lower()}-1")


def is_routed(url: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(url)
    except Resolver404:
        return False
    return True


# --- 1. reviewer queue and list API: flat cost -------------------------------------------------


def measure_page(client, url, requests: int) -> dict:
    """Median latency (ms) at the default page size, and SQL queries at page sizes 10 and 100."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm caches and the connection
        response = client.get(url)
    if response.status_code != 200:
        return {"error": f"HTTP {response.status_code}"}
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    queries = {}
    for size in (10, 100):
        with CaptureQueriesContext(connection) as captured:
            client.get(url, {"page_size": size})
        queries[size] = len(captured)
    return {"median_ms": median(times), "queries": queries}


def queue_and_api(report: Report, sizes: Sizes) -> None:
    from django.test import Client

    from bench import generate

    title = f"1. Reviewer queue and list API: {sizes.small:,} vs {sizes.large:,} filings"
    pages = {"reviewer queue `/review/`": QUEUE_URL, "`GET /api/v1/filings/`": API_URL}
    available = {name: url for name, url in pages.items() if is_routed(url)}
    missing = [name for name in pages if name not in available]
    reset_data()
    generate.generate(sizes.small, progress=False)
    client = Client()
    client.force_login(bench_user())
    results = {name: {"small": measure_page(client, url, sizes.requests)} for name, url in available.items()}
    generate.generate(sizes.large - sizes.small, seed=2, progress=False)
    for name, url in available.items():
        results[name]["large"] = measure_page(client, url, sizes.requests)
    lines = [
        f"Django test client, logged in as an OFAC reviewer; median of {sizes.requests} requests after 3 warm-ups, "
        f"at {sizes.small:,} then {sizes.large:,} generated filings (`bench_generate`). Goal: ratio ≤ 1.5×, queries "
        "equal at page sizes 10 and 100 and ≤ 10.",
        "",
        f"| page | median at {sizes.small:,} | median at {sizes.large:,} | ratio | queries (10 / 100 rows) |",
        "|---|---|---|---|---|",
    ]
    for name, r in results.items():
        small, large = r["small"], r["large"]
        if "error" in small or "error" in large:
            lines.append(f"| {name} | {small.get('error', '')} | {large.get('error', '')} | | |")
            continue
        ratio = large["median_ms"] / small["median_ms"]
        q = large["queries"]
        lines.append(
            f"| {name} | {small['median_ms']:.1f} ms | {large['median_ms']:.1f} ms | {ratio:.2f}× | {q[10]} / {q[100]} |"
        )
    lines += [""] if missing else []
    lines += [f"- {name}: not available yet (no URL `{pages[name]}` in this build); skipped." for name in missing]
    report.add(title, lines)


# --- 2. the list endpoint against the framework floor -------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER_APPLICATION_NAME = "clearance-bench-server"  # how the runner finds the server's database backends


@contextlib.contextmanager
def serve(static_file: str, workers: int):
    """`scripts/serve --web-only` (gunicorn with gunicorn.conf.py, DEBUG off) on a free loopback port; yields
    the base URL and the gunicorn master's pid."""
    from django.conf import settings

    port = free_port()
    env = dict(
        os.environ,
        SECRET_KEY=settings.SECRET_KEY,  # the runner's sessions must be valid in the server
        AUDIT_KEY=settings.AUDIT_KEY,
        BENCH_STATIC_LIST_FILE=static_file,
        BENCH_APPLICATION_NAME=SERVER_APPLICATION_NAME,
        DJANGO_SETTINGS_MODULE="bench.settings",
        PORT=str(port),
        WEB_CONCURRENCY=str(workers),
        GUNICORN_MAX_REQUESTS="0",  # no worker recycled mid-round: its CPU time would be lost from the count
        GUNICORN_LOG_LEVEL="warning",
    )
    process = subprocess.Popen([str(ROOT / "scripts" / "serve"), "--web-only"], cwd=ROOT, env=env)  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            time.sleep(0.2)
        else:
            raise RuntimeError("scripts/serve did not start within 60 s")
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def cpu_seconds(pids) -> float:
    """User + system CPU time the processes have used so far (Linux /proc), 0 for any gone meanwhile."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def server_processes(master_pid: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The gunicorn workers (children of the master), and the PostgreSQL backends serving them."""
    from django.db import connection

    workers = ()
    with contextlib.suppress(OSError):
        workers = tuple(int(p) for p in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [SERVER_APPLICATION_NAME])
        backends = tuple(row[0] for row in cursor.fetchall())
    return workers, backends


@dataclass
class Round:
    rate: float  # requests per second
    app_ms: float  # CPU per request in the gunicorn workers
    db_ms: float  # CPU per request in their PostgreSQL backends (nan when PostgreSQL runs elsewhere)
    failed: int

    @property
    def cpu_ms(self) -> float:
        return self.app_ms + (0 if self.db_ms != self.db_ms else self.db_ms)


def measure_round(url: str, cookie: str, seconds: float, threads: int, master_pid: int) -> Round:
    """One round of `throughput` with the CPU the server (workers and their database backends) spent on it."""
    workers, backends = server_processes(master_pid)
    app, db = cpu_seconds(workers), cpu_seconds(backends)
    started = time.monotonic()
    rate, failed = throughput(url, cookie, seconds, threads)
    count = rate * (time.monotonic() - started) or 1
    after_workers, after_backends = server_processes(master_pid)
    app_ms = (cpu_seconds(workers) - app) * 1000 / count if after_workers == workers else float("nan")
    local = backends and Path(f"/proc/{backends[0]}").exists()
    db_ms = (cpu_seconds(backends) - db) * 1000 / count if local and after_backends == backends else float("nan")
    return Round(rate, app_ms, db_ms, failed)


def measure_endpoints(base: str, master_pid: int, paths, cookie: str, sizes: Sizes) -> dict[str, list[Round]]:
    """`sizes.rounds` rounds; each runs every endpoint for `sizes.http_seconds`, in an order reversed every other
    round, so load from elsewhere on the machine falls on all of them alike."""
    for path in paths:  # every worker loads its code and opens its connection before anything counts
        throughput(base + path, cookie, max(1.0, sizes.http_seconds), sizes.http_threads)
    rounds = {path: [] for path in paths}
    for n in range(sizes.rounds):
        for path in paths if n % 2 == 0 else reversed(paths):
            rounds[path].append(measure_round(base + path, cookie, sizes.http_seconds, sizes.http_threads, master_pid))
    return rounds


def throughput(url: str, cookie: str, seconds: float, threads: int) -> tuple[float, int]:
    """Requests per second that `threads` clients get for `seconds` (bounded in time), and non-200 answers."""
    done, failed = [0] * threads, [0] * threads
    stop = time.monotonic() + seconds

    def client(n):
        request = urllib.request.Request(url, headers={"Cookie": f"sessionid={cookie}"})  # noqa: S310 (loopback http)
        while time.monotonic() < stop:
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback http)
                    response.read()
                    done[n] += 1
            except (urllib.error.URLError, OSError):
                failed[n] += 1

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    started = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(done) / (time.monotonic() - started), sum(failed)


def _ratio(rounds: list[Round], floor: list[Round], by: str) -> float:
    """Median over rounds of this endpoint's ratio to the floor: throughput over the floor's, or the floor's CPU
    per request over this one's (both: higher is better, 1× is as cheap as the floor)."""
    if by == "rate":
        ratios = [r.rate / f.rate for r, f in zip(rounds, floor, strict=True) if f.rate]
    else:
        ratios = [f.cpu_ms / r.cpu_ms for r, f in zip(rounds, floor, strict=True) if r.cpu_ms == r.cpu_ms and r.cpu_ms]
    return median(ratios)


def framework_floor(report: Report, sizes: Sizes) -> None:
    from django.db import connections
    from django.test import Client

    from bench import generate

    title = "2. List endpoint vs the framework floor and the naive peer (same server)"
    if not is_routed(API_URL):
        report.add(title, [f"Not available yet: no `{API_URL}` in this build; skipped."])
        return
    from exemptions.models import Filing

    if Filing.objects.count() != sizes.large:  # benchmark 1 leaves exactly this many realistic filings
        reset_data()
        generate.generate(sizes.large, progress=False)
    client = Client()
    client.force_login(bench_user())
    body = client.get(API_URL)
    if body.status_code != 200:
        report.add(title, [f"`GET {API_URL}` answered HTTP {body.status_code}; skipped."])
        return
    connections.close_all()
    workers = max(2, os.cpu_count() or 2)
    paths = [API_URL, NAIVE_URL, QUERY_ONLY_URL, STATIC_URL]
    load_before = os.getloadavg()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(body.json(), f)
    try:
        with serve(f.name, workers) as (base, master_pid):
            rounds = measure_endpoints(base, master_pid, paths, client.cookies["sessionid"].value, sizes)
    finally:
        os.unlink(f.name)
    load_after = os.getloadavg()
    floor, naive = rounds[STATIC_URL], rounds[NAIVE_URL]
    names = {
        API_URL: f"`GET {API_URL}`",
        NAIVE_URL: "naive peer: ModelViewSet, `select_related`, page numbers",
        QUERY_ONLY_URL: "the list's query alone, as `values()`",
        STATIC_URL: "static DRF list (floor)",
    }
    lines = [
        f"`scripts/serve --web-only` (gunicorn, `gunicorn.conf.py`, DEBUG off) with {workers} sync workers on "
        f"loopback, {sizes.http_threads} client threads, {sizes.rounds} alternating rounds of {sizes.http_seconds:g} s "
        f"per endpoint, at {Filing.objects.count():,} filings. CPU per request is the server's own: its workers' "
        "and their PostgreSQL backends' user + system time over the round (/proc), divided by the requests served, "
        "which load elsewhere on the machine barely moves. The static endpoint (`bench/views.py`) returns the saved "
        f"body of the same `GET {API_URL}` ({len(body.content):,} bytes) through the same authentication and "
        "renderer; the naive peer is a plain DRF ModelViewSet of the same rows, serializer and order. "
        "Goal: ≥ 0.5× the floor by CPU, ≥ 2× the naive peer.",
        "",
        "| endpoint | requests/s | CPU ms per request (app + database) | vs floor by CPU | vs floor by throughput |"
        " vs naive peer by CPU |",
        "|---|---|---|---|---|---|",
    ]
    for path in paths:
        r = rounds[path]
        app, db = median([x.app_ms for x in r]), median([x.db_ms for x in r])
        versus_naive = median([n.cpu_ms / x.cpu_ms for x, n in zip(r, naive, strict=True) if x.cpu_ms])
        lines.append(
            f"| {names[path]} | {median([x.rate for x in r]):.0f} | {app + (db if db == db else 0):.2f} "
            f"({app:.2f} + {db:.2f}) | **{_ratio(r, floor, 'cpu'):.2f}×** | {_ratio(r, floor, 'rate'):.2f}× "
            f"| {versus_naive:.2f}× |"
        )
    lines += [
        "",
        f"Failed requests: {sum(x.failed for r in rounds.values() for x in r)}. Load average (1, 5, 15 min) before: "
        f"{', '.join(f'{x:.1f}' for x in load_before)}; after: {', '.join(f'{x:.1f}' for x in load_after)}.",
    ]
    report.add(title, lines)


# --- 3. the reminder sweep: O(due) --------------------------------------------------------------


class _Rollback(Exception):
    pass


def time_sweep(sweep, repeats: int) -> tuple[float, int]:
    """Median seconds of one sweep (with its on-commit work run), each in a transaction rolled back after,
    so every run meets the same due work; also how many reminders a run claimed."""
    from django.db import transaction
    from django.test import TestCase

    from exemptions.models import OutgoingEmail

    times, claimed = [], 0
    for _ in range(repeats):
        before = OutgoingEmail.objects.count()
        with contextlib.suppress(_Rollback), transaction.atomic():
            started = time.perf_counter()
            with TestCase.captureOnCommitCallbacks(execute=True):
                sweep()
            times.append(time.perf_counter() - started)
            claimed = OutgoingEmail.objects.count() - before
            raise _Rollback
    return median(times), claimed


def sweep_benchmark(report: Report, sizes: Sizes) -> None:
    from bench import generate
    from config.celery import app as celery_app
    from exemptions import notifications

    title = f"3. Reminder sweep: {sizes.sweep_small:,} vs {sizes.sweep_large:,} filings, {sizes.sweep_due:,} due"
    if not hasattr(notifications, "sweep"):
        report.add(
            title, ["Not available yet: `exemptions.notifications.sweep` does not exist in this build; skipped."]
        )
        return
    reset_data()
    generate.generate_bulk(sizes.sweep_small, due=sizes.sweep_due, progress=False)
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True  # the sends run inline (locmem email), inside the timed sweep
    try:
        small, claimed_small = time_sweep(notifications.sweep, sizes.repeats)
        started = time.perf_counter()
        generate.generate_bulk(sizes.sweep_large - sizes.sweep_small, due=0, progress=True)
        load = time.perf_counter() - started
        large, claimed_large = time_sweep(notifications.sweep, sizes.repeats)
    finally:
        celery_app.conf.task_always_eager = eager
    report.add(
        title,
        [
            f"`notifications.sweep()` with Celery eager and on-commit work run, each run in a transaction rolled "
            f"back after it; median of {sizes.repeats}. Data: `generate_bulk` (INSERT … SELECT generate_series); "
            f"the {sizes.sweep_large - sizes.sweep_small:,} added filings took {load:.0f} s to load. Each reminder "
            "claimed is one email, rendered and delivered to the locmem backend inside the timed sweep. Goals: "
            "ratio ≤ 2×, ≥ 400 emails/s.",
            "",
            "| filings | median sweep | reminders claimed per run | emails/s |",
            "|---|---|---|---|",
            f"| {sizes.sweep_small:,} | {small * 1000:.0f} ms | {claimed_small} | **{claimed_small / small:.0f}** |",
            f"| {sizes.sweep_large:,} | {large * 1000:.0f} ms | {claimed_large} | **{claimed_large / large:.0f}** |",
            "",
            f"Ratio: **{large / small:.2f}×**.",
        ],
    )


# --- 4. engine.apply throughput ---------------------------------------------------------------


APPLY_CYCLE = ["take", "request_information", "respond", "request_information", "respond"]


def apply_rates(batch_size: int, repeats: int) -> list[float]:
    """Transitions per second of `repeats` runs, each moving `batch_size` new submitted filings through
    APPLY_CYCLE as their reviewer and applicant would, one transaction per transition."""
    from exemptions import engine, procedures
    from exemptions.models import Filing

    # Authorities whose reviewers take a filed case (BIS registers it instead).
    taking = [key for key, p in procedures.PROCEDURES.items() if p.transition(APPLY_CYCLE[0], "submitted")]
    opened = Filing.objects.filter(status="submitted", assigned_to__isnull=True, authority__workflow_key__in=taking)
    opened = opened.select_related("authority", "application", "created_by").order_by("id")
    filings = list(opened[: batch_size * repeats])
    reviewers, runs = {}, []
    for n in range(repeats):
        batch = filings[n * batch_size : (n + 1) * batch_size]
        started = time.perf_counter()
        for filing in batch:
            if filing.authority_id not in reviewers:
                reviewers[filing.authority_id] = bench_user("reviewer", filing.authority.code)
            for action in APPLY_CYCLE:
                by = filing.created_by if action == "respond" else reviewers[filing.authority_id]
                note = "" if action == "take" else "Please send the distribution plan."
                engine.apply(filing, action, by, note)
        runs.append(len(batch) * len(APPLY_CYCLE) / (time.perf_counter() - started))
    return runs


def apply_benchmark(report: Report, sizes: Sizes) -> None:
    import redis
    from django.conf import settings
    from django.db import connection

    from bench import generate
    from config.celery import app as celery_app

    title = "4. `engine.apply` throughput on one connection"
    reset_data()
    generate.generate_bulk(2 * sizes.apply_filings * sizes.repeats, due=0, progress=False)
    broker = "reachable"
    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        broker = "unreachable: notices were only logged"
    runs = apply_rates(sizes.apply_filings, sizes.repeats)
    cycle = APPLY_CYCLE
    floor = commit_floor(sizes.apply_filings * len(cycle))
    with contextlib.suppress(Exception):
        celery_app.control.purge()  # the notices queued on Redis have no worker here
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM exemptions_event WHERE action = ANY(%s)", [cycle])
        written = cursor.fetchone()[0]
    report.add(
        title,
        [
            f"Autocommit, one transaction per transition, notices queued on Redis after commit (as in production). "
            f"Each run moves {sizes.apply_filings} filings through {' → '.join(cycle)} "
            f"({sizes.apply_filings * len(cycle)} transitions); median of {sizes.repeats} runs; "
            f"{written} events written in all (broker {broker}).",
            "",
            f"**{median(runs):.0f} transitions/s** (runs: {', '.join(f'{r:.0f}' for r in runs)}).",
            "",
            f"For scale, the same connection commits {floor:.0f} one-row updates/s on this database; a transition "
            "is one such commit holding more work: the filing's compare-and-set update (and its indexes), the "
            "chain tip read, the event insert, sometimes a message, then a notice queued on Redis.",
        ],
    )


def commit_floor(count: int) -> float:
    """Commits per second of a one-row update in autocommit: the database's own limit on transitions/s."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_commit_floor (id int PRIMARY KEY, n int)")
        cursor.execute("INSERT INTO bench_commit_floor VALUES (1, 0) ON CONFLICT DO NOTHING")
        started = time.perf_counter()
        for _ in range(count):
            cursor.execute("UPDATE bench_commit_floor SET n = n + 1 WHERE id = 1")
        elapsed = time.perf_counter() - started
    return count / elapsed


# --- query plans and the benchmark indexes ------------------------------------------------------


def _benchmark_indexes():
    """The indexes the benchmarks argued for (bench/README.md), as declared in the models' Meta."""
    from django.apps import apps

    found = [
        (model, index)
        for model in apps.get_app_config("exemptions").get_models()
        for index in model._meta.indexes
        if index.name in BENCHMARK_INDEXES
    ]
    missing = set(BENCHMARK_INDEXES) - {index.name for _, index in found}
    if missing:
        raise SystemExit(f"The models no longer declare the benchmark indexes {sorted(missing)}.")
    return found


def hot_queries():
    """The reads that grow with the table: a reviewer's queue ordered by deadline, and due open work."""
    from django.utils import timezone

    from exemptions import procedures
    from exemptions.models import Application, Authority, Filing
    from exemptions.pagination import Cursor, rows_beyond

    reviewer = bench_user()
    authority = Authority.objects.get(code="OFAC")
    filed = Filing.objects.filter(authority=authority, submitted_at__isnull=False)
    deep = min(10_000, max(filed.count() - 25, 0))
    deep_row = filed.by_deadline()[deep : deep + 1].first()
    open_states = sorted({s for w in procedures.PROCEDURES.values() for s in w.open_states})
    return {
        "home: newest 50 dossiers visible to an OFAC reviewer": Application.objects.visible_to(reviewer).select_related(
            "organization"
        )[:50],
        "queue: `visible_to(OFAC reviewer)`, by deadline, first 25": Filing.objects.visible_to(reviewer)
        .for_listing()
        .by_deadline()[:25],
        "queue: OFAC's filed cases, by deadline, first 25": filed.for_listing().by_deadline()[:25],
        f"queue: OFAC's filed cases, by deadline, the 25 after row {deep:,} (keyset cursor)": filed.for_listing()
        .by_deadline()
        .filter(rows_beyond(Cursor.at(deep_row), towards_larger=True))[:25]
        if deep_row
        else filed.none(),
        "sweep: open filings with `due_at <= now`": Filing.objects.filter(
            status__in=open_states, due_at__lte=timezone.now()
        ).only("id", "due_at", "status"),
    }


def _plan_summary(plan: dict) -> str:
    """How the plan reaches the rows: its scans of the big tables, and whether it sorts them."""
    scans, sorts, stack = [], False, [plan]
    while stack:
        node = stack.pop()
        stack.extend(reversed(node.get("Plans", [])))
        sorts = sorts or node["Node Type"] in {"Sort", "Incremental Sort"}
        if node.get("Relation Name") in {"exemptions_filing", "exemptions_application"}:
            table = node["Relation Name"].removeprefix("exemptions_")
            how = f"{table}: {node['Node Type']}" + (f" `{node['Index Name']}`" if "Index Name" in node else "")
            scans.append(f"{how} ({node.get('Actual Rows', 0):,.0f} rows)")
    return "; ".join(dict.fromkeys(scans)) + ("; sort" if sorts else "")


def explain(queryset, repeats: int) -> tuple[float, str]:
    """Median execution time (ms) from EXPLAIN ANALYZE, and a summary of the plan."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    times, summary = [], ""
    with connection.cursor() as cursor:
        for _ in range(repeats):
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            times.append(plan[0]["Execution Time"])
            summary = _plan_summary(plan[0]["Plan"])
    return median(times), summary


def _set_indexes(indexes, present: bool) -> None:
    """Build or drop the benchmark indexes, then refresh the planner's statistics."""
    from django.db import connection

    with connection.schema_editor() as editor:
        for model, index in indexes:
            (editor.add_index if present else editor.remove_index)(model, index)
    with connection.cursor() as cursor:
        for model in {model for model, _ in indexes}:
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def plans_benchmark(report: Report, sizes: Sizes) -> None:
    from bench import generate
    from exemptions.models import Filing

    title = "Query plans: the benchmark indexes, before and after"
    indexes = _benchmark_indexes()
    if Filing.objects.count() != sizes.large:  # benchmark 1 leaves exactly this many realistic filings
        reset_data()
        generate.generate(sizes.large, progress=False)
    batch = max(10, sizes.apply_filings // 4)
    apply_label = f"`engine.apply`, {batch} filings × {len(APPLY_CYCLE)} transitions (writes maintain the indexes)"
    timings = {}  # label -> {present: [ms per round]}
    plans = {}  # (label, present) -> plan
    rounds = 3  # alternate without/with, so load on the machine hits both sides alike
    present = True
    try:
        for _ in range(rounds):
            for present in (False, True):
                _set_indexes(indexes, present)
                for label, qs in hot_queries().items():
                    ms, plans[label, present] = explain(qs, sizes.repeats)
                    timings.setdefault(label, {False: [], True: []})[present].append(ms)
                timings.setdefault(apply_label, {False: [], True: []})[present].append(median(apply_rates(batch, 1)))
    finally:
        if not present:  # a run stopped halfway leaves the indexes as the migrations made them
            _set_indexes(indexes, True)
    lines = [
        f"EXPLAIN ANALYZE at {Filing.objects.count():,} filings: median over {rounds} alternating rounds (each the "
        f"median of {sizes.repeats} runs). 'Before' drops the benchmark indexes "
        f"({', '.join(index.name for _, index in indexes)}); 'after' builds them again.",
        "",
        "| query | before | plan before | after | plan after |",
        "|---|---|---|---|---|",
    ]
    for label, by in timings.items():
        before, after = median(by[False]), median(by[True])
        if label == apply_label:
            lines.append(f"| {label} | {before:.0f} transitions/s | | {after:.0f} transitions/s | |")
        else:
            lines.append(
                f"| {label} | {before:.2f} ms | {plans[label, False]} | {after:.2f} ms | {plans[label, True]} |"
            )
    report.add(title, lines)


BENCHMARKS = {"4": apply_benchmark, "1": queue_and_api, "plans": plans_benchmark, "2": framework_floor, "3": sweep_benchmark}  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", choices=list(BENCHMARKS), help="Run only these (repeatable).")
    parser.add_argument("--quick", action="store_true", help="Tiny sizes: checks the runner, figures mean nothing.")
    parser.add_argument("--results", default=str(ROOT / "bench" / "RESULTS.md"), help="Where to write the results.")
    args = parser.parse_args(argv)
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    setup_django(database_url)
    sizes = QUICK if args.quick else Sizes()
    command = "./bench/run " + " ".join(argv if argv is not None else sys.argv[1:])
    report = Report(command=command.strip())
    results = Path(args.results)
    for key, benchmark in BENCHMARKS.items():
        if args.only and key not in args.only:
            continue
        benchmark(report, sizes)
        write_results(report, results)  # after each, so a cut-off run keeps what it measured
    print(f"\nResults written to {results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
