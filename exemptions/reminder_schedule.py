"""The reminder schedule as data, and the arithmetic that says which reminder is due: pure, no database.

For each deadline kind (procedures.Deadline.kind) the schedule says how many working or calendar days before
the deadline a reminder goes out, whether an "overdue" reminder follows once it has passed, and who receives
them. The defaults below are overridden per kind by settings.REMINDER_SCHEDULE and per authority by
Authority.reminder_schedule (validated here, at the model's clean()). DEADLINE_WORDING is the one place
that says what each deadline means to people: the label on the case page, the subject of its reminder and
what to do about it. Of this app it imports only `exemptions.deadlines` (business-day arithmetic, pure), so
models, views and the sweep can all read this module without an import cycle.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from django.core.exceptions import ValidationError

from . import deadlines

# Audiences: "applicants" (members of the applicant organization), "reviewer" (the assigned reviewer, or
# every reviewer of the authority while none is assigned), "staff" (the authority's staff: escalation).
DEFAULT_REMINDER_SCHEDULE = {
    "reply": {"working_days_before": [5, 1], "overdue": True, "to": ["applicants"], "overdue_to": ["applicants"]},
    "review": {"working_days_before": [2], "overdue": True, "to": ["reviewer"], "overdue_to": ["reviewer", "staff"]},
    "no_objection": {"working_days_before": [1], "overdue": True, "to": ["reviewer", "staff"], "overdue_to": ["staff"]},
    "confirmation": {"overdue": True, "to": ["staff"], "overdue_to": ["staff"]},
    # A notification's objection window closes by itself: staff are told in time to record State's objection.
    "objection_window": {"days_before": [2], "overdue": False, "to": ["staff"], "overdue_to": ["staff"]},
    # A member's hold: staff are reminded once it has lasted the authority's hold_reminder_working_days.
    "hold": {"overdue": True, "to": ["staff"], "overdue_to": ["staff"]},
    "extension_review": {
        "working_days_before": [2],
        "overdue": True,
        "to": ["reviewer"],
        "overdue_to": ["reviewer", "staff"],
    },
    "expiry": {"days_before": [60, 30, 7], "overdue": False, "to": ["applicants"], "overdue_to": ["applicants"]},
    "report": {"days_before": [14], "overdue": True, "to": ["applicants"], "overdue_to": ["applicants"]},
}
AUDIENCES = {"applicants", "reviewer", "staff"}
SCHEDULE_KEYS = {"working_days_before", "days_before", "overdue", "to", "overdue_to"}


class Wording(NamedTuple):
    label: str  # beside the date on the case page
    task: str  # what is to be done, as a subject opens: "Reply needed" ("… by 15 Dec", "… overdue since 15 Dec")
    what_to_do: str  # the reminder's call to action
    acts: str  # the audience whose move it is (an escalation is an overdue reminder to anyone else)
    by: str = "by"  # how the date joins the task: "Reply needed by 15 Dec", "Approval ends on 30 Jun"


DEADLINE_WORDING = {
    "reply": Wording("Reply due", "Reply needed", "Send the information the authority asked for.", "applicants"),
    "review": Wording(
        "Review due", "Decision needed", "Decide the request or request information from the applicant.", "reviewer"
    ),
    "no_objection": Wording(
        "No-objection period ends",
        "No-objection period ends",
        "Record any member's hold before the period ends; without one, approval is proposed.",
        "reviewer",
        by="on",
    ),
    "objection_window": Wording(
        "Objection window closes",
        "Objection window closes",
        "Record any objection from the State Department before the window closes; without one, it is cleared.",
        "staff",
        by="on",
    ),
    "confirmation": Wording(
        "Confirmation due",
        "Confirm the proposed approval",
        "Confirm the approval the Committee did not object to.",
        "staff",
    ),
    "hold": Wording(
        "Hold reminder due",
        "Follow up the member's hold",
        "Ask the member what would lift the hold, or pass its questions to the applicant.",
        "staff",
        by="from",
    ),
    "extension_review": Wording(
        "Extension decision due",
        "Decide the extension request",
        "Approve or deny the requested extension.",
        "reviewer",
    ),
    "expiry": Wording(
        "Approval expires",
        "Approval ends",
        "If shipments will not be complete by then, request an extension now.",
        "applicants",
        by="on",
    ),
    "report": Wording(
        "Delivery report due", "Delivery report needed", "File the delivery and end-use report.", "applicants"
    ),
}

HOLIDAY_SLACK_DAYS = 12  # most holidays a stretch of working days can straddle, for the coarse SQL window


def validate_reminder_schedule(schedule) -> None:
    """Raise ValidationError unless `schedule` is a valid override: {deadline kind: {key: value}}."""
    if schedule in (None, ""):
        return
    if not isinstance(schedule, dict):
        raise ValidationError({"reminder_schedule": "Give an object keyed by deadline kind."})
    for kind, entry in schedule.items():
        where = f"reminder_schedule.{kind}"
        if kind not in DEFAULT_REMINDER_SCHEDULE:
            raise ValidationError(
                {"reminder_schedule": f"Unknown deadline kind '{kind}'; use {', '.join(DEFAULT_REMINDER_SCHEDULE)}."}
            )
        if not isinstance(entry, dict) or set(entry) - SCHEDULE_KEYS:
            raise ValidationError({"reminder_schedule": f"{where} takes only {', '.join(sorted(SCHEDULE_KEYS))}."})
        for key in ("working_days_before", "days_before"):
            values = entry.get(key, [])
            if not isinstance(values, list) or not all(isinstance(v, int) and 0 < v <= 400 for v in values):
                raise ValidationError({"reminder_schedule": f"{where}.{key} must be a list of whole days (1–400)."})
        for key in ("to", "overdue_to"):
            if not set(entry.get(key, [])) <= AUDIENCES:
                raise ValidationError({"reminder_schedule": f"{where}.{key} may name {', '.join(sorted(AUDIENCES))}."})
        if not isinstance(entry.get("overdue", True), bool):
            raise ValidationError({"reminder_schedule": f"{where}.overdue must be true or false."})


def merged_schedule(defaults_override: dict, authority_override: dict) -> dict:
    """The defaults, then the site-wide overrides, then the authority's own, merged key by key per kind."""
    return {
        kind: {**entry, **(defaults_override or {}).get(kind, {}), **(authority_override or {}).get(kind, {})}
        for kind, entry in DEFAULT_REMINDER_SCHEDULE.items()
    }


@dataclass(frozen=True)
class Rule:
    """One reminder of the schedule, e.g. reply at T-5 working days. Its (deadline_kind, offset) is stored on
    the OutgoingEmail row, so that each deadline gets each of its reminders once."""

    deadline_kind: str
    days: int  # 0 for the overdue reminder
    working: bool
    audience: tuple[str, ...]

    @property
    def offset(self) -> str:
        """ "overdue", or the days before the deadline: "T-5wd" (working days), "T-60d" (calendar days)."""
        if self.days == 0:
            return "overdue"
        return f"T-{self.days}{'wd' if self.working else 'd'}"

    @property
    def is_overdue(self) -> bool:
        return self.days == 0

    def fires_at(self, due_at: dt.datetime, authority) -> dt.datetime:
        """When this reminder falls due for a deadline: the start of its day in the authority's zone.
        `authority` is anything with a time_zone and a holiday_calendar (an Authority)."""
        if self.is_overdue:
            return due_at
        due_day = due_at.astimezone(deadlines.zone(authority.time_zone)).date()
        if self.working:
            day = deadlines.working_days_before(due_day, self.days, authority.holiday_calendar)
        else:
            day = due_day - dt.timedelta(days=self.days)
        return deadlines.start_of_day(day, authority.time_zone)

    def latest_due_day_span(self) -> int:
        """Calendar days by which the deadline may lie ahead of now when this reminder fires (upper bound)."""
        if self.working:
            return -(-self.days * 7 // 5) + HOLIDAY_SLACK_DAYS + 2
        return self.days + 2


def rules_for(schedule: dict) -> list[Rule]:
    rules = []
    for kind, entry in schedule.items():
        rules += [Rule(kind, n, True, tuple(entry.get("to", ()))) for n in entry.get("working_days_before", [])]
        rules += [Rule(kind, n, False, tuple(entry.get("to", ()))) for n in entry.get("days_before", [])]
        if entry.get("overdue"):
            rules.append(Rule(kind, 0, False, tuple(entry.get("overdue_to", ()))))
    return rules


def rule_due_now(rules: list[Rule], due_at: dt.datetime, authority, now: dt.datetime) -> Rule | None:
    """Of a deadline's reminders, the one whose time has come and not yet been overtaken by a later one.

    A deadline first seen 2 days ahead gets the T-1 reminder in time, not a belated T-5; once the deadline
    has passed only the overdue reminder is left (and none when the schedule has no overdue reminder).
    """
    fired = [(rule.fires_at(due_at, authority), rule) for rule in rules]
    fired = [(at, rule) for at, rule in fired if at <= now]
    if not fired:
        return None
    _, rule = max(fired, key=lambda pair: (pair[0], pair[1].is_overdue))
    if due_at <= now and not rule.is_overdue:
        return None
    return rule
