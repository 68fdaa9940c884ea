"""What the UN 1718 procedure adds to the engine's transitions: which way a request goes (direct or through a
forwarding body), the channel check when it is filed, and the forwarding body's transmission that starts the
Committee's clock. Effects and guards as the engine calls them; nothing here writes."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError

from . import deadlines
from . import procedures as p
from .models import Filing, channel_errors, linked_filing_errors

# The conditions transitions are declared with (`Transition.guard`), one predicate on the filing per name.
GUARDS = {
    p.FILED_DIRECT: lambda filing: not filing.is_forwarded,
    p.FILED_THROUGH_FORWARDER: lambda filing: filing.is_forwarded,
    # BIS decides only what it has registered (its clock runs from then); a case is registered once.
    p.REGISTERED: lambda filing: bool(filing.registration_number),
    p.NOT_REGISTERED: lambda filing: not filing.registration_number,
}
assert set(GUARDS) == {t.guard for proc in p.PROCEDURES.values() for t in proc.transitions if t.guard}


def admits(filing: Filing, transition: p.Transition) -> bool:
    """Whether the transition's guard, if it has one, holds for this filing."""
    return transition.guard is None or GUARDS[transition.guard](filing)


def admits_registered(transition: p.Transition, registered: bool) -> bool:
    """`admits` from the filing's registration alone, as a list reads it without the filing; a routing guard is
    not checked there (the transitions it tells apart share their name and their form)."""
    wanted = {p.REGISTERED: True, p.NOT_REGISTERED: False}.get(transition.guard)
    return wanted is None or wanted == registered


def check_channel(filing, plan, cleaned):
    errors = {**channel_errors(filing, plan.at), **linked_filing_errors(filing)}
    if errors:
        raise ValidationError(errors)


def record_transmission(filing, plan, cleaned):
    """The forwarding body's transmission date starts the authority's clock; the time before is not the
    authority's (Filing.forwarding_time)."""
    zone = filing.authority.time_zone
    transmitted_on = cleaned["transmitted_on"]
    submitted_on = deadlines.in_zone(filing.submitted_at, deadlines.zone(zone)).date()
    today = deadlines.in_zone(plan.at, deadlines.zone(zone)).date()
    if not submitted_on <= transmitted_on <= today:
        raise ValidationError(
            {"transmitted_on": f"Give a date from the filing ({submitted_on:%d %b %Y}) to today ({today:%d %b %Y})."}
        )
    plan.changes["forwarded_at"] = max(deadlines.start_of_day(transmitted_on, zone), filing.submitted_at)


def approval_day(filing, at) -> dt.date:
    """The day, in the authority's zone, the Committee approved `filing` (awaiting confirmation since then), or
    `at`'s day when it has not entered that state yet."""
    approved_at = filing.status_changed_at or at
    return deadlines.in_zone(approved_at, deadlines.zone(filing.authority.time_zone)).date()


def record_approval(filing, plan, cleaned, record):
    """The Committee approves when its no-objection period ends without objection (the filing entered the state
    staff confirm from then), so the validity runs from that day, whatever holds came before. `record` writes an
    approval with the dates it is given (the engine's own)."""
    authority = filing.authority
    approved_on = approval_day(filing, plan.at)
    months = cleaned.get("validity_months") or authority.default_validity_months
    valid_until = approved_on + relativedelta(months=months)
    record(filing, plan, {**cleaned, "valid_from_on": approved_on, "valid_until_on": valid_until})
    plan.changes["validity_justification"] = cleaned.get("validity_justification", "")
    plan.event_payload.update(
        validity_months=months, valid_from_on=approved_on.isoformat(), valid_until_on=valid_until.isoformat()
    )
