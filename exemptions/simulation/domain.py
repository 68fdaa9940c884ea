"""Domain rules a simulated year must keep, each checked against the rows, not against the code that enforces
it: validity caps, shipments inside their approvals (quantities and dates), linked filings after the filing
they wait on, notifications in time and windows closed by silence when they end, and incident reports chased once
their window closes. `Violation` names the rule and the case."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from .. import deadlines, procedures
from ..emails import INCIDENT_ESCALATION
from ..models import ApprovedQuantity, Event, Filing, Incident, OutgoingEmail, Shipment, ShipmentLine

VALIDITY_CAP = "an approval's validity stays within the authority's cap (UN 1718: 6 months, 9 with a justification)"
WITHIN_APPROVAL = "shipments never exceed approved quantities nor ship outside the validity of their approvals"
LINKED = "a filing that waits on another authority is filed only after that authority approved the dossier"
INCIDENT_CHASED = "an incident not reported by its due day is escalated at the first sweep after that day ends"
NOTIFICATION_WINDOW = (
    "a notification reaches the authority its lead time before the activity, and a window closes by silence at the "
    "first sweep after it ends, never before"
)
DOMAIN_RULES = (VALIDITY_CAP, WITHIN_APPROVAL, LINKED, NOTIFICATION_WINDOW, INCIDENT_CHASED)

GRANTING = procedures.states_where(grants_validity=True)


def capped_by_months(procedure: procedures.Procedure) -> bool:
    """Whether the procedure grants validity in months from the approval (the Committee's)."""
    return any(procedures.VALIDITY_MONTHS in t.payload for t in procedure.transitions)


def within(queryset, ids: set, column: str = "pk"):
    """The rows of `queryset` whose `column` is one of `ids` (this run's filings or dossiers). A run's rows have
    consecutive keys from its first one: the database is asked for the range, not for a list of thousands of
    keys compiled and planned anew at every sweep; the set drops another run's rows."""
    if not ids:
        return
    for row in queryset.filter(**{f"{column}__gte": min(ids)}):
        if getattr(row, column) in ids:
            yield row


def check_validity_caps(filings, checks, violation) -> None:
    for filing in filings:
        if not (filing.valid_from_on and filing.valid_until_on) or not capped_by_months(filing.procedure):
            continue
        checks[VALIDITY_CAP] += 1
        authority = filing.authority
        longest = filing.valid_from_on + relativedelta(months=authority.max_validity_months)
        usual = filing.valid_from_on + relativedelta(months=authority.default_validity_months)
        if filing.valid_until_on > longest:
            raise violation(VALIDITY_CAP, filing.reference, f"valid until {filing.valid_until_on}, cap {longest}")
        if filing.valid_until_on > usual and not filing.validity_justification.strip():
            raise violation(
                VALIDITY_CAP, filing.reference, f"valid until {filing.valid_until_on} with no justification"
            )


def check_shipments(application_ids, checks, violation) -> None:
    """Per approval and item, what its shipments carry (planned ones included) never exceeds what it allows;
    every shipment runs inside the validity of every approval it draws on."""
    shipments = Shipment.objects.filter(application_id__in=application_ids).prefetch_related("approvals", "lines")
    carried: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    approvals = {}
    for shipment in shipments:
        for approval in shipment.approvals.all():
            approvals[approval.pk] = approval
            checks[WITHIN_APPROVAL] += 1
            if not (approval.valid_from_on <= shipment.planned_departure_on <= shipment.planned_arrival_on):
                raise violation(WITHIN_APPROVAL, shipment.reference, f"departs before {approval.reference} is valid")
            if shipment.planned_arrival_on > approval.valid_until_on:
                raise violation(
                    WITHIN_APPROVAL,
                    shipment.reference,
                    f"arrives after {approval.reference} ends ({approval.valid_until_on})",
                )
            for line in shipment.lines.all():
                carried[(approval.pk, line.item_id)] += line.quantity
    granted = {
        (row.filing_id, row.item_id): row.quantity
        for row in ApprovedQuantity.objects.filter(filing_id__in=approvals, quantity__isnull=False)
    }
    requested = dict(
        ShipmentLine.objects.filter(shipment__application_id__in=application_ids).values_list(
            "item_id", "item__quantity"
        )
    )
    for (approval_id, item_id), total in carried.items():
        allowed = granted.get((approval_id, item_id), requested[item_id])
        if total > allowed:
            reference = approvals[approval_id].reference
            raise violation(WITHIN_APPROVAL, reference, f"item {item_id}: {total} shipped of {allowed} approved")


def check_linked(filings_by_id: dict, waits_on: dict, checks, violation) -> None:
    """`waits_on`: filing id -> the id of the filing whose approval it waits for (EU after the Committee)."""
    for filing_id, other_id in waits_on.items():
        filing, other = filings_by_id.get(filing_id), filings_by_id.get(other_id)
        if filing is None or other is None or filing.submitted_at is None:
            continue
        checks[LINKED] += 1
        if other.decided_at is None or other.decided_at > filing.submitted_at or other.valid_from_on is None:
            raise violation(
                LINKED, filing.reference, f"filed {filing.submitted_at} before {other.reference} was approved"
            )


def check_notice_lead(filing: Filing, at: dt.datetime, checks, violation) -> None:
    """A notification (OFAC's general licence) filed at `at` came at least the authority's lead days before the
    dossier's shipment starts, counted on the authority's calendar days."""
    checks[NOTIFICATION_WINDOW] += 1
    filed_on = deadlines.in_zone(at, deadlines.zone(filing.authority.time_zone)).date()
    starts_on, lead = filing.application.ship_from_on, filing.authority.notification_lead_days
    if filed_on > starts_on - dt.timedelta(days=lead):
        raise violation(
            NOTIFICATION_WINDOW, filing.reference, f"notified on {filed_on}, the shipment starts {starts_on}"
        )


def check_silence(event: Event, previous: dt.datetime | None, checks, violation) -> None:
    """A window closed by silence (`event`, the clock's move) closed at the first sweep after its deadline: the
    deadline the event before it left, passed by now and not yet by the previous sweep."""
    checks[NOTIFICATION_WINDOW] += 1
    before = Event.objects.filter(filing_id=event.filing_id, sequence=event.sequence - 1)
    deadline = before.values_list("due_at", flat=True).first()
    if deadline is None or event.created_at < deadline or (previous is not None and previous >= deadline):
        raise violation(
            NOTIFICATION_WINDOW, event.filing.reference, f"closed at {event.created_at}, the window ended {deadline}"
        )


def check_incidents(application_ids, now: dt.datetime, previous: dt.datetime | None, checks, violation) -> None:
    """Incidents whose report window closed since the previous sweep, still unreported: escalated now."""
    unreported = Incident.objects.filter(reported_on__isnull=True, report_due_on__lte=now.date())
    for incident in within(unreported.select_related("authority"), application_ids, "application_id"):
        closed = deadlines.end_of_day(incident.report_due_on, incident.authority.time_zone)
        if closed >= now or (previous is not None and closed < previous):
            continue
        checks[INCIDENT_CHASED] += 1
        chased = OutgoingEmail.objects.filter(
            family=OutgoingEmail.Family.INCIDENT, incident=incident, offset=INCIDENT_ESCALATION
        )
        if not chased.exists():
            raise violation(INCIDENT_CHASED, str(incident.application.reference), f"incident {incident.pk} not chased")


def decided_filings(filing_ids):
    return Filing.objects.filter(pk__in=filing_ids, status__in=GRANTING).select_related("authority")
