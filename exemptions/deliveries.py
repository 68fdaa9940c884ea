"""What happened to a shipment's goods once they left: delivered to the consignee (received, damaged, lost) and
distributed per facility to the people they were for. Each write validates everything before it saves anything."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from . import clocks, engine
from . import procedures as p
from .models import Distribution, DistributionLine, Filing, Shipment, ShipmentLine


def refresh_report_deadline(filing: Filing) -> None:
    """A delivery recorded while the report is due moves the report deadline to follow it. Only `due_at`
    changes (the status and version stay), and only while the filing is still in that state."""
    deadline = filing.state.deadline
    if not (deadline and deadline.after == p.REPORT_COUNTS_FROM):
        return
    due_at = clocks.deadline_at(deadline, filing, timezone.now())
    if due_at != filing.due_at:
        Filing.objects.filter(pk=filing.pk, status=filing.status).update(due_at=due_at)
        filing.due_at = due_at


class NotDelivered(engine.Conflict):
    """Distributions come after the delivery (API: 409)."""


def _amount(raw, what: str, errors: list[str]) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw))
    except ArithmeticError:
        errors.append(f"{what}: enter a number.")
        return None
    if not value.is_finite() or value < 0 or value >= Decimal("1e11"):
        errors.append(f"{what}: enter a number of 0 or more.")
        return None
    return value


def record_delivery(shipment: Shipment, *, delivered_on, received_by: str, notes: str = "", lines=()) -> Shipment:
    """The consignee signed for the goods: when, who, and per line what was received, damaged or lost.
    `lines`: [{"item": item id, "received": …, "damaged": …, "lost": …}]; a line not given keeps its counts.
    Moves the report deadline of the approvals it drew on to follow the last delivery."""
    by_item = {line.item_id: line for line in shipment.lines.select_related("item")}
    errors: list[str] = []
    touched = []
    for raw in lines:
        item_id = getattr(raw.get("item"), "pk", raw.get("item"))
        line = by_item.get(item_id) if isinstance(item_id, int) else None
        if line is None:
            errors.append(f"{raw.get('item')!r} is not an item of {shipment.reference}.")
            continue
        for name in ("received", "damaged", "lost"):
            setattr(line, name, _amount(raw.get(name), f"{line.item.description}, {name}", errors))
        touched.append(line)
    shipment.delivered_on, shipment.received_by, shipment.delivery_notes = delivered_on, received_by, notes
    if not shipment.departed_on:
        shipment.departed_on = shipment.planned_departure_on if shipment.planned_departure_on <= delivered_on else None
    if not (received_by or "").strip():
        errors.append("Name the consignee who received the goods.")
    handed_out = dict(
        DistributionLine.objects.filter(distribution__shipment=shipment)
        .values_list("item_id")
        .annotate(total=Sum("quantity"))
    )
    for line in touched:
        try:
            line.full_clean(exclude=["shipment", "item"])
        except ValidationError as error:
            errors += [f"{line.item.description}: {m}" for m in error.messages]
        if handed_out.get(line.item_id, 0) > (line.received or 0):
            errors.append(
                f"{line.item.description}: {handed_out[line.item_id].normalize():f} were already distributed, more "
                "than the quantity received you give."
            )
    try:
        shipment.full_clean(exclude=["reference", "application"])
    except ValidationError as error:
        if not errors:
            raise
        errors += error.messages
    if errors:
        raise ValidationError({"lines": errors} if touched or lines else errors)
    with transaction.atomic():
        shipment.save(update_fields=["delivered_on", "received_by", "delivery_notes", "departed_on"])
        ShipmentLine.objects.bulk_update(touched, ["received", "damaged", "lost"])
        for approval in shipment.approvals.select_related("authority"):
            refresh_report_deadline(approval)
    return shipment


def record_distribution(shipment: Shipment, by, *, lines=(), **fields) -> Distribution:
    """Goods handed out at one facility. Refused, with nothing saved, before delivery or beyond what arrived:
    a shipment's distributions never add up to more than was received of an item (two recorded at once wait
    for each other on the shipment's row)."""
    with transaction.atomic():
        Shipment.objects.select_for_update().filter(pk=shipment.pk).first()
        return _record_distribution(shipment, by, lines, fields)


def _record_distribution(shipment: Shipment, by, lines, fields) -> Distribution:
    if not shipment.delivered_on:
        raise NotDelivered(f"Record the delivery of {shipment.reference} before its distributions.")
    allowed = {"facility", "location", "distributed_on", "beneficiaries_planned", "beneficiaries_reached", "notes"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Not a field of a distribution."))
    distribution = Distribution(shipment=shipment, created_by=by, **fields)
    distribution.full_clean(exclude=["shipment"])
    if distribution.distributed_on < shipment.delivered_on:
        raise ValidationError({"distributed_on": "A distribution comes on or after the delivery."})
    shipment_lines = {line.item_id: line for line in shipment.lines.select_related("item")}
    already = dict(
        DistributionLine.objects.filter(distribution__shipment=shipment)
        .values_list("item_id")
        .annotate(total=Sum("quantity"))
    )
    errors: list[str] = []
    built, wanted = [], defaultdict(Decimal)
    for raw in lines:
        item_id = getattr(raw.get("item"), "pk", raw.get("item"))
        line = shipment_lines.get(item_id) if isinstance(item_id, int) else None
        quantity = _amount(raw.get("quantity"), "Quantity", errors)
        if line is None:
            errors.append(f"{raw.get('item')!r} is not an item of {shipment.reference}.")
            continue
        if not quantity:
            continue
        if item_id in wanted:
            errors.append(f"{line.item.description} is listed twice; put it on one line.")
            continue
        wanted[item_id] += quantity
        available = (line.received or Decimal(0)) - already.get(item_id, Decimal(0))
        if wanted[item_id] > available:
            errors.append(
                f"{line.item.description}: {wanted[item_id].normalize():f} {line.item.unit} to distribute, but only "
                f"{max(available, Decimal(0)).normalize():f} received and not yet distributed."
            )
        built.append(DistributionLine(item_id=item_id, quantity=quantity))
    if not built and not errors:
        errors.append("Give the quantity distributed of at least one item.")
    if errors:
        raise ValidationError({"lines": errors})
    distribution.save()
    for line in built:
        line.distribution = distribution
    DistributionLine.objects.bulk_create(built)
    return distribution
