"""BIS as 15 CFR 750.4 and 748.6 describe it (issue 18): a registration number of one letter and six digits, the
90-calendar-day clock from registration, no decision before registration, return without action, and an approval
in part whose quantities cap the shipments and are stated in the decision email."""

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from exemptions import demo, demo_bis, engine, notifications, procedures, shipping
from exemptions.models import ApprovedQuantity, Filing, Organization, Role, Shipment
from tests import factories

NY = ZoneInfo("America/New_York")
TODAY = timezone.localdate()
ITEMS = [
    dict(description="Solar vaccine refrigerator", hs_code="841850", quantity=Decimal("50"), unit="units",
         unit_value=Decimal("5200"), currency="USD", category="medical"),
    dict(description="Diesel generator 10 kVA", hs_code="850211", quantity=Decimal("8"), unit="units",
         unit_value=Decimal("7400"), currency="USD", category="other"),
]  # fmt: skip


@pytest.fixture
def reviewer_bis(db):
    return factories.member_of("BIS", Role.REVIEWER)


@pytest.fixture
def equipment(org, applicant):
    return factories.complete_dossier(org, applicant, items=ITEMS)


def registered(dossier, applicant, reviewer, at=None, number="Z123456"):
    filing = factories.submitted_filing(dossier, "BIS", applicant)
    engine.apply(filing, "register_application", reviewer, "", at, registration_number=number)
    return filing


def items_of(dossier):
    fridge, generator = dossier.items.order_by("id")
    return fridge, generator


def approve_in_part(filing, reviewer, quantities, **extra):
    engine.apply(
        filing,
        "approve_in_part",
        reviewer,
        "",
        None,
        valid_from_on=TODAY,
        valid_until_on=TODAY + dt.timedelta(days=365),
        item_quantities=quantities,
        **extra,
    )


# --- registration ------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["Z12345", "Z1234567", "ZZ12345", "1234567", "z123456", "Z 123456", "Z12345A"])
def test_a_registration_number_other_than_one_letter_and_six_digits_is_refused(
    dossier, applicant, reviewer_bis, number
):
    filing = factories.submitted_filing(dossier, "BIS", applicant)
    with pytest.raises(ValidationError) as refused:
        engine.apply(filing, "register_application", reviewer_bis, "", None, registration_number=number)
    (message,) = refused.value.message_dict["registration_number"]
    assert "one capital letter and six digits, e.g. Z123456" in message
    filing.refresh_from_db()
    assert (filing.status, filing.registration_number, filing.due_at) == ("submitted", "", None)


def test_registration_records_the_number_starts_the_review_and_happens_once(dossier, applicant, reviewer_bis):
    filing = registered(dossier, applicant, reviewer_bis, number="D004217")
    assert (filing.status, filing.registration_number, filing.assigned_to) == ("in_review", "D004217", reviewer_bis)
    assert filing.registered_at is not None
    assert "register_application" not in {t.name for t in engine.available_actions(filing, reviewer_bis)}
    with pytest.raises(engine.Conflict):
        engine.apply(filing, "register_application", reviewer_bis, "", None, registration_number="D004218")


def test_a_registration_number_bis_already_gave_another_application_is_refused(org, applicant, dossier, reviewer_bis):
    registered(dossier, applicant, reviewer_bis, number="Z123456")
    other = factories.complete_dossier(org, applicant, title="Another dossier")
    filing = factories.submitted_filing(other, "BIS", applicant)
    with pytest.raises(ValidationError, match="registered another application as Z123456"):
        engine.apply(filing, "register_application", reviewer_bis, "", None, registration_number="Z123456")


def test_the_api_refuses_a_malformed_registration_number_with_a_field_error(dossier, applicant, reviewer_bis):
    filing = factories.submitted_filing(dossier, "BIS", applicant)
    api = factories.api_client(reviewer_bis)
    url = f"/api/v1/filings/{filing.reference}/actions/register_application/"
    refused = api.post(url, {"registration_number": "12-3456"}, format="json")
    assert refused.status_code == 400
    assert "one capital letter and six digits" in refused.json()["errors"]["registration_number"][0]
    done = api.post(url, {"registration_number": "Z654321"}, format="json")
    assert done.status_code == 200 and done.json()["registration_number"] == "Z654321"


def test_bis_cannot_decide_a_case_it_has_not_registered(dossier, applicant, reviewer_bis):
    approve = procedures.BIS.transition("approve", "in_review")
    assert approve.guard == procedures.REGISTERED
    assert approve.guard_description == "once the authority has registered the application"
    # A case taken before BIS had its own procedure stands in review without a registration.
    filing = factories.submitted_filing(dossier, "BIS", applicant)
    Filing.objects.filter(pk=filing.pk).update(status="in_review")
    filing.refresh_from_db()
    offered = {t.name for t in engine.available_actions(filing, reviewer_bis)}
    assert not {"approve", "approve_in_part", "deny", "refer"} & offered and "register_application" in offered
    with pytest.raises(engine.Conflict, match="only once the authority has registered the application"):
        engine.apply(filing, "deny", reviewer_bis, "", None, reasons="No.")
    engine.apply(filing, "register_application", reviewer_bis, "", None, registration_number="Z100200")
    engine.apply(filing, "deny", reviewer_bis, "", None, reasons="End use not shown.")
    assert filing.status == "denied"


# --- the clock ---------------------------------------------------------------------------------


def test_the_clock_ends_90_calendar_days_after_registration_not_working_days(dossier, applicant, reviewer_bis):
    filing = factories.submitted_filing(dossier, "BIS", applicant)
    assert filing.due_at is None  # no clock before registration: it counts from then
    # Registered on Thanksgiving (a US federal holiday), 25 Nov 2027: calendar days count holidays and weekends,
    # where 62 working days would end on 25 Feb 2028.
    engine.apply(filing, "register_application", reviewer_bis, "", dt.datetime(2027, 11, 25, 15, 0, tzinfo=NY), registration_number="Z123456")  # fmt: skip
    assert dt.date(2027, 11, 25) + dt.timedelta(days=90) == dt.date(2028, 2, 23)
    due = dt.datetime(2028, 2, 23, 23, 59, 59, tzinfo=NY)
    assert filing.due_at == due
    # A referral does not stop it (750.4: resolved *or referred* within the 90 days).
    engine.apply(filing, "refer", reviewer_bis, "", dt.datetime(2027, 12, 10, 10, 0, tzinfo=NY))
    assert filing.status == "referred" and filing.due_at == due
    engine.apply(filing, "conclude_referral", reviewer_bis, "", dt.datetime(2028, 1, 7, 10, 0, tzinfo=NY))
    assert filing.status == "in_review" and filing.due_at == due


def test_an_information_request_stops_the_90_days_for_as_long_as_the_applicant_takes(dossier, applicant, reviewer_bis):
    filing = registered(dossier, applicant, reviewer_bis, at=dt.datetime(2027, 11, 25, 15, 0, tzinfo=NY))
    engine.apply(
        filing, "request_information", reviewer_bis, "Which clinics?", dt.datetime(2027, 12, 1, 9, 0, tzinfo=NY)
    )
    engine.apply(filing, "respond", applicant, "Haeju and Sariwon.", dt.datetime(2027, 12, 11, 9, 0, tzinfo=NY))
    assert filing.due_at == dt.datetime(2028, 3, 4, 23, 59, 59, tzinfo=NY)  # ten days after 23 Feb (a leap year)


# --- outcomes ----------------------------------------------------------------------------------


def test_bis_returns_an_application_without_action_registered_or_not(org, dossier, applicant, reviewer_bis):
    unregistered = factories.submitted_filing(dossier, "BIS", applicant)
    engine.apply(unregistered, "return_without_action", reviewer_bis, "", None, reasons="No licence is required.")
    assert unregistered.status == "returned_without_action" and unregistered.state.terminal
    assert unregistered.decision_reasons == "No licence is required." and unregistered.decided_at
    other = factories.complete_dossier(org, applicant, title="Second dossier")
    filing = registered(other, applicant, reviewer_bis)
    engine.apply(filing, "return_without_action", reviewer_bis, "", None, reasons="The end-user statement is unsigned.")
    assert filing.status == "returned_without_action"
    assert engine.available_actions(filing, reviewer_bis) == []  # nothing left to decide


def test_an_approval_in_whole_approves_every_quantity_asked(equipment, applicant, reviewer_bis):
    filing = registered(equipment, applicant, reviewer_bis)
    engine.apply(
        filing, "approve", reviewer_bis, "", None,
        valid_from_on=TODAY, valid_until_on=TODAY + dt.timedelta(days=365), authority_reference="D512034",
    )  # fmt: skip
    assert filing.status == "approved" and filing.authority_reference == "D512034"
    assert not ApprovedQuantity.objects.filter(filing=filing).exists()


def test_an_approval_in_part_refuses_more_than_was_asked_or_nothing_at_all(equipment, applicant, reviewer_bis):
    filing = registered(equipment, applicant, reviewer_bis)
    fridge, generator = items_of(equipment)
    with pytest.raises(ValidationError) as refused:
        approve_in_part(filing, reviewer_bis, {str(fridge.pk): "51"})
    assert "51 units is more than the 50 asked" in str(refused.value.message_dict["item_quantities"])
    with pytest.raises(ValidationError, match="approve some quantity of at least one item"):
        approve_in_part(filing, reviewer_bis, {str(fridge.pk): "0"})
    with pytest.raises(ValidationError, match="is not an item of this dossier"):
        approve_in_part(filing, reviewer_bis, {"999999": "1"})
    filing.refresh_from_db()
    assert filing.status == "in_review" and not ApprovedQuantity.objects.exists()


def test_a_partial_approval_caps_what_may_ship_of_each_item(equipment, applicant, reviewer_bis):
    filing = registered(equipment, applicant, reviewer_bis)
    fridge, generator = items_of(equipment)
    approve_in_part(filing, reviewer_bis, {str(fridge.pk): "30"})  # the generators are left out: not approved
    assert dict(ApprovedQuantity.objects.filter(filing=filing).values_list("item_id", "quantity")) == {
        fridge.pk: Decimal(30),
        generator.pk: Decimal(0),
    }
    depart = TODAY + dt.timedelta(days=10)

    def ship(item, quantity):
        return shipping.plan_shipment(
            equipment,
            applicant,
            lines=[{"item": item.pk, "quantity": Decimal(quantity)}],
            mode="sea",
            planned_departure_on=depart,
            planned_arrival_on=depart + dt.timedelta(days=5),
        )

    with pytest.raises(ValidationError) as over:
        ship(fridge, "31")
    assert "only 30 remain under BIS approval" in " ".join(over.value.message_dict["lines"])
    with pytest.raises(ValidationError, match="only 0 remain under BIS approval"):
        ship(generator, "1")
    assert not Shipment.objects.exists()
    ship(fridge, "20")
    with pytest.raises(ValidationError, match="only 10 remain"):
        ship(fridge, "11")
    ship(fridge, "10")
    assert Shipment.objects.count() == 2


def test_the_web_and_the_api_refuse_a_shipment_beyond_the_approved_quantity(equipment, applicant, reviewer_bis):
    filing = registered(equipment, applicant, reviewer_bis)
    fridge, _ = items_of(equipment)
    approve_in_part(filing, reviewer_bis, {str(fridge.pk): "30"})
    depart = TODAY + dt.timedelta(days=7)
    dates = {
        "planned_departure_on": depart.isoformat(),
        "planned_arrival_on": (depart + dt.timedelta(days=4)).isoformat(),
    }
    page = factories.web_client(applicant).post(
        reverse("shipment_plan", args=[equipment.reference]), {"mode": "road", **dates, f"quantity_{fridge.pk}": "31"}
    )
    assert page.status_code == 400 and "only 30 remain under BIS approval" in page.content.decode()
    body = {"application": equipment.reference, "mode": "road", **dates}
    api = factories.api_client(applicant)
    refused = api.post("/api/v1/shipments/", {**body, "lines": [{"item": fridge.pk, "quantity": "31"}]}, format="json")
    assert refused.status_code == 400
    assert "only 30 remain under BIS approval" in " ".join(refused.json()["errors"]["lines"])
    assert not Shipment.objects.exists()
    made = api.post("/api/v1/shipments/", {**body, "lines": [{"item": fridge.pk, "quantity": "30"}]}, format="json")
    assert made.status_code == 201, made.content


def test_a_reviewer_approves_in_part_from_the_filing_page(equipment, applicant, reviewer_bis):
    filing = registered(equipment, applicant, reviewer_bis)
    fridge, generator = items_of(equipment)
    client = factories.web_client(reviewer_bis)
    page = client.get(reverse("filing_detail", args=[filing.reference])).content.decode()
    assert f"approve_in_part-item_quantities-{fridge.pk}" in page and "50 units asked" in page
    response = client.post(
        reverse("filing_action", args=[filing.reference, "approve_in_part"]),
        {
            "approve_in_part-version": filing.version,
            "approve_in_part-valid_from_on": TODAY.isoformat(),
            "approve_in_part-valid_until_on": (TODAY + dt.timedelta(days=365)).isoformat(),
            f"approve_in_part-item_quantities-{fridge.pk}": "25",
            f"approve_in_part-item_quantities-{generator.pk}": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert dict(ApprovedQuantity.objects.filter(filing=filing).values_list("item_id", "quantity")) == {
        fridge.pk: Decimal(25),
        generator.pk: Decimal(0),
    }
    shown = factories.web_client(applicant).get(reverse("filing_detail", args=[filing.reference])).content.decode()
    assert "<td>Solar vaccine refrigerator</td><td>25 units</td><td>50 units</td>" in shown


def test_the_decision_email_states_the_approved_quantities(
    equipment, applicant, reviewer_bis, django_capture_on_commit_callbacks, eager_celery
):
    filing = registered(equipment, applicant, reviewer_bis)
    fridge, generator = items_of(equipment)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approve_in_part(filing, reviewer_bis, {str(fridge.pk): "30", str(generator.pk): "2"})
    (email,) = [m for m in mail.outbox if applicant.email in m.to]
    assert email.subject.startswith("Approved in part, valid until ")
    assert "Solar vaccine refrigerator: 30 units approved of 50 asked" in email.body
    assert "Diesel generator 10 kVA: 2 units approved of 8 asked" in email.body
    html = email.alternatives[0][0]
    assert "<td>Solar vaccine refrigerator</td><td>30 units</td><td>50 units</td>" in html


def test_an_approval_in_whole_mentions_no_partial_quantities(
    equipment, applicant, reviewer_bis, django_capture_on_commit_callbacks, eager_celery
):
    filing = registered(equipment, applicant, reviewer_bis)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        engine.apply(
            filing, "approve", reviewer_bis, "", None,
            valid_from_on=TODAY, valid_until_on=TODAY + dt.timedelta(days=365),
        )  # fmt: skip
    (email,) = [m for m in mail.outbox if applicant.email in m.to]
    assert "Approved in part" not in email.body and "Valid from" in email.body
    assert email.subject.startswith("Approved, valid until ")


# --- the diagram and the demo ------------------------------------------------------------------


def test_the_workflow_diagram_draws_the_bis_procedure(db):
    out = io.StringIO()
    call_command("workflow_diagram", "BIS", stdout=out)
    drawn = out.getvalue()
    assert drawn.startswith("stateDiagram-v2")
    for edge in (
        "submitted --> in_review : register_application",
        "in_review --> approved : approve_in_part",
        "in_review --> referred : refer",
        "referred --> in_review : conclude_referral",
        "submitted --> returned_without_action : return_without_action",
    ):
        assert edge in drawn


def test_the_demo_has_a_bis_case_approved_in_part(org, applicant):
    Organization.objects.filter(pk=org.pk).update(name=demo.ORGANIZATIONS["A"]["name"])
    admin = get_user_model().objects.create_superuser("admin", "admin@example.org", "x")
    users = {"applicant": applicant, "admin": admin}
    assert demo_bis.seed(users) == 1
    assert demo_bis.seed(users) == 0  # a second run makes nothing
    filing = Filing.objects.get(application__title=demo_bis.TITLE)
    assert filing.status == "approved" and filing.events.filter(action="approve_in_part").exists()
    assert filing.registration_number and filing.valid_until_on > TODAY
    granted = {row.item.description: row.quantity for row in ApprovedQuantity.objects.filter(filing=filing)}
    asked = {item.description: item.quantity for item in filing.application.items.all()}
    assert any(granted[name] < asked[name] for name in asked) and any(granted.values())


def test_the_sweep_reminds_the_reviewer_before_the_90th_day_and_flags_it_overdue_after(
    dossier, applicant, reviewer_bis
):
    registered_at = dt.datetime(2027, 11, 25, 15, 0, tzinfo=NY)
    filing = registered(dossier, applicant, reviewer_bis, at=registered_at)
    notifications.sweep(registered_at + dt.timedelta(hours=1))  # the notices of the filing and registration
    mail.outbox.clear()
    notifications.sweep(dt.datetime(2028, 2, 22, 9, 0, tzinfo=NY))  # the day before the 90th
    before = [m for m in mail.outbox if reviewer_bis.email in m.to]
    assert before and filing.reference in before[0].subject
    mail.outbox.clear()
    notifications.sweep(dt.datetime(2028, 2, 24, 9, 0, tzinfo=NY))
    late = [m for m in mail.outbox if reviewer_bis.email in m.to]
    assert late and "overdue" in (late[0].subject + late[0].body).lower()
    assert Filing.objects.overdue(dt.datetime(2028, 2, 24, 9, 0, tzinfo=NY)).filter(pk=filing.pk).exists()
