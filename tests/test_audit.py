"""Tamper evidence (hash chain, seals under the audit key, each filing's newest event, sealed checkpoints, the
append-only trigger) and the frozen submission snapshot."""

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from exemptions import audit, engine, procedures, services, tasks
from exemptions.models import AuditCheckpoint, Event, Filing
from exemptions.models.seals import check_audit_key
from exemptions.snapshot import canonical_json, sha256_hex
from tests import factories


@pytest.fixture
def decided(dossier, applicant, reviewer_ofac):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    engine.apply(filing, "deny", reviewer_ofac, "", None, reasons="Insufficient end-use controls.")
    return filing


def verify_audit_fails(match):
    return pytest.raises(CommandError, match=match)


def tamper(sql, params):
    with factories.behind_the_engines_back(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_verify_audit_passes_on_intact_chains(decided, capsys):
    audit.write_checkpoint()
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "Audit trail intact: 3 events in 1 chains." in out
    assert "Checkpoint #1" in out and "seals the first 3." in out


def test_each_event_links_to_the_hash_of_the_one_before(decided):
    events = list(decided.events.order_by("sequence"))
    assert events[0].prev_hash == Event.GENESIS_HASH
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]


def test_the_filing_records_its_newest_event_with_its_status(decided):
    newest = decided.events.order_by("-sequence").first()
    row = Filing.objects.get(pk=decided.pk)
    assert (row.audit_tip_sequence, row.audit_tip_hash, row.status) == (3, newest.hash, newest.to_status)


def test_verify_audit_catches_an_edited_event(decided):
    tamper("UPDATE exemptions_event SET note = %s WHERE filing_id = %s AND sequence = 2", ["edited", decided.pk])
    with verify_audit_fails(rf"{decided.reference} event #2 \(take.*edited after it was written"):
        call_command("verify_audit")


def test_verify_audit_catches_a_deleted_newest_event(decided):
    tamper("DELETE FROM exemptions_event WHERE filing_id = %s AND sequence = 3", [decided.pk])
    with verify_audit_fails(
        rf"{decided.reference}: the filing records event #3 as its newest, but its trail ends at #2"
    ):
        call_command("verify_audit")


def test_verify_audit_catches_a_chain_recomputed_without_the_key(decided):
    """The insider edits a note, recomputes every hash after it and points the filing at the new newest event:
    the hashes all check out, the seals do not."""
    tamper("UPDATE exemptions_event SET note = %s WHERE filing_id = %s AND sequence = 2", ["edited", decided.pk])
    previous_hash = Event.GENESIS_HASH
    for event in Event.objects.filter(filing=decided).select_related("filing").order_by("sequence"):
        event.prev_hash = previous_hash
        previous_hash = event.compute_hash()
        tamper(
            "UPDATE exemptions_event SET prev_hash = %s, hash = %s WHERE id = %s",
            [event.prev_hash, previous_hash, event.pk],
        )
    Filing.objects.filter(pk=decided.pk).update(audit_tip_hash=previous_hash)
    with verify_audit_fails(rf"{decided.reference} event #2 \(take.*recomputed without the audit key"):
        call_command("verify_audit")


def test_verify_audit_catches_a_status_edited_on_the_filing(decided):
    Filing.objects.filter(pk=decided.pk).update(status="approved")
    with verify_audit_fails(
        rf"{decided.reference}: status 'approved' on the filing, but its trail leaves it in 'denied'"
    ):
        call_command("verify_audit")


def test_verify_audit_catches_a_status_edited_on_a_filing_without_events(dossier, applicant):
    draft = factories.filing(dossier, "OFAC", applicant)
    Filing.objects.filter(pk=draft.pk).update(status="approved")
    with verify_audit_fails(rf"{draft.reference}: status 'approved' on the filing"):
        call_command("verify_audit")


def test_verify_audit_catches_a_deleted_event_and_rolled_back_filing_against_the_last_checkpoint(decided):
    """Everything the filing says agrees with its shortened trail; only the sealed checkpoint remembers."""
    audit.write_checkpoint()
    taken = decided.events.get(sequence=2)
    tamper("DELETE FROM exemptions_event WHERE filing_id = %s AND sequence = 3", [decided.pk])
    Filing.objects.filter(pk=decided.pk).update(
        status=taken.to_status, version=2, audit_tip_sequence=2, audit_tip_hash=taken.hash, decided_at=None
    )
    with verify_audit_fails(r"Checkpoint #1 .*: it sealed 3 events .*; 2 are there now \(events were deleted since\)"):
        call_command("verify_audit")


def test_verify_audit_catches_a_deleted_middle_row(decided):
    tamper("DELETE FROM exemptions_event WHERE filing_id = %s AND sequence = 2", [decided.pk])
    with verify_audit_fails(r"#3 .*a row is missing"):
        call_command("verify_audit")


def test_verify_audit_catches_a_changed_status_in_an_event(decided):
    with factories.behind_the_engines_back():
        Event.objects.filter(filing=decided, sequence=3).update(to_status="approved")
    with verify_audit_fails("#3"):
        call_command("verify_audit")


def test_a_new_event_after_a_deleted_one_leaves_the_gap_visible(decided, reviewer_ofac):
    """The engine links to the newest event the filing records, so the next transition cannot paper over a
    deleted one by taking its place."""
    tamper("DELETE FROM exemptions_event WHERE filing_id = %s AND sequence = 3", [decided.pk])
    filing = Filing.objects.get(pk=decided.pk)
    engine.apply(filing, filing.procedure.action_with_effect(procedures.REDACT_SNAPSHOT), engine.SYSTEM)
    with verify_audit_fails(r"event #4 .*sequence 4 where 3 was expected"):
        call_command("verify_audit")


def test_events_sealed_before_a_key_rotation_still_verify(decided, settings, capsys):
    settings.AUDIT_RETIRED_KEYS = [settings.AUDIT_KEY]
    settings.AUDIT_KEY = "a-new-key-after-rotation-" + "x" * 24
    engine.apply(decided, decided.procedure.action_with_effect(procedures.REDACT_SNAPSHOT), engine.SYSTEM)
    assert len(set(decided.events.values_list("key_id", flat=True))) == 2
    call_command("verify_audit")
    assert "Audit trail intact: 4 events" in capsys.readouterr().out
    settings.AUDIT_RETIRED_KEYS = []
    with verify_audit_fails(r"event #1 .*sealed with key \w+, which is neither AUDIT_KEY nor a retired key"):
        call_command("verify_audit")


def test_a_checkpoint_seals_only_events_appended_since_the_last_one(decided, reviewer_ofac, dossier, applicant):
    first = audit.write_checkpoint()
    assert (first.sequence, first.events, first.total_events) == (1, 3, 3)
    assert audit.write_checkpoint() is None  # nothing new
    factories.submitted_filing(dossier, "UN1718", applicant)
    second = tasks.seal_audit_checkpoint()
    assert second == "Audit checkpoint #2 (4 events)"
    assert list(audit.findings()) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
class TestTheDatabaseRefusesToRewriteTheTrail:
    def test_a_raw_update_of_an_event_fails(self, decided):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE exemptions_event SET note = 'edited' WHERE filing_id = %s", [decided.pk])

    def test_a_raw_delete_of_an_event_fails(self, decided):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM exemptions_event WHERE filing_id = %s", [decided.pk])

    def test_a_checkpoint_cannot_be_deleted(self, decided):
        audit.write_checkpoint()
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditCheckpoint.objects.all().delete()

    def test_recording_when_notices_went_out_still_works(self, decided):
        sent = timezone.now()
        assert Event.objects.filter(filing=decided).update(notified_at=sent) == 3
        assert set(Event.objects.filter(filing=decided).values_list("notified_at", flat=True)) == {sent}


def test_production_refuses_to_run_without_an_audit_key(settings):
    settings.DEBUG, settings.AUDIT_KEY = False, ""
    assert [m.id for m in check_audit_key()] == ["exemptions.E001"]
    settings.AUDIT_KEY = "short"
    assert [m.id for m in check_audit_key()] == ["exemptions.W001"]
    settings.AUDIT_KEY = "k" * 48
    assert check_audit_key() == []


def test_submission_freezes_the_dossier_with_its_hash(dossier, applicant):
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    assert filing.snapshot["title"] == dossier.title
    assert filing.snapshot["items"][0]["hs_code"] == "300490"
    assert filing.snapshot_sha256 == sha256_hex(canonical_json(filing.snapshot))


def test_editing_the_dossier_after_submit_leaves_snapshot_and_hash_unchanged(dossier, applicant):
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    frozen, digest = filing.snapshot, filing.snapshot_sha256
    # The services refuse edits once filed ...
    with pytest.raises(services.DossierLocked):
        services.update_application(dossier, applicant, title="Changed")
    # ... and an edit made another way (the admin, SQL) does not reach what the authority saw.
    dossier.title = "Changed behind the lock"
    dossier.save()
    dossier.items.update(quantity=999)
    filing = Filing.objects.get(pk=filing.pk)
    assert (filing.snapshot, filing.snapshot_sha256) == (frozen, digest)
    assert filing.snapshot["title"] != "Changed behind the lock"


def test_workflow_diagram_prints_mermaid_from_the_declaration(db, capsys):
    call_command("workflow_diagram", "ofac")
    out = capsys.readouterr().out
    assert out.startswith("stateDiagram-v2")
    assert "in_review --> interagency_consultation : consult (reviewer/staff)" in out
    with pytest.raises(CommandError, match="Known: BIS, EU, OFAC, UK-ECJU, UK-OFSI, UN1718"):
        call_command("workflow_diagram", "NOPE")


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_deciding_at_once_exactly_one_wins():
    org = factories.organization()
    applicant = factories.applicant_of(org)
    filing = factories.submitted_filing(factories.complete_dossier(org, applicant), "OFAC", applicant)
    first, second = factories.authority_member("OFAC"), factories.authority_member("OFAC")
    engine.apply(filing, "take", first)
    barrier = threading.Barrier(2)
    outcomes = {}

    def decide(name, user, action, payload):
        mine = Filing.objects.select_related("application", "authority").get(pk=filing.pk)
        try:
            barrier.wait()  # both hold the same version before either writes
            engine.apply(mine, action, user, "", None, **payload)
            outcomes[name] = "won"
        except engine.Conflict as exc:
            outcomes[name] = f"conflict: {exc}"
        finally:
            connection.close()

    approve = {"valid_from_on": "2027-01-01", "valid_until_on": "2028-12-31", "authority_reference": "DPRK-EE-9"}
    threads = [
        threading.Thread(target=decide, args=("approve", first, "approve", approve)),
        threading.Thread(target=decide, args=("deny", second, "deny", {"reasons": "No."})),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(v.split(":")[0] for v in outcomes.values()) == ["conflict", "won"]
    winner = next(k for k, v in outcomes.items() if v == "won")
    filing.refresh_from_db()
    assert filing.status == {"approve": "approved", "deny": "denied"}[winner]
    assert filing.events.count() == 3 and filing.version == 3
    assert audit.first_broken_link(filing.events.select_related("filing")) is None
