"""Races against the documented rules, run for real: each contender is a thread with its own PostgreSQL
connection, released together by a barrier, and each race is repeated so that a rule which holds only by luck
fails here. The rules: one pending request per authority at a time; a filed dossier is exactly what was
submitted (an edit lands before the snapshot or is refused with the locked error); one registration number
per BIS application."""

import datetime as dt
import threading
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from exemptions import engine, procedures, services, snapshot
from exemptions.models import Application, Authority, Filing
from tests import factories

TRIALS = 10
CONTENDERS = 4  # a double-click is two; a few more make the window wider


def race(*calls):
    """Run each call in its own thread and connection, all released at once; their results in order (an
    exception a call raised is its result, so a 500 shows up as a failure instead of vanishing in a thread)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def submit_action(filing):
    return filing.procedure.action_with_effect(procedures.SNAPSHOT_DOSSIER)


def filed_as_it_stands(filing) -> bool:
    """The filing's snapshot is the dossier as it is now: nothing changed the dossier after it was filed."""
    filing.refresh_from_db()
    current = snapshot.take(Application.objects.get(pk=filing.application_id))
    return snapshot.canonical_json(filing.snapshot) == snapshot.canonical_json(current)


def status_of(result):
    return result if isinstance(result, Exception) else result.status_code


@pytest.fixture
def bis():
    return Authority.objects.get(code="BIS")


def file_with_bis(face, client, dossier, bis):
    """One click on "File with authorities" (web: files at once) or one request for a draft BIS filing (API)."""
    if face == "web":
        return partial(client.post, reverse("application_file", args=[dossier.reference]), {"authorities": [bis.pk]})
    url = f"/api/v1/applications/{dossier.reference}/filings/"
    return partial(client.post, url, {"authority": bis.code}, format="json")


# face: (its client, the winner's status, every other contender's status)
FACES = {"web": (factories.web_client, 302, 400), "api": (factories.api_client, 201, 400)}


@pytest.mark.parametrize("face", FACES)
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_to_file_with_bis_create_exactly_one_filing(face, bis):
    make_client, won, refused = FACES[face]
    org = factories.organization()
    applicant = factories.applicant_of(org)
    clients = [make_client(applicant) for _ in range(CONTENDERS)]
    broken = []
    for trial in range(TRIALS):
        dossier = factories.complete_dossier(org, applicant, title=f"Double click {trial}")
        results = race(*[file_with_bis(face, client, dossier, bis) for client in clients])
        statuses = sorted(status_of(r) for r in results)
        filings = Filing.objects.filter(application=dossier, authority=bis).count()
        if filings != 1 or statuses != sorted([won] + [refused] * (CONTENDERS - 1)):
            broken.append((trial, filings, statuses))
    assert broken == [], f"{len(broken)} of {TRIALS} trials broke one pending filing per authority: {broken}"


def edit_and_submit(face, applicant, dossier, bis, trial):
    """The two contenders on one face: an edit of the dossier (web: a section, API: a PATCH that also replaces the
    items) and the submit that files the dossier with BIS (web: "File with authorities", API: the submit action
    on a draft filing)."""
    if face == "web":
        basics = {"title": f"Edited {trial}", "purpose": "Treat more patients.", "justification": "HS chapter 90."}
        return (
            partial(factories.web_client(applicant).post, reverse("application_edit", args=[dossier.reference, "basics"]), basics),
            partial(factories.web_client(applicant).post, reverse("application_file", args=[dossier.reference]),
                    {"authorities": [bis.pk]}),
        )  # fmt: skip
    filing = services.create_filing(dossier, bis, applicant)
    change = {
        "purpose": f"Revised purpose {trial}",
        "items": [dict(description="Isoniazid tablets", hs_code="300490", quantity="40", unit="boxes",
                       unit_value="8.00", currency="USD", category="medical")],
    }  # fmt: skip
    return (
        partial(
            factories.api_client(applicant).patch, f"/api/v1/applications/{dossier.reference}/", change, format="json"
        ),
        partial(
            factories.api_client(applicant).post, f"/api/v1/filings/{filing.reference}/actions/{submit_action(filing)}/"
        ),
    )


# face: (the edit's statuses, saved or refused as locked; the submit's status)
EDIT_OUTCOMES = {"web": ((302, 400), 302), "api": ((200, 409), 200)}


@pytest.mark.parametrize("face", EDIT_OUTCOMES)
@pytest.mark.django_db(transaction=True)
def test_an_edit_racing_the_submit_lands_in_the_snapshot_or_is_refused(face, bis):
    edited, submitted = EDIT_OUTCOMES[face]
    org = factories.organization()
    applicant = factories.applicant_of(org)
    broken = []
    for trial in range(TRIALS):
        dossier = factories.complete_dossier(org, applicant, title=f"Late edit {trial}")
        edit, submit = race(*edit_and_submit(face, applicant, dossier, bis, trial))
        (filing,) = Filing.objects.filter(application=dossier)
        if status_of(edit) not in edited or status_of(submit) != submitted or not filed_as_it_stands(filing):
            broken.append((trial, status_of(edit), status_of(submit)))
    assert broken == [], f"{len(broken)} of {TRIALS} trials left the dossier unlike its filed snapshot: {broken}"


# --- the database's own guard, behind the lock ----------------------------------------------------


def test_the_database_refuses_a_second_pending_filing_with_one_authority(dossier, applicant, bis):
    Filing.objects.create(application=dossier, authority=bis, created_by=applicant)
    with pytest.raises(IntegrityError), transaction.atomic():
        Filing.objects.create(application=dossier, authority=bis, created_by=applicant)


@pytest.mark.parametrize("attributes", [{"terminal": True}, {"lapsed": True}])
def test_a_new_request_may_still_be_filed_after_a_denied_or_lapsed_one(dossier, applicant, bis, attributes):
    finished = procedures.procedure_for(bis.workflow_key).states_where(**attributes)[0]
    Filing.objects.create(application=dossier, authority=bis, created_by=applicant, status=finished)
    assert services.create_filing(dossier, bis, applicant).status == procedures.INITIAL


def test_no_second_request_beside_an_approval_in_force_unless_it_extends_it(dossier, applicant, bis):
    granting = procedures.procedure_for(bis.workflow_key).states_where(grants_validity=True)[0]
    approval = Filing.objects.create(
        application=dossier,
        authority=bis,
        created_by=applicant,
        status=granting,
        valid_from_on=dt.date(2027, 1, 1),
        valid_until_on=dt.date(2027, 6, 30),
    )
    with pytest.raises(ValidationError, match="already has an approval from BIS"):
        services.create_filing(dossier, bis, applicant)
    with pytest.raises(IntegrityError), transaction.atomic():
        Filing.objects.create(application=dossier, authority=bis, created_by=applicant, status=granting)
    asking = {"follows": approval, "linked_request": "Three more months: port delays."}
    extension = services.create_filing(dossier, bis, applicant, link=Filing.Link.EXTENSION, **asking)
    assert extension.follows == approval
    with pytest.raises(ValidationError, match="pending filing with BIS"):  # still one pending request at a time
        services.create_filing(dossier, bis, applicant, link=Filing.Link.AMENDMENT, **asking)


def test_the_constraint_reads_as_the_pending_filing_error_when_the_check_is_bypassed(
    dossier, applicant, bis, monkeypatch
):
    services.create_filing(dossier, bis, applicant)
    monkeypatch.setattr(services, "refuse_second_open", lambda application, authority, link="": None)
    with pytest.raises(ValidationError) as refused:
        services.create_filing(dossier, bis, applicant)
    assert refused.value.message_dict == {"authority": ["This dossier already has a pending filing with BIS."]}
    assert Filing.objects.filter(application=dossier).count() == 1


# --- a dossier deleted while a write waited for its lock ------------------------------------------


def test_editing_a_dossier_deleted_meanwhile_is_refused_with_a_message(dossier, applicant):
    stale = Application.objects.get(pk=dossier.pk)
    services.delete_application(dossier)
    with pytest.raises(ValidationError, match="deleted"):
        services.update_application(stale, applicant, purpose="Too late.")


def test_submitting_a_filing_whose_dossier_was_deleted_meanwhile_is_a_conflict(dossier, applicant, bis):
    filing = services.create_filing(dossier, bis, applicant)
    stale = Filing.objects.select_related("application").get(pk=filing.pk)
    services.delete_application(dossier)
    with pytest.raises(engine.Conflict):
        services.run_action(stale, submit_action(stale), applicant)


@pytest.mark.django_db(transaction=True)
def test_one_registration_number_goes_to_one_bis_application_however_close_the_clicks(bis):
    org = factories.organization()
    applicant = factories.applicant_of(org)
    reviewer = factories.member_of("BIS", "reviewer")
    broken = []
    for trial in range(TRIALS):
        filings = [
            factories.submitted_filing(
                factories.complete_dossier(org, applicant, title=f"Pumps {trial}-{n}"), "BIS", applicant
            )
            for n in range(CONTENDERS)
        ]
        number = f"Z{trial:06d}"
        register = [
            partial(engine.apply, filing, "register_application", reviewer, "", None, registration_number=number)
            for filing in filings
        ]
        results = race(*register)
        refused = [r for r in results if isinstance(r, ValidationError)]
        registered = Filing.objects.filter(authority=bis, registration_number=number).count()
        if registered != 1 or len(refused) != CONTENDERS - 1:
            broken.append((trial, registered, [type(r).__name__ for r in results]))
    assert broken == [], f"{len(broken)} of {TRIALS} trials gave one number to several applications: {broken}"
