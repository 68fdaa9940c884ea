"""Benchmark: emails per second of the reminder sweep, rendered and claimed (SMTP excluded: Django's in-memory
backend), on the shape of bench/run's sweep benchmark: 1,000 overdue OFAC filings among 10,000, each owing its
reviewer a reminder and its staff member an escalation, plus that staff member's daily digest: 2,001 emails.
Goal (issue 22): ≥ 400/s.

Each run is one `notifications.sweep()` with Celery eager, in a transaction rolled back after it, so every
run meets the same due work; the data itself is added in a transaction rolled back at the end, so the
database is left as it was. Also counts the sweep's queries per email.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clearance_email .venv/bin/python bench/sweep_throughput.py
    (options: --filings 10000 --due 1000 --repeats 3)
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from backend_cpu import backend_cpu_seconds  # a sibling module: this script's own directory is on sys.path

# BENCH_CHECKOUT: measure another checkout's code (e.g. main's worktree) with this script, under the same load.
sys.path.insert(0, os.environ.get("BENCH_CHECKOUT") or str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")  # DEBUG off: no query log, as in production
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

from django.contrib.auth import get_user_model  # noqa: E402
from django.core import mail  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from config.celery import app as celery_app  # noqa: E402
from exemptions import notifications  # noqa: E402
from exemptions.models import Application, Authority, Filing, Membership, Organization, Role  # noqa: E402


def populate(filings: int, due: int) -> None:
    """One organization, one OFAC reviewer and staff member, `filings` filed cases of which `due` are overdue."""
    now = timezone.now()
    stamp = int(now.timestamp())
    users = get_user_model().objects
    organization = Organization.objects.create(name=f"Bench relief {stamp}", country="CH", contact_email="b@x.org")
    applicant = users.create(username=f"bench-applicant-{stamp}", email="applicant@bench.example.org")
    Membership.objects.create(user=applicant, role=Role.APPLICANT, organization=organization)
    authority = Authority.objects.get(code="OFAC")
    for role in (Role.REVIEWER, Role.STAFF):
        member = users.create(username=f"bench-{role}-{stamp}", email=f"{role}@bench.example.org", first_name="Bench")
        Membership.objects.create(user=member, role=role, authority=authority)
    applications = Application.objects.bulk_create(
        [
            Application(organization=organization, title=f"Bench {i}", reference=f"BENCH-{stamp}-{i}")
            for i in range(filings)
        ],
        batch_size=5000,
    )
    status = authority.procedure.path_to("in_review")[-1].target
    far, overdue = now + dt.timedelta(days=200), now - dt.timedelta(hours=1)
    Filing.objects.bulk_create(
        [
            Filing(
                application=applications[i],
                authority=authority,
                reference=f"BENCH-{stamp}-{i}",
                status=status,
                due_at=overdue if i < due else far,
                submitted_at=now - dt.timedelta(days=30),
            )
            for i in range(filings)
        ],
        batch_size=5000,
    )


class Rollback(Exception):
    pass


def one_sweep() -> tuple[float, int, int, float, float]:
    """Seconds, emails sent, queries, this process's and its PostgreSQL backend's CPU seconds of one sweep,
    rolled back after."""
    mail.outbox = []
    result, queries = {}, []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    try:
        with transaction.atomic(), connection.execute_wrapper(count):
            started, cpu, server = time.perf_counter(), time.process_time(), backend_cpu_seconds(backend)
            if os.environ.get("BENCH_PROFILE"):
                import cProfile

                cProfile.runctx("report = notifications.sweep()", globals(), result, os.environ["BENCH_PROFILE"])
                report = result.pop("report")
            else:
                report = notifications.sweep()
            result = {
                "seconds": time.perf_counter() - started,
                "cpu": time.process_time() - cpu,
                "server": backend_cpu_seconds(backend) - server,
                "sent": report.sent,
                "queries": len(queries),
            }
            raise Rollback
    except Rollback:
        pass
    assert len(mail.outbox) == result["sent"], "every email sent reached the backend"
    return result["seconds"], result["sent"], result["queries"], result["cpu"], result["server"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filings", type=int, default=10_000, help="filings in all (most of them not due)")
    parser.add_argument("--due", type=int, default=1_000, help="overdue filings among them")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    celery_app.conf.task_always_eager = True
    try:
        with transaction.atomic():
            populate(args.filings, args.due)
            runs = [one_sweep() for _ in range(args.repeats)]
            raise Rollback
    except Rollback:
        pass
    for seconds, sent, queries, cpu, server in runs:
        print(
            f"sweep: {sent} emails in {seconds:.2f} s = {sent / seconds:.0f} emails/s; CPU per email "
            f"{cpu * 1000 / sent:.3f} ms here + {server * 1000 / sent:.3f} ms in PostgreSQL "
            f"({sent / cpu:.0f} per CPU second of this process), {queries / sent:.2f} queries/email"
        )
    seconds, cpu = statistics.median(r[0] for r in runs), statistics.median(r[3] for r in runs)
    server = statistics.median(r[4] for r in runs)
    sent = runs[0][1]
    print(
        f"median: {sent} emails in {seconds:.2f} s = {sent / seconds:.0f} emails/s; CPU per email {cpu * 1000 / sent:.3f}"
        f" ms here + {server * 1000 / sent:.3f} ms in PostgreSQL ({sent / cpu:.0f} per CPU second)"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__" and not os.environ.get("BENCH_NO_MAIN"):
    main()
