"""Benchmark: the reminder sweep's time grows with the number of due reminders, not with the number of filings
(DESIGN.md section 7). For each size it adds that many filings whose deadlines are far away, plus a fixed
number of overdue ones, times a first sweep (sends the due reminders) and a second one (sends nothing), and
rolls everything back. Emails go to Django's in-memory backend.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clearance .venv/bin/python bench/reminder_sweep.py
    (options: --sizes 1000,10000,50000 --due 50)
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from exemptions import notifications  # noqa: E402
from exemptions.models import Application, Authority, Filing, Membership, Organization, Role  # noqa: E402


class Rollback(Exception):
    pass


def populate(size: int, due: int, now: dt.datetime) -> None:
    organization = Organization.objects.create(
        name=f"Bench org {now.timestamp()}", country="CH", contact_email="b@x.org"
    )
    user = get_user_model().objects.create(username=f"bench-{now.timestamp()}", email="bench@example.org")
    Membership.objects.create(user=user, role=Role.APPLICANT, organization=organization)
    application = Application.objects.create(
        organization=organization, title="Bench", reference=f"BENCH-{now.timestamp()}"
    )
    authority = Authority.objects.get(code="OFAC")
    far, overdue = now + dt.timedelta(days=200), now - dt.timedelta(hours=1)
    rows = [
        Filing(application=application, authority=authority, reference=f"BENCH-{i}", status="in_review", due_at=far)
        for i in range(size)
    ] + [
        Filing(application=application, authority=authority, reference=f"BENCH-DUE-{i}", status="information_requested",
               due_at=overdue)
        for i in range(due)
    ]  # fmt: skip
    Filing.objects.bulk_create(rows, batch_size=5000)


def measure(size: int, due: int) -> tuple[float, float, int]:
    now = timezone.now()
    result = {}
    try:
        with transaction.atomic():
            populate(size, due, now)
            started = time.perf_counter()
            first = notifications.sweep(now)
            result["first"] = time.perf_counter() - started
            started = time.perf_counter()
            second = notifications.sweep(now)
            result["second"] = time.perf_counter() - started
            result["sent"] = first.sent + second.sent
            raise Rollback
    except Rollback:
        pass
    return result["first"], result["second"], result["sent"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="numbers of not-due filings, comma-separated")
    parser.add_argument("--due", type=int, default=50, help="overdue filings (one reminder each) at every size")
    args = parser.parse_args()
    print(f"{'filings':>8} {'due':>5} {'sent':>5} {'first sweep':>12} {'second sweep':>13}")
    for size in [int(s) for s in args.sizes.split(",")]:
        first, second, sent = measure(size, args.due)
        print(f"{size + args.due:>8} {args.due:>5} {sent:>5} {first:>11.3f}s {second:>12.3f}s", flush=True)


if __name__ == "__main__":
    main()
