"""List endpoints cost the same number of queries for 10 rows as for 100 (DESIGN.md section 7)."""

import datetime as dt
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exemptions import engine, services, tokens
from exemptions.models import Application, Authority, Filing, Item, Party
from tests import factories

_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def _no_last_use_writes(monkeypatch):
    # A token's last use is written on the first call of each minute, whatever the list's size: counted here,
    # it would make the first of two otherwise equal calls one query dearer.
    monkeypatch.setattr(tokens, "record_use", lambda token, now: None)


def queries_for(client, path):
    client.get(path)  # the caller's first request reads their memberships and zone into the cache; later ones don't
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, {"page_size": 100})
    assert response.status_code == 200, response.content
    body = response.json()
    return len(captured), body.get("count", len(body["results"]))  # the filing list has keyset pages, no count


def add_approved_dossiers(org, applicant, n):
    """n dossiers, each with two items, a party and an approved OFAC filing. Bulk-built: only row counts matter."""
    ofac, now = Authority.objects.get(code="OFAC"), timezone.now()
    numbers = [next(_serial) for _ in range(n)]
    applications = Application.objects.bulk_create(
        Application(
            organization=org,
            reference=f"APP-2026-9{i:05d}",
            title=f"Dossier {i}",
            ship_from_on=dt.date(2027, 3, 1),
            ship_until_on=dt.date(2027, 9, 30),
            created_by=applicant,
        )
        for i in numbers
    )
    Item.objects.bulk_create(
        Item(application=a, description=c, hs_code="300490", quantity=1, unit="box", unit_value=1, category=c)
        for a in applications
        for c in ("medical", "food")
    )
    Party.objects.bulk_create(Party(application=a, role="supplier", name="S", country="CH") for a in applications)
    Application.required_authorities.through.objects.bulk_create(
        Application.required_authorities.through(application=a, authority=ofac) for a in applications
    )
    Filing.objects.bulk_create(
        Filing(
            application=a,
            authority=ofac,
            reference=f"OFAC-2026-9{i:05d}",
            status="approved",
            submitted_at=now,
            decided_at=now,
            valid_from_on=now.date() - dt.timedelta(days=30),  # in force today: the register lists them
            valid_until_on=now.date() + dt.timedelta(days=200),
            due_at=now + dt.timedelta(days=200),
            assigned_to=applicant,
        )
        for a, i in zip(applications, numbers, strict=True)
    )


@pytest.mark.parametrize(
    "path, who",
    [
        ("/api/v1/filings/", "reviewer"),
        ("/api/v1/filings/", "applicant"),
        ("/api/v1/applications/", "applicant"),
        ("/api/v1/applications/", "reviewer"),
        ("/api/v1/register/", "anonymous"),
    ],
)
def test_list_costs_the_same_queries_at_10_and_100_rows(client_for, anon, org, applicant, reviewer_ofac, path, who):
    client = {"reviewer": client_for(reviewer_ofac), "applicant": client_for(applicant), "anonymous": anon}[who]
    Authority.objects.filter(code="OFAC").update(publishes_register=True)  # so that the register lists them
    add_approved_dossiers(org, applicant, 10)
    at_10, count_10 = queries_for(client, path)
    add_approved_dossiers(org, applicant, 90)
    at_100, count_100 = queries_for(client, path)
    assert (count_10, count_100) == (10, 100)
    assert at_10 == at_100


@pytest.mark.parametrize("child", ["events", "messages", "documents"])
def test_filing_children_cost_the_same_queries_at_10_and_100_rows(client_for, dossier, applicant, reviewer_ofac, child):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)

    def grow(n):
        for i in range(n):
            if child == "events":  # a consultation and its conclusion: two events
                engine.apply(
                    filing, "consult" if filing.status == "in_review" else "conclude_consultation", reviewer_ofac
                )
            elif child == "messages":
                services.post_message(filing, applicant, f"message {i}")
            else:
                services.attach_document(
                    by=applicant, uploaded_file=SimpleUploadedFile("f.pdf", b"%PDF-1.4 f"), filing=filing
                )

    client = client_for(applicant)
    path = f"/api/v1/filings/{filing.reference}/{child}/"
    grow(8 if child == "events" else 10)  # with submit and take: 10 events
    at_10, count_10 = queries_for(client, path)
    grow(90)
    at_100, count_100 = queries_for(client, path)
    assert (count_10, count_100) == (10, 100)
    assert at_10 == at_100
