"""The EU and UK layers: an EU competent authority's filing waits on the dossier's UN 1718 approval (Council
Regulation (EU) 2017/1509) on every face, cleared-to-ship and the emails know it; UK goods go to the Export
Control Joint Unit while OFSI keeps financial licences."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from exemptions import clearance, engine, notifications, outbox, procedures
from exemptions.models import Authority, Filing, OutgoingEmail
from tests import factories

NEW_YORK = ZoneInfo("America/New_York")


def ny(*args):
    return dt.datetime(*args, tzinfo=NEW_YORK)


def proposed_un(dossier, applicant, reviewer_un):
    """A UN 1718 filing whose no-objection period ended without objection: staff have only to confirm."""
    un = factories.submitted_filing(dossier, "UN1718", applicant)
    engine.apply(un, "take", reviewer_un, "", ny(2027, 1, 4, 10))
    engine.apply(un, "circulate", reviewer_un, "", ny(2027, 1, 4, 11))
    engine.apply(un, "propose_approval", engine.SYSTEM, "", un.due_at + dt.timedelta(minutes=5))
    return un


@pytest.fixture
def shipping_dossier(org, applicant):
    dossier = factories.complete_dossier(org, applicant, ship_from_on=dt.date(2027, 3, 1))
    return dossier


@pytest.fixture
def eu(shipping_dossier, applicant):
    return factories.filing(shipping_dossier, "EU", applicant)


@pytest.fixture
def confirmed(django_capture_on_commit_callbacks, eager_celery):
    """Staff confirm a proposed approval as a request would: commit, then the notices go out."""

    def run(un, staff):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            event = engine.apply(un, "confirm_approval", staff, "", None, authority_reference="S/AC.49/2027/OC.12")
        return event

    return run


# --- filing order: every face refuses an EU filing before the UN approval -------------------------------------


def test_the_eu_authority_runs_the_declared_eu_procedure_after_migrate(db):
    eu = Authority.objects.get(code="EU")
    assert eu.procedure is procedures.EU
    assert procedures.EU.requires_approval_from == (procedures.UN1718.key,)
    assert "2017/1509" in procedures.EU.requirement_basis


def test_the_engine_refuses_to_file_an_eu_filing_before_its_un_filing_is_approved(
    shipping_dossier, eu, applicant, reviewer_un
):
    with pytest.raises(engine.WaitingOnApproval) as refused:
        engine.apply(eu, "submit", applicant)
    assert "none has been requested" in str(refused.value) and "2017/1509" in str(refused.value)

    un = proposed_un(shipping_dossier, applicant, reviewer_un)
    with pytest.raises(engine.WaitingOnApproval) as refused:
        engine.apply(eu, "submit", applicant)
    assert f"cannot be filed before {un.reference} (UN1718) is approved" in str(refused.value)
    eu.refresh_from_db()
    assert eu.status == procedures.INITIAL and eu.submitted_at is None and not eu.events.exists()


def test_the_web_refuses_with_a_message_naming_the_un_filing_and_files_after_the_approval(
    shipping_dossier, eu, applicant, reviewer_un, staff_un
):
    un = proposed_un(shipping_dossier, applicant, reviewer_un)
    client = factories.web_client(applicant)
    url = f"/filings/{eu.reference}/actions/submit/"
    response = client.post(url, {"submit-version": eu.version}, follow=True)
    flashed = [str(m) for m in response.context["messages"]]
    assert any(f"cannot be filed before {un.reference} (UN1718) is approved" in m for m in flashed), flashed
    assert Filing.objects.get(pk=eu.pk).status == procedures.INITIAL

    engine.apply(un, "confirm_approval", staff_un)
    assert url in client.get(f"/filings/{eu.reference}/").content.decode()  # the button is back
    response = client.post(url, {"submit-version": eu.version}, follow=True)
    assert response.status_code == 200
    assert Filing.objects.get(pk=eu.pk).submitted_at is not None


def test_filing_with_un_and_eu_at_once_files_the_un_request_and_keeps_the_eu_one_as_a_waiting_draft(
    shipping_dossier, applicant
):
    chosen = [Authority.objects.get(code=code).pk for code in ("UN1718", "EU")]
    url = reverse("application_file", args=[shipping_dossier.reference])
    check = factories.web_client(applicant).get(url, {"authorities": chosen}).content.decode()
    assert "the EU request is kept as a draft, and we email you when it can be filed" in check
    response = factories.web_client(applicant).post(url, {"authorities": chosen}, follow=True)
    assert response.status_code == 200
    un, eu = (shipping_dossier.filings.get(authority__code=code) for code in ("UN1718", "EU"))
    assert un.submitted_at is not None and eu.status == procedures.INITIAL
    flashed = " ".join(str(m) for m in response.context["messages"])
    assert f"Filed with UN1718 ({un.reference})" in flashed
    assert f"{eu.reference} cannot be filed before {un.reference}" in flashed and "kept as a draft" in flashed


def test_the_api_refuses_with_409_naming_the_un_filing_and_files_after_the_approval(
    shipping_dossier, eu, applicant, reviewer_un, staff_un
):
    un = proposed_un(shipping_dossier, applicant, reviewer_un)
    client = factories.api_client(applicant)
    url = f"/api/v1/filings/{eu.reference}/actions/submit/"
    refused = client.post(url, {}, format="json")
    assert refused.status_code == 409
    assert un.reference in refused.json()["detail"] and "2017/1509" in refused.json()["detail"]

    engine.apply(un, "confirm_approval", staff_un)
    filed = client.post(url, {}, format="json")
    assert filed.status_code == 200, filed.content
    assert filed.json()["status"] == "submitted"


def test_the_dependency_is_shown_on_both_filings_in_the_api(shipping_dossier, eu, applicant, reviewer_un, staff_un):
    un = proposed_un(shipping_dossier, applicant, reviewer_un)
    client = factories.api_client(applicant)
    order = client.get(f"/api/v1/filings/{eu.reference}/").json()["filing_order"]
    assert order["files_after"] == [
        {
            "procedure": "un1718",
            "procedure_name": procedures.UN1718.name,
            "authority": "UN1718",
            "reference": un.reference,
            "in_force": False,
        }
    ]
    assert un.reference in order["waiting_on"][0]
    un_order = client.get(f"/api/v1/filings/{un.reference}/").json()["filing_order"]
    assert un_order["needed_by"] == [{"authority": "EU", "reference": eu.reference, "waiting": True}]
    assert un_order["files_after"] == [] and un_order["waiting_on"] == []

    engine.apply(un, "confirm_approval", staff_un)
    order = client.get(f"/api/v1/filings/{eu.reference}/").json()["filing_order"]
    assert order["files_after"][0]["in_force"] is True and order["waiting_on"] == []
    un_order = client.get(f"/api/v1/filings/{un.reference}/").json()["filing_order"]
    assert un_order["needed_by"][0]["waiting"] is False


def test_the_dependency_is_shown_on_both_filing_pages(shipping_dossier, eu, applicant, reviewer_un):
    un = proposed_un(shipping_dossier, applicant, reviewer_un)
    client = factories.web_client(applicant)
    eu_page = client.get(f"/filings/{eu.reference}/").content.decode()
    assert 'id="filing-files-after"' in eu_page and f"/filings/{un.reference}/" in eu_page
    assert 'id="waiting-on"' in eu_page and "not approved yet" in eu_page
    assert f"/filings/{eu.reference}/actions/submit/" not in eu_page  # no button that can only be refused
    un_page = client.get(f"/filings/{un.reference}/").content.decode()
    assert 'id="filing-needed-by"' in un_page and f"/filings/{eu.reference}/" in un_page
    assert "waits on this approval to be filed" in un_page


def test_an_eu_reviewer_reads_the_dependency_without_the_un_case_reference(
    shipping_dossier, eu, applicant, reviewer_un, staff_un
):
    un = proposed_un(shipping_dossier, applicant, reviewer_un)
    engine.apply(un, "confirm_approval", staff_un)
    engine.apply(eu, "submit", applicant)
    eu_reviewer = factories.authority_member("EU")
    order = factories.api_client(eu_reviewer).get(f"/api/v1/filings/{eu.reference}/").json()["filing_order"]
    assert order["files_after"][0]["reference"] is None  # another authority's case: named by its authority only
    assert order["files_after"][0]["authority"] == "UN1718" and order["files_after"][0]["in_force"] is True


# --- cleared to ship ----------------------------------------------------------------------------------------


def test_cleared_to_ship_names_the_eu_filing_waiting_on_the_un_approval(shipping_dossier, eu, applicant, reviewer_un):
    not_yet = clearance.cleared_to_ship(shipping_dossier, today=dt.date(2027, 1, 1))
    assert f"EU filing {eu.reference} waits on an approved {procedures.UN1718.name}" in " ".join(not_yet.blockers)

    un = proposed_un(shipping_dossier, applicant, reviewer_un)
    shipping_dossier = type(shipping_dossier).objects.get(pk=shipping_dossier.pk)
    result = clearance.cleared_to_ship(shipping_dossier, today=dt.date(2027, 1, 1))
    assert not result.cleared
    assert f"EU filing {eu.reference} waits on the UN1718 approval ({un.reference}" in " ".join(result.blockers)


def test_cleared_to_ship_says_an_unfiled_eu_authority_files_after_the_un_approval(org, applicant):
    dossier = factories.complete_dossier(org, applicant)
    dossier.required_authorities.set([Authority.objects.get(code="EU")])
    blockers = clearance.cleared_to_ship(dossier, today=dt.date(2027, 1, 1)).blockers
    assert blockers == [
        f"Not yet filed with EU (EU Member State competent authority), filed after the {procedures.UN1718.name}."
    ]


# --- the ready-to-file email: once, on the UN approval ------------------------------------------------------


def test_the_un_approval_tells_the_applicant_once_that_the_eu_filing_is_ready_to_file(
    shipping_dossier, eu, applicant, org, reviewer_un, staff_un, confirmed
):
    colleague = factories.applicant_of(org)
    un = proposed_un(shipping_dossier, applicant, reviewer_un)
    event = confirmed(un, staff_un)

    ready = [m for m in mail.outbox if m.subject.startswith("Ready to file")]
    assert sorted(m.to[0] for m in ready) == sorted([applicant.email, colleague.email])
    email = ready[0]
    assert eu.reference in email.subject and un.reference in email.subject
    assert f"/filings/{eu.reference}/" in email.body and "2017/1509" in email.body
    assert email.alternatives and un.reference in email.alternatives[0][0]

    # Re-runs: the notice task again, the sweep, the catch-up of unnotified events: nothing more.
    mail.outbox.clear()
    notifications.send_event_notices(event.pk)
    notifications.sweep()
    notifications.sweep()
    assert not [m for m in mail.outbox if m.subject.startswith("Ready to file")]
    rows = OutgoingEmail.objects.filter(family=OutgoingEmail.Family.READY_TO_FILE)
    assert rows.count() == 2 and all(r.sent_at for r in rows) and {r.filing_id for r in rows} == {eu.pk}
    # …and the database refuses a second claim of the same occasion.
    with pytest.raises(IntegrityError), transaction.atomic():
        OutgoingEmail.objects.create(
            family=OutgoingEmail.Family.READY_TO_FILE,
            filing=eu,
            event=event,
            due_at=event.created_at,
            recipient=applicant,
        )


def test_no_ready_to_file_email_without_a_waiting_eu_draft(dossier, applicant, reviewer_un, staff_un, confirmed):
    un = proposed_un(dossier, applicant, reviewer_un)
    confirmed(un, staff_un)
    assert not OutgoingEmail.objects.filter(family=OutgoingEmail.Family.READY_TO_FILE).exists()
    assert [m for m in mail.outbox if un.reference in m.subject]  # the approval's own notice still goes out


def test_a_ready_to_file_email_not_yet_sent_is_dropped_once_the_eu_filing_is_filed(
    shipping_dossier, eu, applicant, reviewer_un, staff_un
):
    un = proposed_un(shipping_dossier, applicant, reviewer_un)
    event = engine.apply(un, "confirm_approval", staff_un)
    notifications.claim_event_notices(event, timezone.now())  # claimed; the mail server is slow today
    engine.apply(eu, "submit", applicant)  # filed before the email went out
    mail.outbox.clear()
    outbox.deliver_pending(timezone.now())
    assert not [m for m in mail.outbox if m.subject.startswith("Ready to file")]
    row = OutgoingEmail.objects.get(family=OutgoingEmail.Family.READY_TO_FILE)
    assert row.delivery_state() == "dropped"


def test_an_eu_filing_already_filed_gets_no_ready_to_file_email(shipping_dossier, eu, applicant, reviewer_un, staff_un):
    un = proposed_un(shipping_dossier, applicant, reviewer_un)
    event = engine.apply(un, "confirm_approval", staff_un)
    engine.apply(eu, "submit", applicant)
    notifications.send_event_notices(event.pk)
    assert not OutgoingEmail.objects.filter(family=OutgoingEmail.Family.READY_TO_FILE).exists()


# --- UK: goods to the Export Control Joint Unit, OFSI for financial licences --------------------------------


def test_uk_ecju_exists_after_migrate_for_goods_and_ofsi_keeps_financial_licences(db):
    ecju = Authority.objects.get(code="UK-ECJU")
    assert "Export Control Joint Unit" in ecju.name and "Department for Business and Trade" in ecju.name
    assert "goods" in ecju.jurisdiction and "SPIRE" in ecju.jurisdiction
    assert (ecju.workflow_key, ecju.holiday_calendar, ecju.time_zone) == ("generic", "GB-ENG", "Europe/London")
    ofsi = Authority.objects.get(code="UK-OFSI")
    assert "financial" in ofsi.name and "financial sanctions licences only" in ofsi.jurisdiction
    assert "UK-ECJU" in ofsi.jurisdiction


def test_the_authority_picker_explains_which_uk_body_is_which(dossier, applicant):
    page = factories.web_client(applicant).get(f"/applications/{dossier.reference}/").content.decode()
    assert "UK-ECJU — UK Department for Business and Trade, Export Control Joint Unit" in page
    assert "OFSI (UK-OFSI) licenses financial activity only" in page
    assert "export licences for goods" in page


def test_an_ecju_filing_runs_the_generic_review(dossier, applicant):
    filing = factories.submitted_filing(dossier, "UK-ECJU", applicant)
    assert filing.reference.startswith("UK-ECJU-") and filing.status == "submitted"


# --- the declaration, drawn ---------------------------------------------------------------------------------


def test_the_workflow_diagram_draws_the_eu_declaration(db):
    out = StringIO()
    call_command("workflow_diagram", "EU", stdout=out)
    drawn = out.getvalue()
    assert "note left of draft : filed only once approved under un1718" in drawn
    assert "draft --> submitted : submit (applicant)" in drawn
    page = factories.web_client().get("/workflows/EU/").content.decode()
    assert 'id="files-after"' in page and procedures.UN1718.name in page and "2017/1509" in page
    described = factories.api_client(factories.user()).get("/api/v1/authorities/").json()
    rows = described["results"] if isinstance(described, dict) else described
    eu = next(a for a in rows if a["code"] == "EU")
    assert eu["workflow"]["requires_approval_from"] == ["un1718"]
