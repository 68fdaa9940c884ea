"""Demo content after approval: on approvals in force, one to three shipments in different stages (delivered,
in transit, planned), a delivery with damage and loss, distributions with partial reach, a monitoring plan with
one visit granted and one refused, and a loss reported to the authority. Built through the services, so every
rule (shipments per approval, validity, quantities) holds for the demo as it does for people."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils import timezone

from . import deliveries, monitoring, shipping
from .models import Application, Filing, Shipment

FACILITIES = [
    ("Sariwon Children's Hospital", "North Hwanghae"),
    ("Haeju Provincial Hospital", "South Hwanghae"),
]
MONITOR = "Programme field office, Pyongyang"


def _floor(quantity: Decimal, fraction: str) -> Decimal:
    return (quantity * Decimal(fraction)).quantize(Decimal(1), rounding=ROUND_DOWN)


def _share(quantity: Decimal, fraction: str) -> Decimal:
    """A whole share of a quantity, at least one unit."""
    return max(_floor(quantity, fraction), Decimal(1))


def seed(now: dt.datetime | None = None, limit: int = 2) -> int:
    """Shipments on up to `limit` dossiers of the demo whose approvals are in force; returns how many were made.
    Once any shipment exists it makes nothing, so a second run changes nothing."""
    if Shipment.objects.exists():
        return 0
    today = timezone.localdate(now or timezone.now())
    in_force = Filing.objects.in_force(today).filter(valid_from_on__lte=today - dt.timedelta(days=40))
    dossiers = Application.objects.filter(filings__in=in_force).distinct().order_by("created_at")
    # Only dossiers every required authority has approved may ship (a UN case still before the Committee may not).
    approved = set(in_force.values_list("application_id", "authority_id"))
    ready = [
        a for a in dossiers.prefetch_related("required_authorities")
        if all((a.pk, authority.pk) in approved for authority in a.required_authorities.all())
    ]  # fmt: skip
    made = 0
    for application in ready[:limit]:
        with transaction.atomic():
            made += _aftercare(application, today, full=made == 0)
    return made


def _aftercare(application: Application, today: dt.date, full: bool) -> int:
    applicant = application.created_by
    approvals = [a for a in shipping.approvals_of(application) if a.state.grants_validity]
    valid_from = max(a.valid_from_on for a in approvals)
    valid_until = min(a.valid_until_on for a in approvals)
    items = list(application.items.all())
    first, *others = items

    def plan(depart: dt.date, days: int, fraction: str, **fields) -> Shipment:
        lines = [{"item": first.pk, "quantity": _share(first.quantity, fraction), "cold_chain": False}]
        lines += [{"item": item.pk, "quantity": _share(item.quantity, fraction)} for item in others]
        return shipping.plan_shipment(
            application,
            applicant,
            lines=lines,
            planned_departure_on=depart,
            planned_arrival_on=depart + dt.timedelta(days=days),
            **fields,
        )

    delivered = plan(
        valid_from + dt.timedelta(days=3),
        6,
        "0.3",
        mode=Shipment.Mode.SEA,
        carrier="Yellow Sea Container Lines",
        vessel_name="MV Morning Star",
        imo_number="9074729",
        route="Dalian – Nampo",
    )
    deliveries.record_delivery(
        delivered,
        delivered_on=delivered.planned_arrival_on + dt.timedelta(days=2),
        received_by="Provincial Public Health Department, Sariwon",
        notes="Two pallets crushed in the hold; one container short on arrival.",
        lines=[
            {"item": line.item_id, "received": line.quantity - 2 * _share(line.quantity, "0.02"),
             "damaged": _share(line.quantity, "0.02"), "lost": _share(line.quantity, "0.02")}
            for line in delivered.lines.all()
        ],
    )  # fmt: skip
    planned_people = {"children_under_5": 6000, "pregnant_lactating_women": 1400}
    for (facility, province), fraction, reach in zip(FACILITIES, ("0.5", "0.3"), ("1", "0.62"), strict=True):
        deliveries.record_distribution(
            delivered,
            applicant,
            facility=facility,
            location=province,
            distributed_on=delivered.delivered_on + dt.timedelta(days=4),
            beneficiaries_planned=planned_people,
            beneficiaries_reached={k: int(v * Decimal(reach)) for k, v in planned_people.items()},
            lines=[
                {"item": line.item_id, "quantity": _floor(line.received, fraction)}
                for line in delivered.lines.all()
                if _floor(line.received, fraction)
            ],
        )
    for facility, _province in FACILITIES:
        monitoring.add_planned_visit(
            application,
            facility=facility,
            visits=3,
            monitor=MONITOR,
            access_arrangements="Visits announced 48 hours ahead through the provincial health department.",
        )
    visit_day = delivered.delivered_on + dt.timedelta(days=10)
    monitoring.record_visit(
        application,
        applicant,
        shipment=delivered,
        visited_on=visit_day,
        site=FACILITIES[0][0],
        monitor=MONITOR,
        access="granted",
        findings="Stock cards match the delivery; ward staff confirmed children received daily rations.",
    )
    monitoring.record_visit(
        application,
        applicant,
        shipment=delivered,
        visited_on=visit_day + dt.timedelta(days=1),
        site=FACILITIES[1][0],
        monitor=MONITOR,
        access="refused",
        findings="County officials refused entry on the day; a new visit was requested for the following week.",
    )
    monitoring.record_incident(
        application,
        applicant,
        shipment=delivered,
        kind="loss",
        description="One 20-foot container missing at transshipment; the carrier opened a claim.",
        location="Dalian container terminal",
        item=first.pk,
        quantity=_share(first.quantity * Decimal("0.3"), "0.02"),
        discovered_on=delivered.planned_arrival_on,
        authority=approvals[0].authority,
        reported_on=delivered.planned_arrival_on + dt.timedelta(days=3),
    )
    made = 1
    if not full:
        return made
    in_transit_departs = max(today - dt.timedelta(days=3), valid_from)
    if in_transit_departs + dt.timedelta(days=5) <= valid_until:
        moving = plan(in_transit_departs, 5, "0.2", mode=Shipment.Mode.RAIL, route="Dandong – Sinuiju",
                      border_crossing="Sino-Korean Friendship Bridge")  # fmt: skip
        shipping.record_departure(moving, in_transit_departs)
        made += 1
    if today + dt.timedelta(days=7) <= valid_until:
        plan(today + dt.timedelta(days=4), 3, "0.1", mode=Shipment.Mode.ROAD, route="Dandong – Sinuiju – Sariwon",
             border_crossing="Sino-Korean Friendship Bridge")  # fmt: skip
        made += 1
    return made
