"""The retention policy redacts personal details of long-closed cases and nothing else."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from exemptions import engine, retention, snapshot
from exemptions.models import Application, Filing
from tests import factories

YEARS_AGO_11 = timezone.now() - dt.timedelta(days=11 * 365)


def withdraw(filing, applicant, at):
    engine.apply(filing, "withdraw", applicant, "Funding fell through.", at)


@pytest.fixture
def long_closed(dossier, applicant):
    """A dossier whose two filings were withdrawn and denied eleven years ago."""
    un = factories.submitted_filing(dossier, "UN1718", applicant)
    withdraw(un, applicant, YEARS_AGO_11)
    ofac = factories.submitted_filing(dossier, "OFAC", applicant)
    reviewer = factories.member_of("OFAC", "reviewer")
    engine.apply(ofac, "take", reviewer, "", YEARS_AGO_11)
    engine.apply(ofac, "deny", reviewer, "", YEARS_AGO_11, reasons="Outside the general licence.")
    return dossier


def test_long_closed_dossier_is_redacted_and_the_audit_trail_still_verifies(long_closed, capsys):
    submitted_hashes = dict(Filing.objects.values_list("pk", "snapshot_sha256"))

    call_command("anonymize_closed")

    application = Application.objects.get(pk=long_closed.pk)
    assert application.destinations == snapshot.REDACTED
    assert application.selection_criteria == snapshot.REDACTED
    assert application.monitoring_arrangements == snapshot.REDACTED
    assert application.beneficiary_total == 1500  # counts are not personal; they stay for statistics
    assert [(p.name, p.address, p.country) for p in application.parties.all()] == [("Redacted supplier 1", "", "CH")]
    assert application.items.get().description == "Rifampicin tablets"
    for filing in application.filings.all():
        assert filing.anonymized_at is not None
        assert filing.snapshot["destinations"] == snapshot.REDACTED
        assert filing.snapshot["parties"][0]["name"] == "Redacted supplier 1"
        assert "Helvetic" not in str(filing.snapshot) and "Sanatorium" not in str(filing.snapshot)
        assert filing.snapshot_sha256 == submitted_hashes[filing.pk]  # what was submitted stays provable
        event = filing.events.order_by("-sequence").first()
        assert (event.action, event.actor_label) == ("anonymize", engine.SYSTEM)
        assert event.payload == {"submitted_snapshot_sha256": submitted_hashes[filing.pk]}
        assert filing.status in {"withdrawn", "denied"}
    assert "Anonymized 1 dossiers, 2 filings." in capsys.readouterr().out
    call_command("verify_audit")  # raises CommandError on a broken chain


def test_second_run_changes_nothing(long_closed, capsys):
    call_command("anonymize_closed")
    events = list(Filing.objects.values_list("pk", "version"))
    call_command("anonymize_closed")
    assert list(Filing.objects.values_list("pk", "version")) == events
    assert "Anonymized 0 dossiers, 0 filings." in capsys.readouterr().out


def test_dossier_with_one_open_filing_is_kept(long_closed, applicant):
    factories.submitted_filing(long_closed, "UK-OFSI", applicant)
    assert list(retention.due_for_anonymization()) == []


def test_recently_closed_dossier_is_kept_until_the_period_passes(dossier, applicant, settings):
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    withdraw(filing, applicant, timezone.now() - dt.timedelta(days=30))
    settings.DATA_RETENTION_DAYS = 365
    assert list(retention.due_for_anonymization()) == []
    assert list(retention.due_for_anonymization(older_than_days=29)) == [dossier]


def test_dry_run_lists_without_changing(long_closed, capsys):
    call_command("anonymize_closed", "--dry-run")
    assert "Would anonymize " + long_closed.reference in capsys.readouterr().out
    assert not Filing.objects.filter(anonymized_at__isnull=False).exists()
    assert Application.objects.get(pk=long_closed.pk).destinations == "South Pyongan, Sanatorium No. 3"


def test_nobody_but_the_system_may_anonymize(long_closed):
    filing = long_closed.filings.first()
    staff = factories.member_of(filing.authority.code, "staff")
    assert "anonymize" not in {t.name for t in engine.available_actions(filing, staff)}
    with pytest.raises(engine.ActionNotAllowed):
        engine.apply(filing, "anonymize", staff)
