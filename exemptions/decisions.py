"""The facts a decision is taken on: what was recommended or requested, pre-filled into the form that decides it
and shown beside it, and a warning when the validity given would not cover the dossier's shipment window.

Staff confirming a Committee approval, a reviewer approving a licence and a reviewer ruling on an extension all
decide on facts already on the case (a recommendation, the dossier's shipment window, the applicant's request);
the forms start from them instead of from blank fields that silently keep or drop them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.dateparse import parse_date

from . import committee
from . import procedures as p
from .models import Filing

VALIDITY_EFFECTS = frozenset({p.RECORD_COMMITTEE_APPROVAL, p.EXTEND_VALIDITY, p.RECORD_APPROVAL})


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%b %Y}"


def requested_extension(filing: Filing) -> dt.date | None:
    """The end of validity the applicant asked for, while that request waits for the authority's ruling."""
    asking = filing.procedure.with_effect(p.CHECK_EXTENSION_REQUEST)
    if not any(filing.status == t.target for t in asking):
        return None
    names = {t.name for t in asking}
    events = filing.events.all()
    latest = next((e for e in reversed(list(events)) if e.action in names), None)
    raw = (latest.payload or {}).get("requested_until_on") if latest else None
    return parse_date(raw) if isinstance(raw, str) else None


def _proposed_validity(filing: Filing, today: dt.date) -> tuple[dt.date, dt.date]:
    """A first validity for an approval: from today, for the authority's usual term, or up to the end of the
    shipment window when that lies later (never beyond the longest term the authority grants)."""
    authority = filing.authority
    until = today + relativedelta(months=authority.default_validity_months)
    ship_until = filing.application.ship_until_on
    if ship_until and ship_until > until:
        until = min(ship_until, today + relativedelta(months=authority.max_validity_months))
    return today, until


def prefill(filing: Filing, transition: p.Transition, today: dt.date | None = None) -> dict:
    """Initial values of the form of `transition` on `filing`: the date an extension asked for, a validity
    matching the shipment window for a first approval (a Committee approval counts months from its own day)."""
    effects = set(transition.effects)
    names = {f.name for f in transition.payload}
    values: dict = {}
    if p.EXTEND_VALIDITY in effects:
        values = {"valid_until_on": requested_extension(filing)}
    elif p.RECORD_APPROVAL in effects:
        valid_from, valid_until = _proposed_validity(filing, today or timezone.localdate())
        values = {"valid_from_on": valid_from, "valid_until_on": valid_until}
    return {k: v for k, v in values.items() if k in names and v not in (None, "")}


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


def facts(filing: Filing, transition: p.Transition) -> list[Fact]:
    """What the person deciding should see beside the form: the recommendation or the request, the current
    validity, and the shipment window the approval has to cover."""
    effects = set(transition.effects)
    application = filing.application
    rows: list[Fact] = []
    if p.RECORD_COMMITTEE_APPROVAL in effects:
        authority = filing.authority
        start, end = validity_in_view(filing, transition, {})
        rows.append(
            Fact(
                "Validity by default",
                f"{_day(start)} – {_day(end)} ({authority.default_validity_months} months from the approval; up to "
                f"{authority.max_validity_months} with a justification)",
            )
        )
    if p.EXTEND_VALIDITY in effects:
        requested = requested_extension(filing)
        if requested:
            rows.append(Fact("Extension requested until", _day(requested)))
        if filing.valid_until_on:
            rows.append(Fact("Valid until now", _day(filing.valid_until_on)))
    if effects & VALIDITY_EFFECTS and application.ship_from_on and application.ship_until_on:
        rows.append(Fact("Shipment window", f"{_day(application.ship_from_on)} – {_day(application.ship_until_on)}"))
    return rows


def validity_in_view(filing: Filing, transition: p.Transition, prefilled: dict) -> tuple:
    """The validity the form of `transition` would give as it stands: a Committee approval's default months from
    the day the Committee approved (committee.approval_day), else the prefilled or current dates."""
    if p.RECORD_COMMITTEE_APPROVAL in transition.effects:
        start = committee.approval_day(filing, timezone.now())
        return start, start + relativedelta(months=filing.authority.default_validity_months)
    return prefilled.get("valid_from_on", filing.valid_from_on), prefilled.get("valid_until_on", filing.valid_until_on)


def coverage_warning(filing: Filing, valid_from: dt.date | None, valid_until: dt.date | None) -> str:
    """A sentence when the validity `valid_from`..`valid_until` leaves part of the dossier's shipment window
    uncovered (the applicant would not be cleared to ship then); empty when it covers it or nothing is known.
    A warning, not a refusal: the authority may grant less than was asked."""
    application = filing.application
    start, end = application.ship_from_on, application.ship_until_on
    if not (start and end and valid_from and valid_until):
        return ""
    gaps = []
    if valid_from > start:
        gaps.append(f"starts on {_day(valid_from)}, after the shipment window opens on {_day(start)}")
    if valid_until < end:
        gaps.append(f"ends on {_day(valid_until)}, before the shipment window closes on {_day(end)}")
    if not gaps:
        return ""
    return (
        f"This validity {' and '.join(gaps)}: the applicant will not be cleared to ship for the whole window. "
        "You may still decide so."
    )


def sets_validity(transition: p.Transition) -> bool:
    """Whether the transition gives or changes an approval's validity (and so may leave the window uncovered)."""
    return bool(set(transition.effects) & VALIDITY_EFFECTS)
