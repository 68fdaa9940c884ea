"""What OFAC's procedures add to the engine's transitions: the general licence's notification, which must reach
the State Department early enough before the activity and is cleared by silence, and the case number OFAC quotes
while a specific licence is pending. Effects as the engine calls them; nothing here writes."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from . import deadlines, procedures
from .procedures.ofac_gl import UN_APPROVED, UN_BASIS, UN_BASIS_DETAIL, UN_PENDING


def _local_day(at: dt.datetime, filing) -> dt.date:
    return deadlines.in_zone(at, deadlines.zone(filing.authority.time_zone)).date()


def check_notice_lead(filing, plan, cleaned):
    """31 CFR § 510.512: the report reaches the State Department at least N calendar days (the authority's
    `notification_lead_days`) before the activity starts, so a notification sent later is refused, not filed."""
    starts_on = filing.application.ship_from_on
    if starts_on is None:
        return  # the dossier's missing shipment window is reported when it is snapshotted
    lead = filing.authority.notification_lead_days
    latest = starts_on - dt.timedelta(days=lead)
    today = _local_day(plan.at, filing)
    if today > latest:
        raise ValidationError(
            {
                "ship_from_on": f"{filing.authority.code} must be notified at least {lead} days before the shipment "
                f"starts: for a start on {starts_on:%d %b %Y} the last day to notify was {latest:%d %b %Y}. Move the "
                f"shipment window to {today + dt.timedelta(days=lead):%d %b %Y} or later, or apply for a specific "
                "licence."
            }
        )


def record_clearance(filing, plan, cleaned):
    """The window closed without objection: the activity is cleared from today to the end of its shipment
    window, which cleared-to-ship then counts like an approval's validity."""
    plan.changes.update(
        decided_at=plan.at,
        valid_from_on=_local_day(plan.at, filing),
        valid_until_on=filing.application.ship_until_on,
        decision_reasons="",
    )


def record_case_number(filing, plan, cleaned):
    plan.changes["case_number"] = cleaned["case_number"]


def un_basis_of(application) -> dict:
    """What a notification would say of the UN side, read from the dossier's UN 1718 filings: the approval in force,
    else the request pending; empty when there is neither (the applicant says why none is needed). The notification
    form starts from it, so the applicant confirms what the dossier already shows instead of typing it again."""
    un = [f for f in application.filings.all() if f.procedure is procedures.UN1718]
    for filing in un:
        if filing.state.grants_validity:
            until = f", valid until {filing.valid_until_on:%d %b %Y}" if filing.valid_until_on else ""
            return {UN_BASIS.name: UN_APPROVED, UN_BASIS_DETAIL.name: f"{filing.reference}, approved{until}."}
    for filing in un:
        if filing.status in procedures.PENDING_STATES and filing.submitted_at:
            filed = f"{filing.reference}, filed {filing.submitted_at:%d %b %Y}, pending."
            return {UN_BASIS.name: UN_PENDING, UN_BASIS_DETAIL.name: filed}
    return {}
