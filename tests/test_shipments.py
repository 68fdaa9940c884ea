"""Shipments against approvals (issue 19): the refusals (too many, outside validity, over the quantity remaining),
remaining quantities, cleared-to-ship per shipment on boundary days, IMO numbers, deliveries and distributions."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from exemptions import deliveries, shipping
from exemptions.models import ApprovedQuantity, Shipment, imo_check_digit_ok

from . import factories

TODAY = timezone.localdate()
VALID_FROM, VALID_UNTIL = TODAY, TODAY + dt.timedelta(days=180)


@pytest.fixture
def un_approval(dossier, applicant):
    return factories.approved_filing(dossier, "UN1718", applicant, VALID_FROM, VALID_UNTIL)


def item_of(dossier):
    return dossier.items.get()


def plan(dossier, applicant, quantity="10", *, depart=None, arrive=None, **fields):
    depart = depart or TODAY + dt.timedelta(days=10)
    return shipping.plan_shipment(
        dossier,
        applicant,
        lines=[{"item": item_of(dossier).pk, "quantity": Decimal(quantity)}],
        mode=fields.pop("mode", "road"),
        planned_departure_on=depart,
        planned_arrival_on=arrive or depart + dt.timedelta(days=3),
        **fields,
    )


def test_fourth_shipment_on_a_un_approval_is_refused_and_nothing_is_saved(dossier, applicant, un_approval):
    assert un_approval.authority.max_shipments == 3
    for _ in range(3):
        plan(dossier, applicant, "10")
    with pytest.raises(ValidationError) as refused:
        plan(dossier, applicant, "10")
    assert "allows at most 3 shipments" in str(refused.value.message_dict["approvals"])
    assert Shipment.objects.filter(application=dossier).count() == 3


def test_a_shipment_over_the_remaining_quantity_is_refused(dossier, applicant, un_approval):
    plan(dossier, applicant, "70")  # of 100 requested and approved
    with pytest.raises(ValidationError) as refused:
        plan(dossier, applicant, "31")
    assert "only 30 remain" in " ".join(refused.value.message_dict["lines"])
    assert Shipment.objects.filter(application=dossier).count() == 1
    plan(dossier, applicant, "30")  # exactly what remains is fine


def test_a_partial_approval_counts_its_approved_quantity_not_the_request(dossier, applicant, un_approval):
    ApprovedQuantity.objects.create(filing=un_approval, item=item_of(dossier), quantity=Decimal("40"))
    with pytest.raises(ValidationError):
        plan(dossier, applicant, "41")
    plan(dossier, applicant, "40")


def test_remaining_quantities_and_shipments_decrement(dossier, applicant, un_approval):
    (before,) = shipping.approval_summaries(dossier)
    assert (before.shipments, before.shipments_left, before.rows[0]["remaining"]) == (0, 3, Decimal(100))
    plan(dossier, applicant, "25")
    plan(dossier, applicant, "15")
    (after,) = shipping.approval_summaries(dossier)
    assert (after.shipments, after.shipments_left) == (2, 1)
    assert after.rows[0]["shipped"] == Decimal(40) and after.rows[0]["remaining"] == Decimal(60)


def test_a_shipment_outside_validity_is_refused(dossier, applicant, un_approval):
    with pytest.raises(ValidationError) as refused:
        plan(dossier, applicant, depart=VALID_UNTIL - dt.timedelta(days=1), arrive=VALID_UNTIL + dt.timedelta(days=1))
    assert "outside the validity" in str(refused.value)
    assert not Shipment.objects.exists()
    # The last valid day still counts: arriving on it is fine.
    plan(dossier, applicant, depart=VALID_UNTIL - dt.timedelta(days=1), arrive=VALID_UNTIL)


def test_no_shipment_without_an_approval(dossier, applicant):
    factories.submitted_filing(dossier, "UN1718", applicant)
    with pytest.raises(ValidationError) as refused:
        plan(dossier, applicant)
    assert "no approval" in str(refused.value)


def test_every_required_authority_must_cover_the_shipment(dossier, applicant, un_approval):
    from exemptions.models import Authority

    dossier.required_authorities.add(Authority.objects.get(code="UN1718"), Authority.objects.get(code="OFAC"))
    with pytest.raises(ValidationError) as refused:
        plan(dossier, applicant)
    assert "No OFAC approval is in force" in str(refused.value)


@pytest.mark.parametrize(
    ("today_offset", "depart_offset", "arrive_offset", "cleared"),
    [
        (0, 0, 0, True),  # departs on the first valid day
        (0, 170, 180, True),  # arrives on the last valid day
        (0, 175, 181, False),  # arrives the day after the last valid day
        (5, 4, 10, False),  # planned departure passed without a recorded departure
    ],
)
def test_cleared_to_ship_per_shipment_on_boundary_days(
    dossier, applicant, un_approval, today_offset, depart_offset, arrive_offset, cleared
):
    shipment = plan(
        dossier, applicant, depart=VALID_FROM, arrive=VALID_FROM + dt.timedelta(days=1)
    )  # planned within validity; the dates under test are then set as a change of plan would
    shipment.planned_departure_on = VALID_FROM + dt.timedelta(days=depart_offset)
    shipment.planned_arrival_on = VALID_FROM + dt.timedelta(days=arrive_offset)
    verdict = shipping.shipment_clearance(shipment, today=TODAY + dt.timedelta(days=today_offset))
    assert verdict.cleared is cleared, verdict.blockers


def test_cleared_to_ship_ends_with_the_approval(dossier, applicant, un_approval):
    shipment = plan(dossier, applicant)
    assert shipping.shipment_clearance(shipment).cleared
    un_approval.status = un_approval.procedure.states_where(lapsed=True)[0]
    un_approval.save(update_fields=["status"])
    shipment = Shipment.objects.get(pk=shipment.pk)
    verdict = shipping.shipment_clearance(shipment)
    assert not verdict.cleared and "no longer in force" in verdict.blockers[0]


@pytest.mark.parametrize(
    ("number", "valid"), [("9074729", True), ("IMO 9074729", True), ("9074728", False), ("907472", False)]
)
def test_imo_numbers_are_checked_by_their_check_digit(dossier, applicant, un_approval, number, valid):
    assert imo_check_digit_ok(number.removeprefix("IMO ")) is valid
    if valid:
        assert plan(dossier, applicant, mode="sea", imo_number=number).imo_number == "9074729"
    else:
        with pytest.raises(ValidationError) as refused:
            plan(dossier, applicant, mode="sea", imo_number=number)
        assert "imo_number" in refused.value.message_dict


def test_documents_to_carry_name_the_approvals_and_their_letters(dossier, applicant, un_approval):
    shipment = plan(dossier, applicant)
    (carry,) = shipping.documents_to_carry(shipment)
    assert carry["approval"] == un_approval


def test_expiring_goods_and_an_early_lapse_are_warned(dossier, applicant, un_approval):
    depart = TODAY + dt.timedelta(days=10)
    shipment = shipping.plan_shipment(
        dossier,
        applicant,
        lines=[{"item": item_of(dossier).pk, "quantity": Decimal(5), "expires_on": depart + dt.timedelta(days=2)}],
        mode="road",
        planned_departure_on=depart,
        planned_arrival_on=depart + dt.timedelta(days=3),
    )
    dossier.ship_until_on = VALID_UNTIL + dt.timedelta(days=30)
    shipment.application = dossier
    warnings = shipping.warnings_for(shipment)
    assert any("before the shipment arrives" in w for w in warnings)
    assert any("lapses on" in w for w in warnings)


def test_delivery_then_distribution_within_what_arrived(dossier, applicant, un_approval):
    shipment = plan(dossier, applicant, "50")
    item = item_of(dossier)
    with pytest.raises(deliveries.NotDelivered):
        deliveries.record_distribution(shipment, applicant, facility="Sanatorium 3", distributed_on=TODAY, lines=[])
    deliveries.record_delivery(
        shipment,
        delivered_on=shipment.planned_arrival_on,
        received_by="Provincial health office",
        lines=[{"item": item.pk, "received": "45", "damaged": "3", "lost": "2"}],
    )
    with pytest.raises(ValidationError) as refused:
        deliveries.record_distribution(
            shipment,
            applicant,
            facility="Sanatorium 3",
            distributed_on=shipment.delivered_on,
            lines=[{"item": item.pk, "quantity": "46"}],
        )
    assert "only 45 received" in str(refused.value)
    deliveries.record_distribution(
        shipment,
        applicant,
        facility="Sanatorium 3",
        distributed_on=shipment.delivered_on,
        beneficiaries_planned={"patients": 400},
        beneficiaries_reached={"patients": 310},
        lines=[{"item": item.pk, "quantity": "45"}],
    )
    assert shipment.stage == Shipment.Stage.DELIVERED


def test_more_received_than_shipped_is_refused(dossier, applicant, un_approval):
    shipment = plan(dossier, applicant, "10")
    with pytest.raises(ValidationError):
        deliveries.record_delivery(
            shipment,
            delivered_on=shipment.planned_arrival_on,
            received_by="Consignee",
            lines=[{"item": item_of(dossier).pk, "received": "9", "lost": "2"}],
        )
    assert Shipment.objects.get(pk=shipment.pk).delivered_on is None


def test_a_correction_never_leaves_more_distributed_than_received(dossier, applicant, un_approval):
    shipment = plan(dossier, applicant, "20")
    item = item_of(dossier).pk
    delivered_on = shipment.planned_arrival_on
    deliveries.record_delivery(
        shipment, delivered_on=delivered_on, received_by="Consignee", lines=[{"item": item, "received": "20"}]
    )
    deliveries.record_distribution(
        shipment, applicant, facility="Clinic", distributed_on=delivered_on, lines=[{"item": item, "quantity": "15"}]
    )
    with pytest.raises(ValidationError) as refused:
        deliveries.record_delivery(
            shipment, delivered_on=delivered_on, received_by="Consignee", lines=[{"item": item, "received": "10"}]
        )
    assert "already distributed" in str(refused.value)
    twice = [{"item": item, "quantity": "1"}, {"item": item, "quantity": "1"}]
    with pytest.raises(ValidationError) as refused:
        deliveries.record_distribution(shipment, applicant, facility="Clinic", distributed_on=delivered_on, lines=twice)
    assert "listed twice" in str(refused.value)
