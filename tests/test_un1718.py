"""The UN 1718 Committee as IAN 7 runs it: channels and who may file directly, the forwarding body's time kept out
of the Committee's, the no-objection procedure with holds, questions relayed and objections, validity counted
from the approval (6 months, 9 with a justification, never more), and extensions as linked, expedited requests."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError

from exemptions import deadlines, engine, procedures, services
from exemptions.models import Authority, Filing, Role
from tests import factories

NEW_YORK = ZoneInfo("America/New_York")


def ny(*args):
    return dt.datetime(*args, tzinfo=NEW_YORK)


@pytest.fixture
def un():
    return Authority.objects.get(code="UN1718")


@pytest.fixture
def ngo(db):
    return factories.organization("Rural Water Initiative", kind="ngo")


@pytest.fixture
def ngo_applicant(ngo):
    return factories.applicant_of(ngo)


@pytest.fixture
def ngo_dossier(ngo, ngo_applicant):
    return factories.complete_dossier(ngo, ngo_applicant)


def circulated(filing, reviewer, at):
    engine.apply(filing, "take", reviewer, "", at)
    engine.apply(filing, "circulate", reviewer, "", at + dt.timedelta(hours=1))
    return filing


def approve_by_silence(filing, staff, **payload):
    """The period ends without objection (the system proposes), and staff confirm."""
    engine.apply(filing, "propose_approval", engine.SYSTEM, "", filing.due_at + dt.timedelta(minutes=5))
    return engine.apply(filing, "confirm_approval", staff, "", filing.due_at - dt.timedelta(hours=1), **payload)


# --- validity: counted from the approval, 6 months, up to 9 with a justification ------------------------------


def test_a_60_day_hold_leaves_a_6_month_validity_intact(dossier, applicant, reviewer_un, staff_un):
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    circulated(filing, reviewer_un, ny(2027, 1, 4, 10))
    engine.apply(filing, "place_hold", reviewer_un, "A member asked about the consignee.", ny(2027, 1, 6, 10))
    engine.apply(filing, "release_hold", reviewer_un, "", ny(2027, 3, 7, 10))  # 60 days later
    approve_by_silence(filing, staff_un)
    filing.refresh_from_db()
    approved_on = filing.events.get(action="propose_approval").created_at.astimezone(NEW_YORK).date()
    assert approved_on > dt.date(2027, 3, 7)  # the Committee approved after the hold, and validity runs from then
    assert filing.valid_from_on == approved_on
    assert filing.valid_until_on == approved_on + relativedelta(months=6)
    assert filing.validity_justification == ""


@pytest.fixture
def proposed(dossier, applicant, reviewer_un):
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    circulated(filing, reviewer_un, ny(2027, 1, 4, 10))
    engine.apply(filing, "propose_approval", engine.SYSTEM, "", filing.due_at + dt.timedelta(minutes=5))
    return filing


def test_ten_months_are_refused_by_the_engine_and_nine_need_a_justification(proposed, staff_un):
    with pytest.raises(ValidationError) as refused:
        engine.apply(proposed, "confirm_approval", staff_un, "", None, validity_months=10, validity_justification="x")
    assert "validity_months" in refused.value.message_dict
    with pytest.raises(ValidationError) as unjustified:
        engine.apply(proposed, "confirm_approval", staff_un, "", None, validity_months=9)
    assert "validity_justification" in unjustified.value.message_dict
    proposed.refresh_from_db()
    assert proposed.status == "approval_proposed" and proposed.valid_until_on is None
    engine.apply(
        proposed, "confirm_approval", staff_un, "", None,
        validity_months="9", validity_justification="Rail transport through Dandong is suspended until spring.",
    )  # fmt: skip
    assert proposed.valid_until_on == proposed.valid_from_on + relativedelta(months=9)
    assert proposed.validity_justification.startswith("Rail transport")
    assert proposed.events.last().payload["validity_months"] == 9


def test_ten_months_are_refused_on_the_web(proposed, staff_un):
    url = f"/filings/{proposed.reference}/actions/confirm_approval/"
    data = {"confirm_approval-version": proposed.version, "confirm_approval-validity_months": "10"}
    response = factories.web_client(staff_un).post(url, {**data, "confirm_approval-validity_justification": "Delays"})
    assert response.status_code == 400 and "grants from 1 to 9 months" in response.content.decode()
    response = factories.web_client(staff_un).post(url, {**data, "confirm_approval-validity_months": "9"})
    assert response.status_code == 400 and "written justification" in response.content.decode()
    proposed.refresh_from_db()
    assert proposed.status == "approval_proposed"


def test_ten_months_are_refused_by_the_admin_override(proposed, client, django_user_model):
    from django.urls import reverse

    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "pw"))
    url = reverse("admin:exemptions_filing_override", args=[proposed.pk])
    body = {"action": "confirm_approval", "reason": "Staff away", "payload": '{"validity_months": 10}'}
    response = client.post(url, body)
    assert response.status_code == 200 and "validity_months" in response.content.decode()
    assert Filing.objects.get(pk=proposed.pk).status == "approval_proposed"


def test_ten_months_are_refused_by_the_api(proposed, staff_un):
    client = factories.api_client(staff_un)
    url = f"/api/v1/filings/{proposed.reference}/actions/confirm_approval/"
    response = client.post(url, {"validity_months": 10, "validity_justification": "Delays"}, format="json")
    assert response.status_code == 400 and "validity_months" in response.json()["errors"]
    response = client.post(url, {"validity_months": 9}, format="json")
    assert response.status_code == 400 and "validity_justification" in response.json()["errors"]
    response = client.post(url, {"validity_months": 9, "validity_justification": "Port closures."}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (
        body["valid_until_on"] == (dt.date.fromisoformat(body["valid_from_on"]) + relativedelta(months=9)).isoformat()
    )


# --- the decision: completeness, objection ------------------------------------------------------------------


def test_the_secretariat_may_return_an_incomplete_request_but_not_deny(dossier, applicant, reviewer_un):
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    engine.apply(filing, "take", reviewer_un)
    assert "deny" not in {t.name for t in engine.available_actions(filing, reviewer_un)}
    engine.apply(filing, "return_incomplete", reviewer_un, "", None, reasons="The item list has no quantities.")
    assert filing.status == "returned_incomplete" and filing.decision_reasons.startswith("The item list")


def test_a_members_objection_is_recorded_by_staff_as_the_negative_outcome(dossier, applicant, reviewer_un, staff_un):
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    circulated(filing, reviewer_un, ny(2027, 1, 4, 10))
    with pytest.raises(engine.ActionNotAllowed):
        engine.apply(filing, "record_objection", reviewer_un, "", None, reasons="Objection.")
    engine.apply(filing, "record_objection", staff_un, "", None, reasons="A Committee member objected to the pumps.")
    assert filing.status == "objected" and filing.state.terminal
    transition = filing.procedure.transition("record_objection", "no_objection_period")
    assert "does not name" in transition.payload[0].help_text  # what staff are told when they write the reasons


# --- holds: a reminder after N working days, questions relayed with the clock stopped ---------------------


def test_a_hold_reminds_staff_after_the_authoritys_working_days_and_relays_questions_with_the_clock_stopped(
    dossier, applicant, reviewer_un, staff_un, un
):
    un.hold_reminder_working_days = 3
    un.save()
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    circulated(filing, reviewer_un, ny(2026, 12, 1, 9))
    period_end = filing.due_at
    hold_start = ny(2026, 12, 3, 10)
    engine.apply(filing, "place_hold", reviewer_un, "A member placed a hold.", hold_start)
    assert filing.clock_stopped_at == hold_start and filing.paused_due_at == period_end
    assert filing.due_at == ny(2026, 12, 8, 23, 59, 59)  # 3 working days after Thursday 3 December
    engine.apply(filing, "relay_member_questions", staff_un, "Who stores the pumps?", ny(2026, 12, 9, 10))
    assert filing.state.waits_on_applicant and filing.clock_stopped_at == hold_start
    engine.apply(filing, "answer_member_questions", applicant, "The county water office.", ny(2026, 12, 10, 10))
    engine.apply(filing, "pass_answer_to_member", staff_un, "Sent to the delegation.", ny(2026, 12, 10, 11))
    assert filing.status == "on_hold" and filing.clock_stopped_at == hold_start and filing.paused_due_at == period_end
    assert list(filing.messages.values_list("kind", flat=True)) == ["information_request", "response"]
    engine.apply(filing, "release_hold", reviewer_un, "", ny(2026, 12, 14, 10))
    # The period gets back the three working days it had left (4, 7 and 8 December), from the day it resumes.
    assert filing.due_at == ny(2026, 12, 17, 23, 59, 59)
    assert filing.applicant_wait_seconds == 86400  # the day the questions were with the applicant, not the hold


def test_the_reminder_sweep_tells_staff_of_a_hold_that_lasts(dossier, applicant, reviewer_un, staff_un):
    from exemptions import notifications
    from exemptions.models import OutgoingEmail

    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    circulated(filing, reviewer_un, ny(2026, 12, 1, 9))
    engine.apply(filing, "place_hold", reviewer_un, "A member placed a hold.", ny(2026, 12, 2, 10))
    reminders = OutgoingEmail.objects.filter(family=OutgoingEmail.Family.REMINDER, filing=filing, deadline_kind="hold")
    notifications.sweep(filing.due_at - dt.timedelta(hours=1))
    assert not reminders.exists()
    notifications.sweep(filing.due_at + dt.timedelta(minutes=1))
    assert list(reminders.values_list("recipient", flat=True)) == [staff_un.pk]
    assert filing.events.count() == Filing.objects.get(pk=filing.pk).events.count()  # the hold stays, no transition
    assert Filing.objects.get(pk=filing.pk).status == "on_hold"


# --- channels -----------------------------------------------------------------------------------------------


def test_an_ngo_without_two_recent_approvals_cannot_choose_direct_unless_urgent(ngo_dossier, ngo_applicant, un):
    direct = {"submission_channel": Filing.Channel.DIRECT}
    with pytest.raises(ValidationError) as refused:
        services.create_filing(ngo_dossier, un, ngo_applicant, channel=direct)
    assert "may not file directly" in refused.value.message_dict["submission_channel"][0]
    with pytest.raises(ValidationError) as no_reason:
        services.create_filing(ngo_dossier, un, ngo_applicant, channel={**direct, "urgent": True})
    assert "urgent_reason" in no_reason.value.message_dict
    urgent = services.create_filing(
        ngo_dossier, un, ngo_applicant, channel={**direct, "urgent": True, "urgent_reason": "Cholera outbreak."}
    )
    assert urgent.is_expedited and not urgent.is_forwarded


def test_a_draft_left_on_direct_is_refused_when_filed(ngo_dossier, ngo_applicant):
    filing = factories.filing(ngo_dossier, "UN1718", ngo_applicant)
    with pytest.raises(ValidationError) as refused:
        engine.apply(filing, "submit", ngo_applicant)
    assert "submission_channel" in refused.value.message_dict
    assert Filing.objects.get(pk=filing.pk).status == "draft"


def test_two_approvals_in_the_last_18_months_let_an_ngo_file_directly(ngo, ngo_applicant, ngo_dossier, un):
    def approval(decided_months_ago):
        dossier = factories.complete_dossier(ngo, ngo_applicant, title=f"Earlier {decided_months_ago}")
        filing = factories.submitted_filing(dossier, "OFAC", ngo_applicant)  # another authority: does not count
        old = services.create_filing(dossier, un, ngo_applicant, channel={"submission_channel": "committee_secretary"})
        Filing.objects.filter(pk=old.pk).update(
            valid_from_on=dt.date(2025, 1, 1),
            decided_at=dt.datetime.now(dt.UTC) - relativedelta(months=decided_months_ago),
        )
        return filing

    approval(3)
    approval(30)  # too old
    direct = {"submission_channel": Filing.Channel.DIRECT}
    with pytest.raises(ValidationError):
        services.create_filing(ngo_dossier, un, ngo_applicant, channel=direct)
    approval(12)
    assert services.create_filing(ngo_dossier, un, ngo_applicant, channel=direct).submission_channel == "direct"


def test_a_member_state_channel_names_the_member_state(ngo_dossier, ngo_applicant, un):
    with pytest.raises(ValidationError) as refused:
        services.create_filing(ngo_dossier, un, ngo_applicant, channel={"submission_channel": "member_state"})
    assert "channel_detail" in refused.value.message_dict


def test_other_authorities_take_requests_directly_only(ngo_dossier, ngo_applicant):
    ofac = Authority.objects.get(code="OFAC")
    filing = services.create_filing(
        ngo_dossier, ofac, ngo_applicant, channel={"submission_channel": "member_state", "legal_basis": "notification"}
    )
    assert (filing.submission_channel, filing.legal_basis) == ("direct", "notification")


def test_a_member_states_forwarding_time_is_excluded_from_committee_time(
    ngo_dossier, ngo_applicant, reviewer_un, staff_un, un
):
    channel = {"submission_channel": "member_state", "channel_detail": "Switzerland"}
    filing = services.create_filing(ngo_dossier, un, ngo_applicant, channel=channel)
    submitted = ny(2027, 1, 4, 10)
    engine.apply(filing, "submit", ngo_applicant, "", submitted)
    assert filing.status == "with_forwarder" and filing.due_at is None and filing.state.counts_against_sla is False
    with pytest.raises(ValidationError):  # a transmission cannot precede the filing
        engine.apply(filing, "record_transmission", staff_un, "", submitted, transmitted_on="2027-01-03")
    engine.apply(filing, "record_transmission", staff_un, "", ny(2027, 2, 1, 15), transmitted_on="2027-02-01")
    assert filing.forwarded_at == ny(2027, 2, 1, 0, 0)
    assert filing.forwarding_time == ny(2027, 2, 1) - submitted
    # The Committee's clock starts at the transmission: 10 working days from Monday 1 February 2027.
    assert filing.due_at == deadlines.working_deadline(
        ny(2027, 2, 1), un.review_sla_working_days, un.holiday_calendar, un.time_zone
    )
    circulated(filing, reviewer_un, ny(2027, 2, 3, 10))
    approve_by_silence(filing, staff_un)
    filing.refresh_from_db()
    assert filing.authority_time == filing.decided_at - ny(2027, 2, 1)
    assert filing.authority_time < filing.decided_at - filing.submitted_at - dt.timedelta(days=27)


# --- extensions: new, linked requests on the expedited track ----------------------------------------------


def test_an_extension_runs_on_the_expedited_period_and_links_to_its_approval(
    dossier, applicant, reviewer_un, staff_un, un
):
    approval = factories.submitted_filing(dossier, "UN1718", applicant)
    circulated(approval, reviewer_un, ny(2027, 1, 4, 10))
    approve_by_silence(approval, staff_un)
    extension = services.request_linked(approval, applicant, Filing.Link.EXTENSION, "Three more months: rail delays.")
    assert (extension.follows, extension.link, extension.is_expedited) == (approval, "extension", True)
    assert extension.submission_channel == approval.submission_channel  # prefilled from the approval
    assert list(approval.followed_by.all()) == [extension]
    engine.apply(extension, "submit", applicant)
    circulated_at = ny(2027, 3, 1, 10)
    circulated(extension, reviewer_un, circulated_at - dt.timedelta(hours=1))
    expedited = deadlines.working_deadline(
        circulated_at, un.expedited_no_objection_working_days, un.holiday_calendar, un.time_zone
    )
    standard = deadlines.working_deadline(
        circulated_at, un.no_objection_working_days, un.holiday_calendar, un.time_zone
    )
    assert extension.due_at == expedited < standard
    # The standard request's period, for comparison, runs the full five working days.
    assert approval.events.filter(action="circulate").exists()


def test_an_extension_must_follow_an_approval_and_say_what_it_asks(dossier, applicant):
    pending = factories.submitted_filing(dossier, "UN1718", applicant)
    with pytest.raises(ValidationError) as refused:
        services.request_linked(pending, applicant, Filing.Link.EXTENSION, "More time.")
    assert "follows" in refused.value.message_dict


def test_an_approval_may_be_extended_with_another_authoritys_request_pending(dossier, applicant, reviewer_un, staff_un):
    approval = factories.submitted_filing(dossier, "UN1718", applicant)
    circulated(approval, reviewer_un, ny(2027, 1, 4, 10))
    approve_by_silence(approval, staff_un)
    first = services.request_linked(approval, applicant, Filing.Link.AMENDMENT, "Add a second consignee.")
    with pytest.raises(ValidationError):  # one pending request per authority, linked or not
        services.request_linked(approval, applicant, Filing.Link.EXTENSION, "More time.")
    assert first.is_expedited


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.STAFF])
def test_authority_members_may_record_the_transmission(role, ngo_dossier, ngo_applicant, un):
    filing = services.create_filing(
        ngo_dossier, un, ngo_applicant, channel={"submission_channel": "resident_coordinator"}
    )
    engine.apply(filing, "submit", ngo_applicant)
    member = factories.authority_member("UN1718", role)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=1)):
        today = dt.datetime.now(NEW_YORK).date()
        engine.apply(filing, "record_transmission", member, "", None, transmitted_on=today.isoformat())
    assert filing.status == "submitted" and filing.forwarded_at is not None


# --- the faces: web and API choose the channel; extensions shown on both filings --------------------------


def test_the_web_file_form_chooses_the_channel_and_refuses_direct_for_an_ngo(ngo_dossier, ngo_applicant, un):
    client = factories.web_client(ngo_applicant)
    url = f"/applications/{ngo_dossier.reference}/file/"
    page = client.get(url, {"authorities": [un.pk]})  # the check of the answers, where the filer files
    assert 'name="submission_channel"' in page.content.decode() and 'name="legal_basis"' in page.content.decode()
    refused = client.post(
        url, {"authorities": [un.pk], "submission_channel": "direct", "legal_basis": "specific_request"}
    )
    assert refused.status_code == 400 and "may not file directly" in refused.content.decode()
    assert not ngo_dossier.filings.exists()
    filed = client.post(
        url,
        {
            "authorities": [un.pk],
            "submission_channel": "member_state",
            "channel_detail": "Norway",
            "legal_basis": "specific_request",
        },
    )
    assert filed.status_code == 302
    filing = ngo_dossier.filings.get()
    assert (filing.status, filing.channel_detail) == ("with_forwarder", "Norway")
    page = client.get(f"/filings/{filing.reference}/").content.decode()
    assert "Via a Member State (Norway)" in page


def test_the_api_chooses_the_channel_and_refuses_direct_for_an_ngo(ngo_dossier, ngo_applicant):
    client = factories.api_client(ngo_applicant)
    url = f"/api/v1/applications/{ngo_dossier.reference}/filings/"
    refused = client.post(url, {"authority": "UN1718", "submission_channel": "direct"}, format="json")
    assert refused.status_code == 400 and "submission_channel" in refused.json()["errors"]
    created = client.post(
        url,
        {"authority": "UN1718", "submission_channel": "direct", "urgent": True, "urgent_reason": "Flood response."},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["submission_channel"], body["urgent"], body["expedited"]) == ("direct", True, True)
    unknown = client.post(url, {"authority": "UN1718", "submission_channel": "carrier pigeon"}, format="json")
    assert unknown.status_code == 400


def approved(dossier, applicant, reviewer, staff):
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    circulated(filing, reviewer, ny(2027, 1, 4, 10))
    approve_by_silence(filing, staff)
    return filing


def test_an_extension_is_prepared_on_the_web_and_shown_on_both_filings(dossier, applicant, reviewer_un, staff_un):
    approval = approved(dossier, applicant, reviewer_un, staff_un)
    client = factories.web_client(applicant)
    assert "Extend or amend this approval" in client.get(f"/filings/{approval.reference}/").content.decode()
    missing = client.post(f"/filings/{approval.reference}/follow/", {"link": "extension", "linked_request": ""})
    assert missing.status_code == 400
    response = client.post(
        f"/filings/{approval.reference}/follow/", {"link": "extension", "linked_request": "Three more months."}
    )
    extension = approval.followed_by.get()
    assert response.status_code == 302 and response["Location"] == f"/filings/{extension.reference}/"
    on_extension = client.get(f"/filings/{extension.reference}/").content.decode()
    assert approval.reference in on_extension and "Extension of an approval" in on_extension
    assert extension.reference in client.get(f"/filings/{approval.reference}/").content.decode()
    reviewer_page = factories.web_client(reviewer_un).post(
        f"/filings/{approval.reference}/follow/", {"link": "extension", "linked_request": "x"}
    )
    assert reviewer_page.status_code == 403


def test_an_extension_is_requested_through_the_api_and_linked_both_ways(dossier, applicant, reviewer_un, staff_un):
    approval = approved(dossier, applicant, reviewer_un, staff_un)
    client = factories.api_client(applicant)
    url = f"/api/v1/applications/{dossier.reference}/filings/"
    body = {"authority": "UN1718", "follows": approval.reference, "link": "extension", "linked_request": "More time."}
    created = client.post(url, body, format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["follows"], created.json()["link"], created.json()["expedited"]) == (
        approval.reference,
        "extension",
        True,
    )
    earlier = client.get(f"/api/v1/filings/{approval.reference}/").json()
    assert earlier["followed_by"] == [created.json()["reference"]]
    wrong = client.post(url, {**body, "follows": "UN1718-2020-999999"}, format="json")
    assert wrong.status_code == 400 and "follows" in wrong.json()["errors"]


def test_the_workflow_page_and_command_draw_the_new_procedure(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("workflow_diagram", "UN1718", stdout=out)
    drawn = out.getvalue()
    for edge in (
        "draft --> with_forwarder : submit (applicant, if filed_through_forwarder)",
        "with_forwarder --> submitted : record_transmission",
        "no_objection_period --> objected : record_objection (staff)",
        "on_hold --> hold_questions : relay_member_questions",
    ):
        assert edge in drawn
    page = factories.web_client().get("/workflows/UN1718/").content.decode()
    assert "with_forwarder --&gt; submitted" in page  # the Mermaid source
    # The graph itself: a box per state, an arrow per pair of states with the actions between them.
    assert page.count('<rect x="') == len(procedures.UN1718.states)
    assert "<title>With the Member State / RC → Submitted — unassigned: Record the transmission to the" in page
    assert "when sent through a Member State" in page and "expedited requests: 2 working days" in page


# --- items: services and specifications in every face ---------------------------------------------------


SERVICE = dict(
    kind="service",
    description="Installation and training for solar refrigerators",
    provider="Nordic Cold Chain Services AB",
    quantity=1,
    unit="mission",
    unit_value=8500,
    currency="EUR",
    category="medical",
    specification="Two technicians, ten days, training of 12 county staff",
    dual_use_note="No controlled technology is transferred; manuals only.",
)


def test_a_service_has_a_provider_and_no_hs_code(org, applicant):
    with pytest.raises(ValidationError) as no_provider:
        factories.complete_dossier(org, applicant, items=[{**SERVICE, "provider": ""}])
    assert "provider" in no_provider.value.message_dict
    with pytest.raises(ValidationError) as with_code:
        factories.complete_dossier(org, applicant, items=[{**SERVICE, "hs_code": "841850"}])
    assert "hs_code" in with_code.value.message_dict
    goods = {**SERVICE, "kind": "goods", "provider": ""}
    with pytest.raises(ValidationError) as no_code:
        factories.complete_dossier(org, applicant, items=[goods])
    assert "hs_code" in no_code.value.message_dict
    dossier = factories.complete_dossier(org, applicant, items=[SERVICE])
    assert dossier.items.get().hs_code == ""


def test_specification_and_dual_use_note_reach_every_face(org, applicant, reviewer_un):
    dossier = factories.complete_dossier(org, applicant, items=[SERVICE])
    editor = factories.web_client(applicant).get(f"/applications/{dossier.reference}/edit/items/").content.decode()
    for name in ("kind", "provider", "specification", "dual_use_note"):
        assert f'name="items-0-{name}"' in editor
    api_items = factories.api_client(applicant).get(f"/api/v1/applications/{dossier.reference}/").json()["items"]
    assert api_items[0]["specification"] == SERVICE["specification"]
    assert api_items[0]["dual_use_note"] == SERVICE["dual_use_note"] and api_items[0]["provider"] == SERVICE["provider"]
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    assert filing.snapshot["items"][0]["dual_use_note"] == SERVICE["dual_use_note"]
    assert filing.snapshot["items"][0]["kind"] == "service"
    page = factories.web_client(reviewer_un).get(f"/filings/{filing.reference}/").content.decode()
    assert SERVICE["specification"] in page and SERVICE["dual_use_note"] in page and SERVICE["provider"] in page


def test_each_workflow_requires_its_own_dossier_elements(org, applicant):
    dossier = factories.complete_dossier(org, applicant, beneficiaries={}, selection_criteria="")
    dossier.required_authorities.set(Authority.objects.filter(code="OFAC"))
    assert dossier.missing_elements() == []  # OFAC's licence application names no beneficiaries
    ofac = factories.submitted_filing(dossier, "OFAC", applicant)
    assert ofac.status == "submitted"
    dossier.required_authorities.add(Authority.objects.get(code="UN1718"))
    assert len(dossier.missing_elements()) == 2  # IAN 7 asks for them
    un = factories.filing(dossier, "UN1718", applicant)
    with pytest.raises(ValidationError) as refused:
        engine.apply(un, "submit", applicant)
    assert "beneficiaries" in str(refused.value.message_dict["application"]).lower()
