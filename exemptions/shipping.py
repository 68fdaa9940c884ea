"""The rules of shipping under approvals: which approvals a shipment draws on, and the refusals (beyond an
approval's number of shipments, outside every required approval's validity, over the approved quantity
remaining); what remains per approval; whether one shipment is cleared to ship; what it must carry.

Every write here runs under the dossier's row lock, so two shipments planned at once cannot both take the last
shipment or the last carton an approval allows; a refused shipment leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from . import engine
from .clearance import Clearance, _day, _uncovered
from .models import (
    Application,
    ApprovedQuantity,
    Document,
    Filing,
    Item,
    Shipment,
    ShipmentLine,
    authority_ids,
    organization_ids,
)

SHIPMENT_FIELDS = (
    "mode",
    "carrier",
    "vessel_name",
    "imo_number",
    "route",
    "border_crossing",
    "planned_departure_on",
    "planned_arrival_on",
)
EXPIRY_MARGIN = dt.timedelta(days=30)  # goods should reach people this long before they expire


def _span(start: dt.date, end: dt.date) -> str:
    return f"{_day(start)} – {_day(end)}"


def is_approval(filing: Filing) -> bool:
    """An approval, in force or once: granted (and not refused), whatever happened to it since."""
    state = filing.state
    granted_once = state.grants_validity or state.lapsed or (state.terminal and not filing.decision_reasons)
    return bool(granted_once and filing.decided_at and filing.valid_from_on and filing.valid_until_on)


def approvals_of(application: Application) -> list[Filing]:
    """The dossier's approvals, oldest first. Reads prefetched filings when a page prefetched them."""
    return sorted((f for f in application.filings.all() if is_approval(f)), key=lambda f: (f.valid_from_on, f.pk))


def applications_after_approval_visible_to(user):
    """Dossiers whose shipments, monitoring and incidents `user` may read: their organizations', and those an
    authority of theirs ruled on."""
    if not user.is_authenticated:
        return Application.objects.none()
    if user.is_superuser:
        return Application.objects.all()
    ruled = Filing.objects.filter(
        authority_id__in=authority_ids(user), submitted_at__isnull=False, decided_at__isnull=False
    )
    return Application.objects.filter(
        Q(organization_id__in=organization_ids(user)) | Q(pk__in=ruled.values("application_id"))
    )


class AlreadyLeft(engine.Conflict):
    """The shipment has departed or been delivered: it can no longer be cancelled (API: 409)."""


def required_authority_ids(application: Application, approvals: list[Filing]) -> list[int]:
    """The authorities whose approval a shipment needs: those the dossier names, else those that approved it
    (the ones in force, when some are)."""
    required = [a.pk for a in application.required_authorities.all()]
    in_force = sorted({f.authority_id for f in approvals if f.state.grants_validity})
    return required or in_force or sorted({f.authority_id for f in approvals})


# --- what remains ------------------------------------------------------------------------------


def approved_quantities(approvals: list[Filing], items: list[Item]) -> dict[tuple[int, int], Decimal]:
    """(approval id, item id) → the quantity the approval allows: the requested quantity unless the authority
    granted less (ApprovedQuantity)."""
    granted = {
        (row.filing_id, row.item_id): row.quantity
        for row in ApprovedQuantity.objects.filter(filing__in=approvals, quantity__isnull=False)
    }
    return {(a.pk, i.pk): granted.get((a.pk, i.pk), i.quantity) for a in approvals for i in items}


def shipped_quantities(approvals: list[Filing], excluding: Shipment | None = None) -> dict[tuple[int, int], Decimal]:
    """(approval id, item id) → the quantity on shipments drawing on that approval, planned ones included."""
    lines = ShipmentLine.objects.filter(shipment__approvals__in=approvals)
    if excluding is not None and excluding.pk:
        lines = lines.exclude(shipment=excluding)
    rows = lines.values_list("shipment__approvals", "item_id").annotate(total=Sum("quantity"))
    return {(approval, item): total for approval, item, total in rows}


def shipment_counts(approvals: list[Filing]) -> dict[int, int]:
    through = Shipment.approvals.through.objects.filter(filing__in=approvals)
    return dict(through.values_list("filing_id").annotate(n=Count("shipment_id")))


@dataclass
class ApprovalSummary:
    """What one approval still allows: shipments used of its maximum, and the quantity left per item."""

    approval: Filing
    shipments: int
    max_shipments: int | None
    rows: list[dict] = field(default_factory=list)  # item, approved, shipped, remaining
    report_due_on: dt.date | None = None

    @property
    def shipments_left(self) -> int | None:
        return None if self.max_shipments is None else max(self.max_shipments - self.shipments, 0)


def approval_summaries(application: Application, approvals: list[Filing] | None = None) -> list[ApprovalSummary]:
    """Per approval of the dossier (or of `approvals`): shipments and max, approved / shipped / remaining per
    item, report due. A fixed number of queries, however many approvals, items and shipments."""
    approvals = approvals_of(application) if approvals is None else approvals
    if not approvals:
        return []
    items = list(application.items.all())
    approved = approved_quantities(approvals, items)
    shipped = shipped_quantities(approvals)
    counts = shipment_counts(approvals)
    last_delivery = dict(
        Shipment.approvals.through.objects.filter(filing__in=approvals, shipment__delivered_on__isnull=False)
        .values_list("filing_id")
        .annotate(last=Max("shipment__delivered_on"))
    )
    summaries = []
    for approval in approvals:
        rows = []
        for item in items:
            allowed = approved[(approval.pk, item.pk)]
            used = shipped.get((approval.pk, item.pk), Decimal(0))
            rows.append({"item": item, "approved_qty": allowed, "shipped": used, "remaining": allowed - used})
        summaries.append(
            ApprovalSummary(
                approval=approval,
                shipments=counts.get(approval.pk, 0),
                max_shipments=approval.authority.max_shipments,
                rows=rows,
                report_due_on=report_due_on(approval, last_delivery.get(approval.pk)),
            )
        )
    return summaries


def report_due_on(approval: Filing, last_delivered_on: dt.date | None) -> dt.date | None:
    """The end-use report is due N days after the last delivery, or after expiry if nothing was delivered."""
    start = last_delivered_on or approval.valid_until_on
    return start + dt.timedelta(days=approval.authority.report_due_days) if start else None


# --- planning a shipment -----------------------------------------------------------------------


def covering_approvals(application: Application, start: dt.date, end: dt.date) -> list[Filing]:
    """For each required authority, an approval in force whose validity covers start..end; else the refusal."""
    approvals = approvals_of(application)
    in_force = [a for a in approvals if a.state.grants_validity]
    errors, chosen = [], []
    authorities = {a.pk: a for a in application.required_authorities.all()}
    for authority_id in required_authority_ids(application, approvals):
        own = [a for a in in_force if a.authority_id == authority_id]
        covering = [a for a in own if a.valid_from_on <= start and end <= a.valid_until_on]
        if covering:
            chosen.append(covering[-1])
            continue
        code = authorities[authority_id].code if authority_id in authorities else own[0].authority.code
        if not own:
            errors.append(f"No {code} approval is in force for this dossier, so nothing may ship yet.")
        else:
            windows = "; ".join(f"{a.reference} is valid {_span(a.valid_from_on, a.valid_until_on)}" for a in own)
            errors.append(
                f"The shipment runs {_span(start, end)}, outside the validity of every {code} approval ({windows})."
            )
    if not approvals:
        errors = ["This dossier has no approval yet, so nothing may ship."]
    if errors:
        raise ValidationError({"planned_departure_on": errors})
    return chosen


def check_limits(approvals: list[Filing], lines: list[ShipmentLine], shipment: Shipment | None = None) -> None:
    """Refuse a shipment beyond an approval's number of shipments, or carrying more than remains approved."""
    errors: dict[str, list[str]] = defaultdict(list)
    counts = shipment_counts(approvals)
    for approval in approvals:
        limit = approval.authority.max_shipments
        taken = counts.get(approval.pk, 0) - (1 if shipment is not None and shipment.pk else 0)
        if limit is not None and taken >= limit:
            errors["approvals"].append(
                f"{approval.authority.code} approval {approval.reference} allows at most {limit} "
                f"shipment{'s' * (limit != 1)}, and {taken} {'is' if taken == 1 else 'are'} already planned or made."
            )
    items = [line.item for line in lines]
    approved = approved_quantities(approvals, items)
    shipped = shipped_quantities(approvals, excluding=shipment)
    for line in lines:
        for approval in approvals:
            allowed = approved[(approval.pk, line.item.pk)]
            remaining = allowed - shipped.get((approval.pk, line.item.pk), Decimal(0))
            if line.quantity > remaining:
                errors["lines"].append(
                    f"{line.item.description}: {line.quantity.normalize():f} {line.item.unit} asked, but only "
                    f"{max(remaining, Decimal(0)).normalize():f} remain under {approval.authority.code} approval "
                    f"{approval.reference} ({allowed.normalize():f} approved)."
                )
    if errors:
        raise ValidationError(dict(errors))


def _lines_from(application: Application, lines: list[dict]) -> list[ShipmentLine]:
    items = {item.pk: item for item in application.items.all()}
    built, errors, seen = [], [], set()
    for n, raw in enumerate(lines, start=1):
        item = items.get(getattr(raw.get("item"), "pk", raw.get("item")))
        if item is None:
            errors.append(f"Line {n}: choose one of this dossier's items.")
            continue
        if item.pk in seen:
            errors.append(f"Line {n}: {item.description} is listed twice; put it on one line.")
            continue
        seen.add(item.pk)
        line = ShipmentLine(
            item=item,
            quantity=raw.get("quantity"),
            expires_on=raw.get("expires_on"),
            cold_chain=bool(raw.get("cold_chain")),
        )
        try:
            line.full_clean(exclude=["shipment"])
        except ValidationError as error:
            errors += [f"Line {n} ({item.description}): {m}" for m in error.messages]
        built.append(line)
    if not lines:
        errors.append("Add at least one item and its quantity.")
    if errors:
        raise ValidationError({"lines": errors})
    return built


def plan_shipment(application: Application, by, *, lines: list[dict], **fields) -> Shipment:
    """Plan a shipment of the dossier's goods: refused, with nothing saved, unless every required approval in
    force covers its dates, has a shipment left, and has enough of each item left."""
    unknown = set(fields) - set(SHIPMENT_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Not a field of a shipment."))
    with transaction.atomic():
        try:
            application.lock_for_update()
        except Application.DoesNotExist as gone:
            raise ValidationError("This dossier was deleted a moment ago.") from gone
        shipment = Shipment(application=application, created_by=by, **fields)
        shipment.full_clean(exclude=["reference", "application"])
        built = _lines_from(application, lines)
        approvals = covering_approvals(application, shipment.planned_departure_on, shipment.planned_arrival_on)
        check_limits(approvals, built)
        shipment.save()
        shipment.approvals.set(approvals)
        for line in built:
            line.shipment = shipment
        ShipmentLine.objects.bulk_create(built)
    return shipment


def record_departure(shipment: Shipment, departed_on: dt.date, arrived_on: dt.date | None = None) -> Shipment:
    shipment.departed_on, shipment.arrived_on = departed_on, arrived_on or shipment.arrived_on
    shipment.full_clean(exclude=["reference", "application"])
    shipment.save(update_fields=["departed_on", "arrived_on"])
    return shipment


def cancel_shipment(shipment: Shipment) -> None:
    """A shipment that never left gives back its place and its quantities."""
    if shipment.departed_on or shipment.delivered_on:
        raise AlreadyLeft(f"{shipment.reference} has left already; record what happened to it instead.")
    shipment.delete()


# --- one shipment: cleared, what to carry, what to watch ---------------------------------------


def shipment_clearance(shipment: Shipment, today: dt.date | None = None) -> Clearance:
    """Is this shipment, on its dates, with its goods, covered? Every approval it draws on must be in force
    over every day from departure to arrival (inclusive: the last valid day still counts)."""
    today = today or timezone.localdate()
    start, end = shipment.departs_on, shipment.arrives_on
    approvals = list(shipment.approvals.all())
    if not approvals:
        return Clearance(False, ["This shipment draws on no approval."])
    if shipment.stage == Shipment.Stage.PLANNED and start < today:
        return Clearance(False, [f"The planned departure, {_day(start)}, has passed: record the departure or re-plan."])
    blockers = []
    for approval in approvals:
        code = approval.authority.code
        if not approval.state.grants_validity:
            blockers.append(f"{code} approval {approval.reference} is no longer in force.")
            continue
        for gap_start, gap_end in _uncovered([(approval.valid_from_on, approval.valid_until_on)], start, end):
            blockers.append(
                f"{code} approval {approval.reference} does not cover {_span(gap_start, gap_end)} "
                f"(valid {_span(approval.valid_from_on, approval.valid_until_on)})."
            )
    return Clearance(not blockers, blockers)


def documents_to_carry(shipment: Shipment) -> list[dict]:
    """Per approval the shipment draws on: its reference and licence number, and the decision letters."""
    approvals = list(shipment.approvals.select_related("authority"))
    letters = defaultdict(list)
    for document in Document.objects.filter(filing__in=approvals, kind=Document.Kind.DECISION_LETTER):
        letters[document.filing_id].append(document)
    return [
        {
            "approval": approval,
            "authority_reference": approval.authority_reference,
            "valid": _span(approval.valid_from_on, approval.valid_until_on),
            "letters": letters[approval.pk],
        }
        for approval in approvals
    ]


def warnings_for(shipment: Shipment) -> list[str]:
    """Goods that would expire before they can be handed out, cold chain to keep, an approval lapsing early."""
    found = []
    arrives = shipment.arrives_on
    last_distribution = max((d.distributed_on for d in shipment.distributions.all()), default=None)
    for line in shipment.lines.all():
        name = line.item.description
        if line.expires_on and line.expires_on <= arrives:
            found.append(f"{name} expires on {_day(line.expires_on)}, before the shipment arrives ({_day(arrives)}).")
        elif line.expires_on and line.expires_on < arrives + EXPIRY_MARGIN:
            found.append(f"{name} expires on {_day(line.expires_on)}, less than 30 days after arrival.")
        if line.expires_on and last_distribution and line.expires_on < last_distribution:
            found.append(
                f"{name} expired on {_day(line.expires_on)}, before the distribution of {_day(last_distribution)}."
            )
        if line.cold_chain and shipment.mode != Shipment.Mode.AIR and (arrives - shipment.departs_on).days > 14:
            found.append(f"{name} needs a cold chain over {(arrives - shipment.departs_on).days} days in transit.")
    ship_until = shipment.application.ship_until_on
    for approval in shipment.approvals.all():
        if ship_until and approval.valid_until_on < ship_until:
            found.append(
                f"{approval.authority.code} approval {approval.reference} lapses on {_day(approval.valid_until_on)}, "
                f"before the last planned shipment ({_day(ship_until)}): request an extension in time."
            )
    return found
