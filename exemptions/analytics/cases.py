"""What the figures are made of: one `Case` per filed request, read in three bounded queries whatever the number
of filings (the filings' own columns, the audit events that stop or restart a clock or refuse a request, and the
first shipment of each approval). Everything else is arithmetic on these in Python, the same on PostgreSQL and
SQLite.

The clocks, read from the procedures' declarations (no state or action is named here):
- the applicant's time is `Filing.applicant_wait_seconds`: the engine counts every spell in a state that waits on
  the applicant with the clock stopped (an information request, a hold's questions), exemptions/clocks.py;
- a Member State's (or other forwarding body's) time runs from the filing to `Filing.forwarded_at`;
- a hold is a spell with the clock stopped that began by entering a state with the HOLD deadline, and lasts until
  the clock runs again (its questions to the applicant included); a hold still running counts up to now.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db.models import Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from .. import procedures
from ..models import Event, Shipment

DAY_SECONDS = 86400


def actions_with(effect: str) -> set[str]:
    return {t.name for p in procedures.PROCEDURES.values() for t in p.with_effect(effect)}


def refusal_outcomes() -> list[str]:
    """The states a refusal leads to (denied, returned as incomplete, objected, …), in declaration order."""
    found: list[str] = []
    for procedure in procedures.PROCEDURES.values():
        for transition in procedure.with_effect(procedures.RECORD_REFUSAL):
            if transition.target and transition.target not in found:
                found.append(transition.target)
    return found


def outcome_label(state_name: str) -> str:
    state = procedures.ALL_STATES.get(state_name)
    return state.staff_label if state else state_name


@dataclass
class Case:
    pk: int
    authority_code: str
    authority_name: str
    workflow_key: str
    legal_basis: str
    channel: str
    submitted_at: dt.datetime
    forwarded_at: dt.datetime | None
    decided_at: dt.datetime | None
    approved_on: dt.date | None  # the day of the approval (the authority's zone); None unless approved
    valid_until_on: dt.date | None
    decision_reasons: str
    applicant_wait_seconds: int  # as the engine counted it
    hold_seconds: int = 0
    held: bool = False
    questions_asked: bool = False
    refusal: str = ""  # the state a refusal led to, else ""
    first_shipment_on: dt.date | None = None

    @property
    def decided(self) -> bool:
        return self.decided_at is not None

    @property
    def forwarding_seconds(self) -> float:
        return (self.forwarded_at - self.submitted_at).total_seconds() if self.forwarded_at else 0.0

    @property
    def days_to_decision(self) -> float | None:
        """Filing to decision, net of the applicant's time."""
        if not self.decided:
            return None
        return ((self.decided_at - self.submitted_at).total_seconds() - self.applicant_wait_seconds) / DAY_SECONDS

    @property
    def authority_days(self) -> float | None:
        """The authority's own time: from its receipt (after any Member State's) to the decision, net of the
        applicant's time."""
        if not self.decided:
            return None
        return self.days_to_decision - self.forwarding_seconds / DAY_SECONDS

    @property
    def forwarding_days(self) -> float | None:
        return self.forwarding_seconds / DAY_SECONDS if self.forwarded_at else None

    @property
    def hold_days(self) -> float | None:
        return self.hold_seconds / DAY_SECONDS if self.held else None

    @property
    def approved(self) -> bool:
        return self.approved_on is not None

    def validity_ended(self, today: dt.date) -> bool:
        return self.approved and self.valid_until_on is not None and self.valid_until_on < today

    def lapsed_unused(self, today: dt.date) -> bool:
        """Approved, its validity over, and no shipment drawing on it ever left."""
        return self.validity_ended(today) and self.first_shipment_on is None

    @property
    def days_to_first_shipment(self) -> float | None:
        if not (self.approved and self.first_shipment_on):
            return None
        return float((self.first_shipment_on - self.approved_on).days)


def _local_day(moment: dt.datetime, zone: str) -> dt.date:
    try:
        return moment.astimezone(zoneinfo.ZoneInfo(zone)).date()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return moment.astimezone(dt.UTC).date()


def load_cases(filings) -> list[Case]:
    """The cases of a queryset of filings; drafts (never filed) are not cases."""
    filed = filings.filter(submitted_at__isnull=False)
    columns = (
        "pk", "authority__code", "authority__name", "authority__workflow_key", "authority__time_zone", "legal_basis",
        "submission_channel", "submitted_at", "forwarded_at", "decided_at", "valid_from_on", "valid_until_on",
        "decision_reasons", "applicant_wait_seconds", "route",
    )  # fmt: skip
    cases: dict[int, Case] = {}
    for (pk, code, name, workflow, zone, basis, channel, submitted, forwarded, decided, valid_from, valid_until,
         reasons, waited, route) in filed.order_by("pk").values_list(*columns):  # fmt: skip
        approved_on = _local_day(decided, zone) if decided and valid_from else None
        cases[pk] = Case(
            pk, code, name, route or workflow, basis, channel, submitted, forwarded, decided, approved_on, valid_until,
            reasons or "", waited,
        )  # fmt: skip
    if cases:
        _read_trails(filed, cases)
        _read_shipments(filed, cases)
    return list(cases.values())


def _state(workflow_key: str, name: str) -> procedures.State | None:
    procedure = procedures.PROCEDURES.get(workflow_key)
    try:
        return procedure.state(name) if procedure else procedures.ALL_STATES.get(name)
    except KeyError:
        return procedures.ALL_STATES.get(name)


def _read_trails(filed, cases: dict[int, Case]) -> None:
    stopping = procedures.states_where(stops_clock=True)
    asking, refusing = actions_with(procedures.POST_INFORMATION_REQUEST), actions_with(procedures.RECORD_REFUSAL)
    events = Event.objects.filter(filing__in=filed.values("pk")).filter(
        Q(from_status__in=stopping) | Q(to_status__in=stopping) | Q(action__in=asking | refusing)
    )
    now = timezone.now()
    current: dict[int, dict] = {}
    rows = events.order_by("filing_id", "sequence").values_list(
        "filing_id", "action", "from_status", "to_status", "created_at"
    )
    for filing_id, action, source_name, target_name, at in rows:
        case = cases[filing_id]
        source, target = _state(case.workflow_key, source_name), _state(case.workflow_key, target_name)
        if source is None or target is None:
            continue  # a state its authority's procedure no longer declares: no clock to read from it
        spell = current.setdefault(filing_id, {})
        if action in asking:
            case.questions_asked = True
        if action in refusing:
            case.refusal = target_name
        if target.stops_clock and not source.stops_clock and target.deadline == procedures.HOLD:
            spell["hold"], case.held = at, True
        if source.stops_clock and not target.stops_clock and "hold" in spell:
            case.hold_seconds += int((at - spell.pop("hold")).total_seconds())
    for filing_id, spell in current.items():
        if "hold" in spell:
            cases[filing_id].hold_seconds += int((now - spell["hold"]).total_seconds())


def _read_shipments(filed, cases: dict[int, Case]) -> None:
    """The day the first shipment drawing on each approval left (departed, or delivered without a departure on
    record). A planned shipment has not drawn on anything yet."""
    links = Shipment.approvals.through.objects.filter(filing__in=filed.values("pk"))
    left = Coalesce("shipment__departed_on", "shipment__delivered_on")
    firsts = links.filter(Q(shipment__departed_on__isnull=False) | Q(shipment__delivered_on__isnull=False))
    for filing_id, first in firsts.values("filing_id").annotate(first=Min(left)).values_list("filing_id", "first"):
        cases[filing_id].first_shipment_on = first
