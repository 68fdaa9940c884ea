"""Benchmark: the organization's monitoring dashboard (issue 19) at 10 and at 10,000 shipments. For each size it
adds that many shipments to one organization (spread over dossiers of 10, each shipment with a line, a
distribution with people reached and a monitoring visit), then times `GET /monitoring/` through Django's test
client, signed in as that organization's applicant, and counts its SQL queries; everything is rolled back.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clearance .venv/bin/python bench/monitoring_dashboard.py
    (options: --sizes 10,10000 --runs 15)
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from exemptions.models import (  # noqa: E402
    Application,
    Distribution,
    DistributionLine,
    Item,
    Membership,
    MonitoringVisit,
    Organization,
    PlannedVisit,
    Role,
    Shipment,
    ShipmentLine,
)

PER_DOSSIER = 10


class Rollback(Exception):
    pass


def populate(size: int, stamp: str):
    organization = Organization.objects.create(name=f"Bench org {stamp}", country="CH", contact_email="b@x.org")
    user = get_user_model().objects.create(username=f"bench-{stamp}", email="bench@example.org")
    Membership.objects.create(user=user, role=Role.APPLICANT, organization=organization)
    today = timezone.localdate()
    dossiers = Application.objects.bulk_create(
        Application(organization=organization, title=f"Bench dossier {n}", reference=f"BENCH-{stamp}-{n}")
        for n in range(max(size // PER_DOSSIER, 1))
    )
    items = Item.objects.bulk_create(
        Item(
            application=a,
            description="Rice",
            hs_code="100630",
            quantity=10**6,
            unit="kg",
            unit_value=1,
            category="food",
        )
        for a in dossiers
    )
    PlannedVisit.objects.bulk_create(
        PlannedVisit(application=a, facility="Clinic", visits=4, monitor="Field office") for a in dossiers
    )
    shipments = Shipment.objects.bulk_create(
        (
            Shipment(
                application=dossiers[n % len(dossiers)],
                reference=f"SHP-{stamp}-{n}",
                mode="rail",
                planned_departure_on=today,
                planned_arrival_on=today,
                departed_on=today,
                delivered_on=today if n % 3 else None,
            )
            for n in range(size)
        ),
        batch_size=5000,
    )
    item_of = {i.application_id: i for i in items}
    ShipmentLine.objects.bulk_create(
        (
            ShipmentLine(shipment=s, item=item_of[s.application_id], quantity=100, received=97, lost=1)
            for s in shipments
        ),
        batch_size=5000,
    )
    distributions = Distribution.objects.bulk_create(
        (
            Distribution(
                shipment=s,
                facility="Clinic",
                distributed_on=today,
                beneficiaries_planned={"children_under_5": 50},
                beneficiaries_reached={"children_under_5": 41},
                planned_total=50,
                reached_total=41,
            )
            for s in shipments
        ),
        batch_size=5000,
    )
    DistributionLine.objects.bulk_create(
        (DistributionLine(distribution=d, item=item_of[d.shipment.application_id], quantity=90) for d in distributions),
        batch_size=5000,
    )
    MonitoringVisit.objects.bulk_create(
        (
            MonitoringVisit(
                application=s.application,
                shipment=s,
                visited_on=today,
                site="Clinic",
                monitor="Field office",
                access="refused" if n % 17 == 0 else "granted",
            )
            for n, s in enumerate(shipments)
        ),
        batch_size=5000,
    )
    return user


def measure(size: int, runs: int) -> tuple[float, int, int]:
    result = {}
    stamp = f"{time.time_ns() % 10**8}"
    try:
        with transaction.atomic():
            client = Client()
            client.force_login(populate(size, stamp))
            assert client.get("/monitoring/").status_code == 200  # warm: templates, the session
            timings = []
            for _ in range(runs):
                started = time.perf_counter()
                response = client.get("/monitoring/")
                timings.append(time.perf_counter() - started)
            with CaptureQueriesContext(connection) as queries:
                client.get("/monitoring/")
            result.update(median=statistics.median(timings), queries=len(queries), size=len(response.content))
            raise Rollback
    except Rollback:
        pass
    return result["median"], result["queries"], result["size"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,10000", help="numbers of shipments, comma-separated")
    parser.add_argument("--runs", type=int, default=15, help="requests timed per size (the median is shown)")
    args = parser.parse_args()
    print(f"{'shipments':>9} {'dossiers':>8} {'median':>9} {'queries':>7} {'page':>9}")
    for size in [int(s) for s in args.sizes.split(",")]:
        median, queries, page = measure(size, args.runs)
        dossiers = max(size // PER_DOSSIER, 1)
        print(f"{size:>9} {dossiers:>8} {median * 1000:>7.1f}ms {queries:>7} {page / 1024:>7.0f}kB", flush=True)


if __name__ == "__main__":
    main()
