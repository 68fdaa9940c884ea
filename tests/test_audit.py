"""Tamper evidence and the frozen submission snapshot."""

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from exemptions import audit, engine, services
from exemptions.models import Event, Filing
from exemptions.snapshot import canonical_json, sha256_hex
from tests import factories


@pytest.fixture
def decided(dossier, applicant, reviewer_ofac):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    engine.apply(filing, "deny", reviewer_ofac, "", None, reasons="Insufficient end-use controls.")
    return filing


def test_verify_audit_passes_on_intact_chains(decided, capsys):
    call_command("verify_audit")
    assert "Audit trail intact: 3 events in 1 chains." in capsys.readouterr().out


def test_each_event_links_to_the_hash_of_the_one_before(decided):
    events = list(decided.events.order_by("sequence"))
    assert events[0].prev_hash == Event.GENESIS_HASH
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]


def test_verify_audit_catches_a_row_edited_behind_the_orms_back(decided):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE exemptions_event SET note = %s WHERE filing_id = %s AND sequence = 2", ["edited", decided.pk]
        )
    with pytest.raises(CommandError, match=rf"{decided.reference} event #2 \(take.*edited after it was written"):
        call_command("verify_audit")


def test_verify_audit_catches_a_deleted_row(decided):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM exemptions_event WHERE filing_id = %s AND sequence = 2", [decided.pk])
    with pytest.raises(CommandError, match=r"#3 .*a row is missing"):
        call_command("verify_audit")


def test_verify_audit_catches_a_changed_status_in_an_event(decided):
    Event.objects.filter(filing=decided, sequence=3).update(to_status="approved")
    with pytest.raises(CommandError, match="#3"):
        call_command("verify_audit")


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
    with pytest.raises(CommandError, match="Known: BIS, EU, OFAC, UK-OFSI, UN1718"):
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
