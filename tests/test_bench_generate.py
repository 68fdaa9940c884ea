"""The benchmark data generator (bench/generate.py) makes data the product accepts as its own."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import Exists, OuterRef
from django.utils import timezone

from bench import generate
from bench.run import reset_data
from exemptions import engine, services
from exemptions.models import Application, Authority, Event, Filing, Item, Message, OutgoingEmail, Party

pytestmark = pytest.mark.django_db

FILINGS = 200


@pytest.fixture(scope="module")
def now():
    return timezone.now()


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker, now):
    """Generated once for this module (outside the tests' rolled-back transactions), emptied afterwards."""
    with django_db_blocker.unblock():
        made = generate.generate(FILINGS, seed=7, chunk=80, now=now, progress=False)
    yield made
    with django_db_blocker.unblock():
        reset_data()


def audit_report():
    from io import StringIO

    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_generator_makes_the_filings_and_rows_it_reports(generated):
    assert Filing.objects.count() == generated.filings == FILINGS
    assert Application.objects.count() == generated.applications
    assert FILINGS / 3 <= generated.applications <= FILINGS
    assert Item.objects.count() == 2 * generated.applications
    assert Party.objects.count() == 3 * generated.applications
    assert Event.objects.count() == generated.events > FILINGS
    assert Message.objects.count() == generated.messages > 0
    assert OutgoingEmail.objects.count() == generated.reminders > 0


def orphans():
    """Rows whose foreign key points at no row (the generator skips PostgreSQL's trigger checks)."""
    found = []
    for model in (
        Application,
        Item,
        Party,
        Filing,
        Event,
        Message,
        OutgoingEmail,
        Application.required_authorities.through,
    ):
        for fk in (f for f in model._meta.concrete_fields if f.is_relation):
            parents = fk.related_model.objects.filter(pk=OuterRef(fk.attname))
            dangling = model.objects.filter(**{f"{fk.attname}__isnull": False}).filter(~Exists(parents))
            found += [f"{model.__name__}.{fk.name}"] if dangling.exists() else []
    return found


def test_generated_rows_point_at_existing_rows(generated):
    assert orphans() == []


def test_every_state_of_every_authority_is_populated(generated):
    for authority in Authority.objects.all():
        declared = {s.name for s in authority.procedure.states}
        present = set(Filing.objects.filter(authority=authority).values_list("status", flat=True))
        assert present == declared, authority.code


def test_generated_audit_trails_verify_and_end_in_the_filing_status(generated):
    assert f"Audit trail intact: {generated.events} events" in audit_report()
    for filing in Filing.objects.exclude(status=generate.INITIAL_STATUS):
        last = filing.events.order_by("-sequence").first()
        assert last.to_status == filing.status
        assert last.sequence == filing.version
    assert not Event.objects.filter(filing__status=generate.INITIAL_STATUS).exists()


def test_due_dates_spread_from_overdue_to_months_ahead(generated, now):
    open_due = Filing.objects.filter(due_at__isnull=False)
    assert open_due.filter(due_at__lt=now).count() >= 10
    assert open_due.filter(due_at__gte=now, due_at__lt=now + dt.timedelta(days=7)).count() >= 10
    assert open_due.filter(due_at__gte=now + dt.timedelta(days=30)).count() >= 10
    assert not Filing.objects.filter(status__in=["denied", "withdrawn", "closed"], due_at__isnull=False).exists()


def test_generated_filings_keep_working_with_the_engine_and_references(generated):
    filing = Filing.objects.filter(status="submitted", authority__code="OFAC").first()
    reviewer = Authority.objects.get(code="OFAC").memberships.filter(role="reviewer").first().user
    engine.apply(filing, "take", reviewer)
    assert Filing.objects.get(pk=filing.pk).status == "in_review"
    application = Application.objects.exclude(filings__authority__code="EU").first()
    fresh = services.create_filing(application, Authority.objects.get(code="EU"), application.created_by)
    assert not Filing.objects.exclude(pk=fresh.pk).filter(reference=fresh.reference).exists()


def test_bulk_path_makes_exactly_the_due_filings_asked_for_with_valid_chains(generated):
    now = timezone.now()
    before = Filing.objects.order_by("-id").values_list("id", flat=True).first()
    made = generate.generate_bulk(300, due=30, chunk=100, now=now, progress=False)
    bulk = Filing.objects.filter(id__gt=before)
    assert bulk.count() == made.filings == 300
    assert bulk.filter(due_at__lte=now).count() == 30
    not_due = bulk.filter(due_at__gt=now)
    assert not_due.exists()
    assert not not_due.filter(due_at__lt=now + generate.BULK_NOT_DUE_AFTER).exists()
    assert "Audit trail intact" in audit_report()
    assert Event.objects.filter(filing__in=bulk).count() == made.events
    assert bulk.filter(status="withdrawn").count() == Event.objects.filter(filing__in=bulk, sequence=2).count() > 0
    assert orphans() == []
