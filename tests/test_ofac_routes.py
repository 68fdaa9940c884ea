"""OFAC's two routes: the general licence notification to the State Department (at least 30 days before the
shipment, a 14-day objection window, cleared by silence or objected), and the specific licence whose case number,
quoted while it is pending, stays apart from the licence number issued with it."""

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from exemptions import engine, notifications, procedures, services
from exemptions.analytics.cases import outcome_label
from exemptions.clearance import cleared_to_ship
from exemptions.models import Application, Authority, Filing, OutgoingEmail
from tests import factories

NEW_YORK = ZoneInfo("America/New_York")
UN_APPROVED = {"un_basis": "un_approval", "un_basis_detail": "Committee letter SCA/2/27(04) of 2 January 2027."}


def ny(*args):
    return dt.datetime(*args, tzinfo=NEW_YORK)


@pytest.fixture
def ofac():
    return Authority.objects.get(code="OFAC")


@pytest.fixture
def notification(dossier, applicant, ofac):
    """A general licence notification sent on 4 January 2027 for a shipment from 1 March 2027."""
    filing = services.create_filing(dossier, ofac, applicant, route=procedures.OFAC_GL.key)
    with time_machine.travel(ny(2027, 1, 4, 10), tick=False):
        engine.apply(filing, "submit", applicant, "", None, **UN_APPROVED)
    filing.refresh_from_db()
    return filing


@pytest.fixture
def shipping_in_60_days(org, applicant):
    """A dossier whose shipment starts 60 days from now: the faces notify it today, without travelling in time."""
    today = timezone.localdate()
    return factories.complete_dossier(
        org, applicant, ship_from_on=today + dt.timedelta(days=60), ship_until_on=today + dt.timedelta(days=150)
    )


def clearance(application, today):
    fresh = Application.objects.prefetch_related("filings__authority", "required_authorities").get(pk=application.pk)
    return cleared_to_ship(fresh, today)


# --- the notification: a window that closes by silence -------------------------------------------------------


def test_the_sweep_clears_a_notification_on_day_15_with_no_action(notification):
    assert notification.status == "notified"
    with time_machine.travel(ny(2027, 1, 18, 12), tick=False):  # day 14: State may still object
        notifications.sweep()
    notification.refresh_from_db()
    assert notification.status == "notified"
    with time_machine.travel(ny(2027, 1, 19, 9), tick=False):  # day 15: the window has closed
        notifications.sweep()
    notification.refresh_from_db()
    assert notification.status == "notification_cleared"
    last = notification.events.order_by("-sequence").first()
    assert (last.action, last.actor_label) == ("clear", engine.SYSTEM)
    assert notification.valid_from_on == dt.date(2027, 1, 19)
    assert notification.valid_until_on == notification.application.ship_until_on


def test_staff_are_reminded_before_the_window_closes_and_the_applicant_is_told_it_cleared(notification, staff_ofac):
    with time_machine.travel(ny(2027, 1, 17, 9), tick=False):  # within two days of the window closing
        notifications.sweep()
    reminded = OutgoingEmail.objects.filter(family=OutgoingEmail.Family.REMINDER, deadline_kind="objection_window")
    assert {r.recipient for r in reminded} == {staff_ofac}
    mail.outbox.clear()
    with time_machine.travel(ny(2027, 1, 19, 9), tick=False):
        notifications.sweep()
    told = [m for m in mail.outbox if notification.reference in m.subject]
    assert told and all(notification.application.created_by.email in m.to for m in told)


def test_the_cleared_activity_ends_with_its_shipment_window(notification):
    with time_machine.travel(ny(2027, 1, 19, 9), tick=False):
        notifications.sweep()
    with time_machine.travel(ny(2027, 7, 1, 9), tick=False):  # the day after ship_until_on
        notifications.sweep()
    notification.refresh_from_db()
    assert notification.status == "activity_ended"
    assert not clearance(notification.application, dt.date(2027, 7, 1)).cleared


def test_the_objection_window_is_the_authoritys_setting(dossier, applicant, ofac):
    Authority.objects.filter(pk=ofac.pk).update(objection_window_days=20)
    filing = services.create_filing(dossier, Authority.objects.get(pk=ofac.pk), applicant, route="ofac_gl")
    engine.apply(filing, "submit", applicant, "", ny(2027, 1, 4, 10), **UN_APPROVED)
    assert filing.due_at.astimezone(NEW_YORK).date() == dt.date(2027, 1, 24)


def test_the_notification_is_announced_to_the_staff_who_may_record_an_objection_not_to_reviewers(
    dossier, applicant, ofac, staff_ofac, reviewer_ofac, django_capture_on_commit_callbacks, eager_celery
):
    filing = services.create_filing(dossier, ofac, applicant, route=procedures.OFAC_GL.key)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        engine.apply(filing, "submit", applicant, "", ny(2027, 1, 4, 10), **UN_APPROVED)
    told = [m for m in mail.outbox if filing.reference in m.subject]
    assert [m.to for m in told] == [[staff_ofac.email]]
    assert "Record any objection from the State Department" in told[0].body


def test_a_notification_is_objected_when_state_objects(notification, staff_ofac, reviewer_ofac):
    with pytest.raises(engine.ActionNotAllowed):
        engine.apply(notification, "record_objection", reviewer_ofac, "", ny(2027, 1, 10, 9), reasons="No.")
    engine.apply(
        notification, "record_objection", staff_ofac, "", ny(2027, 1, 10, 9), reasons="End-use concerns in Nampo."
    )
    notification.refresh_from_db()
    assert notification.status == "notification_objected"
    assert notification.decision_reasons == "End-use concerns in Nampo."
    with time_machine.travel(ny(2027, 1, 20, 9), tick=False):
        notifications.sweep()
    notification.refresh_from_db()
    assert notification.status == "notification_objected"  # the sweep does not clear what State objected to


def test_a_state_objection_is_not_labelled_as_a_committee_objection(notification, staff_ofac):
    engine.apply(notification, "record_objection", staff_ofac, "", ny(2027, 1, 10, 9), reasons="End-use concerns.")
    notification.refresh_from_db()
    assert outcome_label(notification.status) == "Objected by the State Department"
    assert outcome_label(notification.status) != outcome_label("objected")


@pytest.mark.parametrize(
    ("notified_on", "allowed"),
    [(dt.date(2027, 1, 30), True), (dt.date(2027, 1, 31), False), (dt.date(2027, 2, 20), False)],
)
def test_a_notification_less_than_30_days_before_shipping_is_refused(dossier, applicant, ofac, notified_on, allowed):
    filing = services.create_filing(dossier, ofac, applicant, route="ofac_gl")
    at = ny(notified_on.year, notified_on.month, notified_on.day, 10)
    if allowed:
        engine.apply(filing, "submit", applicant, "", at, **UN_APPROVED)
        assert filing.status == "notified"
        return
    with pytest.raises(ValidationError) as refused:
        engine.apply(filing, "submit", applicant, "", at, **UN_APPROVED)
    assert "at least 30 days" in " ".join(refused.value.message_dict["ship_from_on"])
    filing.refresh_from_db()
    assert (filing.status, filing.events.count()) == ("draft", 0)


def test_a_notification_carries_its_un_basis_as_one_of_three_cases(dossier, applicant, ofac):
    filing = services.create_filing(dossier, ofac, applicant, route="ofac_gl")
    with pytest.raises(ValidationError) as refused:
        engine.apply(filing, "submit", applicant, "", ny(2027, 1, 4, 10), un_basis="maybe", un_basis_detail="x")
    assert "un_basis" in refused.value.message_dict
    event = engine.apply(
        filing, "submit", applicant, "", ny(2027, 1, 4, 10), un_basis="not_needed", un_basis_detail="Food only."
    )
    assert event.payload == {"un_basis": "not_needed", "un_basis_detail": "Food only."}


# --- cleared-to-ship ----------------------------------------------------------------------------------------------


def test_a_notification_counts_for_cleared_to_ship_once_cleared_and_not_before(notification):
    application = notification.application
    waiting = clearance(application, dt.date(2027, 1, 10))
    assert not waiting.cleared and any("OFAC" in b for b in waiting.blockers)
    with time_machine.travel(ny(2027, 1, 19, 9), tick=False):
        notifications.sweep()
    assert clearance(application, dt.date(2027, 1, 20)).cleared


def test_the_blocker_names_the_state_department_with_its_capitals(notification):
    (blocker,) = clearance(notification.application, dt.date(2027, 1, 10)).blockers
    assert "(notified — the State Department may object until the window closes)" in blocker


def test_an_objected_notification_does_not_clear_the_shipment(notification, staff_ofac):
    engine.apply(notification, "record_objection", staff_ofac, "", ny(2027, 1, 10, 9), reasons="End-use concerns.")
    assert not clearance(notification.application, dt.date(2027, 1, 20)).cleared


def test_a_pending_notification_blocks_a_specific_licence_request_beside_it(notification, applicant, ofac):
    with pytest.raises(ValidationError, match="pending filing with OFAC"):
        services.create_filing(notification.application, ofac, applicant)


# --- choosing the route: API and web --------------------------------------------------------------------------------


def test_the_api_creates_an_ofac_filing_on_the_route_chosen(shipping_in_60_days, applicant):
    client = factories.api_client(applicant)
    url = f"/api/v1/applications/{shipping_in_60_days.reference}/filings/"
    wrong = client.post(url, {"authority": "UN1718", "route": "ofac_gl"}, format="json")
    assert wrong.status_code == 400 and "route" in wrong.json()["errors"]
    created = client.post(url, {"authority": "OFAC", "route": "ofac_gl"}, format="json")
    assert created.status_code == 201 and created.json()["route"] == "ofac_gl"
    submit = {"un_basis": "un_request_pending", "un_basis_detail": "Filed with the Committee on 2 January."}
    action = f"/api/v1/filings/{created.json()['reference']}/actions/submit/"
    bad = client.post(action, {**submit, "un_basis": "perhaps"}, format="json")
    assert bad.status_code == 400 and "un_basis" in bad.json()["errors"]
    done = client.post(action, submit, format="json")
    assert done.status_code == 200 and done.json()["status"] == "notified"


def test_the_api_lists_the_routes_of_each_authority(applicant):
    listed = factories.api_client(applicant).get("/api/v1/authorities/").json()
    authorities = {a["code"]: a for a in listed["results"]}
    assert [r["key"] for r in authorities["OFAC"]["routes"]] == ["ofac", "ofac_gl"]
    assert [r["key"] for r in authorities["UN1718"]["routes"]] == ["un1718"]
    assert authorities["OFAC"]["objection_window_days"] == 14


def test_the_web_file_form_notifies_ofac_under_the_general_licence(shipping_in_60_days, applicant, ofac):
    dossier = shipping_in_60_days
    client = factories.web_client(applicant)
    url = f"/applications/{dossier.reference}/file/"
    page = client.get(url, {"authorities": [ofac.pk]}).content.decode()
    assert 'name="route"' in page and 'name="un_basis"' in page
    missing = client.post(url, {"authorities": [ofac.pk], "route": "ofac_gl"})
    assert missing.status_code == 400 and not dossier.filings.exists()
    filed = client.post(url, {"authorities": [ofac.pk], "route": "ofac_gl", **UN_APPROVED})
    assert filed.status_code == 302
    filing = dossier.filings.get()
    assert (filing.route, filing.status) == ("ofac_gl", "notified")
    assert filing.get_legal_basis_display() == "Notification"  # not the form's default, a specific request


def test_the_case_page_shows_the_un_basis_in_words_and_staff_may_record_an_objection(
    notification, applicant, staff_ofac
):
    page = factories.web_client(applicant).get(f"/filings/{notification.reference}/").content.decode()
    assert "The UN 1718 Committee approved it" in page and "SCA/2/27(04)" in page
    staff = factories.web_client(staff_ofac).get(f"/filings/{notification.reference}/").content.decode()
    assert "Record the State Department&#x27;s objection" in staff or "Record the State Department's objection" in staff


def test_a_draft_notification_page_asks_for_the_un_basis_as_a_choice(dossier, applicant, ofac):
    draft = services.create_filing(dossier, ofac, applicant, route="ofac_gl")
    page = factories.web_client(applicant).get(f"/filings/{draft.reference}/").content.decode()
    assert 'type="radio" name="submit-un_basis" value="un_request_pending"' in page
    assert "Notify the State Department" in page


# --- the specific licence: case number apart from the licence number -------------------------------------------


@pytest.fixture
def licensed(dossier, applicant, reviewer_ofac):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    engine.apply(filing, "record_case_number", reviewer_ofac, "", None, case_number="SAN-2027-01234")
    filing.refresh_from_db()
    return filing


def test_the_case_number_is_recorded_while_pending_and_the_licence_number_on_approval(licensed, reviewer_ofac):
    assert (licensed.route, licensed.case_number, licensed.authority_reference) == ("ofac", "SAN-2027-01234", "")
    engine.apply(
        licensed,
        "approve",
        reviewer_ofac,
        "",
        None,
        valid_from_on="2027-02-01",
        valid_until_on="2027-07-31",
        authority_reference="DPRK-EO-2027-55",
    )
    licensed.refresh_from_db()
    assert (licensed.case_number, licensed.authority_reference) == ("SAN-2027-01234", "DPRK-EO-2027-55")


def test_the_applicant_reads_case_and_licence_numbers_apart_in_web_and_api(licensed, applicant, reviewer_ofac):
    engine.apply(licensed, "approve", reviewer_ofac, "", None, valid_from_on="2027-02-01",
                 valid_until_on="2027-07-31", authority_reference="DPRK-EO-2027-55")  # fmt: skip
    body = factories.api_client(applicant).get(f"/api/v1/filings/{licensed.reference}/").json()
    assert (body["case_number"], body["authority_reference"]) == ("SAN-2027-01234", "DPRK-EO-2027-55")
    listed = factories.api_client(applicant).get("/api/v1/filings/").json()["results"]
    assert [(r["case_number"], r["authority_reference"]) for r in listed] == [("SAN-2027-01234", "DPRK-EO-2027-55")]
    page = factories.web_client(applicant).get(f"/filings/{licensed.reference}/").content.decode()
    assert "Case number" in page and "SAN-2027-01234" in page
    assert "Licence number" in page and "DPRK-EO-2027-55" in page


def test_an_applicant_may_not_record_the_case_number(dossier, applicant):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    response = factories.api_client(applicant).post(
        f"/api/v1/filings/{filing.reference}/actions/record_case_number/", {"case_number": "X-1"}, format="json"
    )
    assert response.status_code == 403
    assert Filing.objects.get(pk=filing.pk).case_number == ""


# --- drawn from the declaration ------------------------------------------------------------------------------------


def test_workflow_diagram_draws_the_general_licence_route(db):
    out = io.StringIO()
    call_command("workflow_diagram", "OFAC", "--route", "ofac_gl", stdout=out)
    drawn = out.getvalue()
    assert "notified --> notification_cleared : clear (system)" in drawn
    assert "notified --> notification_objected : record_objection (staff)" in drawn
    everything = io.StringIO()
    call_command("workflow_diagram", "OFAC", "--route", "all", stdout=everything)
    assert "interagency_consultation" in everything.getvalue() and "notification_cleared" in everything.getvalue()


def test_the_workflows_page_shows_the_general_licence_as_a_graph(db, client):
    listing = client.get("/workflows/").content.decode()
    assert "/workflows/OFAC/ofac_gl/" in listing
    page = client.get("/workflows/OFAC/ofac_gl/").content.decode()
    assert "<svg" in page and "OFAC general licence notification" in page and "Cleared — no objection" in page
    assert client.get("/workflows/UN1718/ofac_gl/").status_code == 404


def test_a_cleared_notifications_page_offers_no_extension_and_no_empty_expiry(notification, applicant):
    with time_machine.travel(ny(2027, 1, 19, 9), tick=False):
        notifications.sweep()
        page = factories.web_client(applicant).get(f"/filings/{notification.reference}/")
    html = page.content.decode()
    assert page.status_code == 200 and "Cleared" in html
    # A new activity is a new notification: no linked extension, and no "Approval expires —" with no date.
    assert "Extend or amend this approval" not in html and 'id="deadline"' not in html


def check_page(dossier, applicant) -> str:
    """The check-your-answers page with OFAC chosen, where the notification's fields are asked."""
    ofac = Authority.objects.get(code="OFAC")
    page = factories.web_client(applicant).get(f"/applications/{dossier.reference}/file/", {"authorities": ofac.pk})
    assert page.status_code == 200
    return page.content.decode()


def test_the_notification_form_starts_from_the_dossiers_un_approval(dossier, applicant):
    approval = factories.approved_filing(dossier, "UN1718", applicant, dt.date(2027, 1, 2), dt.date(2027, 7, 1))
    html = check_page(dossier, applicant)
    assert re.search(r'name="un_basis" value="un_approval"[^>]*checked', html)
    assert f"{approval.reference}, approved, valid until 01 Jul 2027." in html


def test_without_a_un_filing_the_notification_form_leaves_the_un_basis_to_the_applicant(dossier, applicant):
    html = check_page(dossier, applicant)
    assert 'name="un_basis"' in html and not re.search(r'name="un_basis" value="\w+"[^>]*checked', html)
