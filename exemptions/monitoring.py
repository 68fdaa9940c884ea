"""Monitoring: the plan per dossier, the visits made, diversion and loss incidents with their reporting deadline,
and the organization's dashboard (planned vs delivered vs distributed vs reached, visits, access refusals) read
in a fixed number of queries however many shipments there are."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, Sum

from .models import (
    Application,
    Distribution,
    DistributionLine,
    Incident,
    MonitoringVisit,
    PlannedVisit,
    Shipment,
    ShipmentLine,
)


def _full_clean_and_save(instance, exclude=()):
    instance.full_clean(exclude=list(exclude))
    instance.save()
    return instance


def add_planned_visit(application: Application, **fields) -> PlannedVisit:
    return _full_clean_and_save(PlannedVisit(application=application, **fields), exclude=["application"])


def _shipment_of(application: Application, shipment):
    if shipment in (None, ""):
        return None
    if isinstance(shipment, Shipment):
        found = shipment if shipment.application_id == application.pk else None
    else:
        found = application.shipments.filter(reference=str(shipment)).first()
    if found is None:
        raise ValidationError({"shipment": "Choose one of this dossier's shipments."})
    return found


def record_visit(application: Application, by, *, shipment=None, **fields) -> MonitoringVisit:
    visit = MonitoringVisit(
        application=application, shipment=_shipment_of(application, shipment), created_by=by, **fields
    )
    return _full_clean_and_save(visit, exclude=["application"])


def record_incident(application: Application, by, *, shipment=None, item=None, **fields) -> Incident:
    """A diversion or loss; it must be reported to `authority` within its `incident_report_days`."""
    incident = Incident(application=application, shipment=_shipment_of(application, shipment), created_by=by, **fields)
    if item not in (None, ""):
        item_id = getattr(item, "pk", item)
        incident.item = application.items.filter(pk=item_id).first() if str(item_id).isdigit() else None
        if incident.item is None:
            raise ValidationError({"item": "Choose one of this dossier's items."})
    if incident.discovered_on and incident.authority_id:
        incident.report_due_on = incident.discovered_on + dt.timedelta(days=incident.authority.incident_report_days)
    incident.full_clean(exclude=["application", "report_due_on"])
    if incident.reported_on and incident.reported_on < incident.discovered_on:
        raise ValidationError({"reported_on": "An incident is reported on or after the day it was discovered."})
    incident.save()
    return incident


def mark_incident_reported(incident: Incident, reported_on: dt.date) -> Incident:
    incident.reported_on = reported_on
    incident.full_clean(exclude=["report_due_on"])
    if reported_on < incident.discovered_on:
        raise ValidationError({"reported_on": "An incident is reported on or after the day it was discovered."})
    incident.save(update_fields=["reported_on"])
    return incident


# --- the organization's dashboard --------------------------------------------------------------


@dataclass
class DossierFigures:
    application: Application
    shipments: int = 0
    in_transit: int = 0
    delivered: int = 0
    planned_quantity: Decimal = Decimal(0)
    received_quantity: Decimal = Decimal(0)
    lost_quantity: Decimal = Decimal(0)
    distributed_quantity: Decimal = Decimal(0)
    people_planned: int = 0
    people_reached: int = 0
    visits_planned: int = 0
    visits_done: int = 0
    access_refused: int = 0
    access_restricted: int = 0
    incidents: int = 0
    incidents_unreported: int = 0


@dataclass
class Dashboard:
    rows: list[DossierFigures] = field(default_factory=list)

    def total(self, name: str):
        return sum((getattr(r, name) for r in self.rows), start=Decimal(0) if "quantity" in name else 0)

    @property
    def totals(self) -> dict:
        return {name: self.total(name) for name in DossierFigures.__dataclass_fields__ if name != "application"}


def dashboard(organizations: set[int] | None) -> Dashboard:
    """Figures per dossier of `organizations` (None: every organization) that has shipments or a monitoring plan:
    eight grouped queries in all, each a plain join on the organization, whatever the number of dossiers,
    shipments, distributions or visits."""

    def of(model, path="application__"):
        if organizations is None:
            return model.objects.all()
        return model.objects.filter(**{f"{path}organization_id__in": organizations})

    active = of(Application, "").filter(
        Exists(Shipment.objects.filter(application=OuterRef("pk")))
        | Exists(PlannedVisit.objects.filter(application=OuterRef("pk")))
    )
    rows = {a.pk: DossierFigures(application=a) for a in active.only("id", "reference", "title", "beneficiaries")}
    if not rows:
        return Dashboard()
    for r in (
        of(Shipment)
        .values("application_id")
        .annotate(
            n=Count("id"),
            moving=Count("id", filter=Q(departed_on__isnull=False, delivered_on__isnull=True)),
            done=Count("id", filter=Q(delivered_on__isnull=False)),
        )
    ):
        row = rows[r["application_id"]]
        row.shipments, row.in_transit, row.delivered = r["n"], r["moving"], r["done"]
    lines = of(ShipmentLine, "shipment__application__").values("shipment__application_id")
    for r in lines.annotate(planned=Sum("quantity"), received=Sum("received"), lost=Sum("lost")):
        row = rows[r["shipment__application_id"]]
        row.planned_quantity, row.received_quantity = r["planned"] or 0, r["received"] or 0
        row.lost_quantity = r["lost"] or 0
    handed_out = of(DistributionLine, "distribution__shipment__application__").values_list(
        "distribution__shipment__application_id"
    )
    for application_id, total in handed_out.annotate(total=Sum("quantity")):
        rows[application_id].distributed_quantity = total or 0
    people = of(Distribution, "shipment__application__").values_list("shipment__application_id")
    for application_id, planned, reached in people.annotate(planned=Sum("planned_total"), reached=Sum("reached_total")):
        rows[application_id].people_planned, rows[application_id].people_reached = planned or 0, reached or 0
    for application_id, n in of(PlannedVisit).values_list("application_id").annotate(n=Sum("visits")):
        rows[application_id].visits_planned = n or 0
    for r in (
        of(MonitoringVisit)
        .values("application_id")
        .annotate(
            n=Count("id"),
            refused=Count("id", filter=Q(access=MonitoringVisit.Access.REFUSED)),
            restricted=Count("id", filter=Q(access=MonitoringVisit.Access.RESTRICTED)),
        )
    ):
        if r["application_id"] in rows:
            row = rows[r["application_id"]]
            row.visits_done, row.access_refused, row.access_restricted = r["n"], r["refused"], r["restricted"]
    for r in (
        of(Incident).values("application_id").annotate(n=Count("id"), open=Count("id", filter=Q(reported_on=None)))
    ):
        if r["application_id"] in rows:
            rows[r["application_id"]].incidents, rows[r["application_id"]].incidents_unreported = r["n"], r["open"]
    for row in rows.values():
        if not row.people_planned:
            row.people_planned = row.application.beneficiary_total
    ordered = sorted(rows.values(), key=lambda r: r.application.pk, reverse=True)  # newest dossier first
    return Dashboard(rows=ordered)
