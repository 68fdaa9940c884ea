"""After the approvals: shipments planned against them, their departure, delivery, distributions and the
incidents on the way, through the services the faces use (shipping, deliveries, monitoring). A share of the
planned shipments deliberately asks for more than remains approved or runs past the validity: the service must
refuse it, and a shipment it lets through is a violation."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.core.exceptions import ValidationError

from .. import deliveries, monitoring, shipping
from ..models import Application, Incident, Shipment
from .domain import WITHIN_APPROVAL
from .invariants import Violation

DAY = dt.timedelta(days=1)
OVERREACH_RATE = 0.1  # share of shipment plans that ask too much or too late (the service must refuse them)
SHIPMENTS_PER_DOSSIER = (1, 3)
FACILITIES = ("Provincial Paediatric Hospital", "County Hospital No. 2", "Rural Clinic, Ri 14")


class Aftercare:
    def __init__(self, simulation, rng: random.Random):
        self.sim, self.rng = simulation, rng
        self.started: set[int] = set()  # dossiers whose shipments are planned
        self.counts = {"shipments": 0, "refused overreach": 0, "deliveries": 0, "distributions": 0, "incidents": 0}

    # --- when ------------------------------------------------------------------------------------

    def approved(self, application: Application, at: dt.datetime) -> None:
        """An approval came through: once every required approval is in force, the shipments are planned."""
        if application.pk in self.started:
            return
        window = self._window(application, at.date())
        if window is None:
            return
        self.started.add(application.pk)
        first = window[0]
        for n in range(self.rng.randint(*SHIPMENTS_PER_DOSSIER)):
            plan_on = max(at.date(), first - dt.timedelta(days=self.rng.randint(3, 14)))
            self._push(at, _noon(plan_on) + n * 2 * DAY, "plan", application.pk)

    def _push(self, now: dt.datetime, when: dt.datetime, step: str, *args) -> None:
        self.sim.push(max(when, now + dt.timedelta(minutes=1)), "aftercare", step, *args)

    def _window(self, application: Application, today: dt.date) -> tuple[dt.date, dt.date, dt.date] | None:
        """The days every required approval in force covers within the shipment window, and the first day
        one of them ends; or None."""
        approvals = [a for a in shipping.approvals_of(application) if a.state.grants_validity]
        required = shipping.required_authority_ids(application, approvals)
        if not approvals or not required or any(all(a.authority_id != r for a in approvals) for r in required):
            return None
        first = max([application.ship_from_on, today + DAY] + [a.valid_from_on for a in approvals])
        ends = min(a.valid_until_on for a in approvals)
        last = min(application.ship_until_on, ends)
        return (first, last, ends) if first + dt.timedelta(days=3) <= last else None

    # --- what -------------------------------------------------------------------------------------

    def run(self, at: dt.datetime, step: str, *args) -> None:
        getattr(self, f"_{step}")(at, *args)

    def _plan(self, at: dt.datetime, application_id: int) -> None:
        application = Application.objects.get(pk=application_id)
        window = self._window(application, at.date())
        if window is None:
            return
        first, last, ends = window
        depart = first + dt.timedelta(days=self.rng.randint(0, max(0, (last - first).days - 3)))
        arrive = min(last, depart + dt.timedelta(days=self.rng.randint(2, 10)))
        share = Decimal(self.rng.choice(("0.2", "0.3", "0.4")))
        overreach = self.rng.random() < OVERREACH_RATE
        if overreach and self.rng.random() < 0.5:
            share = Decimal("1.5")  # more than the whole approval
        elif overreach:
            arrive = ends + dt.timedelta(days=self.rng.randint(1, 20))  # past the validity
        lines = [
            {"item": item.pk, "quantity": max(Decimal(1), (item.quantity * share).quantize(Decimal(1)))}
            for item in application.items.all()
        ]
        try:
            shipment = shipping.plan_shipment(
                application,
                self.sim.people.applicants[application.organization_id],
                lines=lines,
                planned_departure_on=depart,
                planned_arrival_on=arrive,
                mode=self.rng.choice(list(Shipment.Mode)),
                route="Dalian – Nampo",
            )
        except ValidationError:
            refused = "refused overreach" if overreach else "refused (too little left)"
            self.counts[refused] = self.counts.get(refused, 0) + 1
            return
        if overreach:
            raise Violation(WITHIN_APPROVAL, shipment.reference, f"planned beyond its approvals ({share}, {arrive})")
        self.counts["shipments"] += 1
        self._push(at, _noon(depart), "depart", shipment.pk)

    def _depart(self, at: dt.datetime, shipment_id: int) -> None:
        shipment = Shipment.objects.get(pk=shipment_id)
        shipping.record_departure(shipment, at.date())
        arrives = max(at.date(), shipment.planned_arrival_on) + dt.timedelta(days=self.rng.randint(0, 3))
        self._push(at, _noon(arrives), "deliver", shipment.pk)

    def _deliver(self, at: dt.datetime, shipment_id: int) -> None:
        shipment = Shipment.objects.get(pk=shipment_id)
        delivered_on = at.date()
        lost = self.rng.random() < 0.08
        lines = []
        for line in shipment.lines.all():
            missing = (line.quantity * Decimal("0.05")).quantize(Decimal(1)) if lost else Decimal(0)
            lines.append({"item": line.item_id, "received": line.quantity - missing, "damaged": 0, "lost": missing})
        deliveries.record_delivery(
            shipment, delivered_on=delivered_on, received_by="Provincial health office", lines=lines
        )
        self.counts["deliveries"] += 1
        if lost:
            self._incident(at, shipment, delivered_on)
        self._push(at, _noon(delivered_on + dt.timedelta(days=self.rng.randint(2, 10))), "distribute", shipment.pk)

    def _incident(self, at: dt.datetime, shipment: Shipment, discovered_on: dt.date) -> None:
        approval = shipment.approvals.select_related("authority").first()
        incident = monitoring.record_incident(
            shipment.application,
            self.sim.people.applicants[shipment.application.organization_id],
            shipment=shipment,
            kind=Incident.Kind.LOSS,
            description="Cartons missing at transshipment; the carrier opened a claim.",
            location="Dalian container terminal",
            discovered_on=discovered_on,
            authority=approval.authority,
        )
        self.counts["incidents"] += 1
        late = self.rng.random() < self.sim.scenario.late_report_rate
        days = incident.authority.incident_report_days + self.rng.randint(2, 10) if late else self.rng.randint(0, 3)
        self._push(at, _noon(discovered_on + dt.timedelta(days=days)), "report", incident.pk)

    def _report(self, at: dt.datetime, incident_id: int) -> None:
        monitoring.mark_incident_reported(Incident.objects.get(pk=incident_id), at.date())

    def _distribute(self, at: dt.datetime, shipment_id: int) -> None:
        shipment = Shipment.objects.get(pk=shipment_id)
        lines = [
            {"item": line.item_id, "quantity": (line.received * Decimal("0.5")).quantize(Decimal(1))}
            for line in shipment.lines.all()
            if line.received and (line.received * Decimal("0.5")).quantize(Decimal(1)) > 0
        ]
        if not lines:
            return
        deliveries.record_distribution(
            shipment,
            self.sim.people.applicants[shipment.application.organization_id],
            facility=self.rng.choice(FACILITIES),
            location="South Hwanghae",
            distributed_on=at.date(),
            beneficiaries_planned={"children_under_5": 4000},
            beneficiaries_reached={"children_under_5": self.rng.randint(2500, 4000)},
            lines=lines,
        )
        self.counts["distributions"] += 1


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
