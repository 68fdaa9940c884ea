"""How the web UI says things: people by their names, deadlines as dates labelled by whose move it is, and what
happens next after an action. Read from the declarations (whose move a state waits on, its clock), so no state's
name is ever shown as a sentence. Python functions for the views, and the same as filters for templates:
`{% load words %}` then `{{ filing|deadline_label:"applicant" }}`, `{{ filing|overdue_for:"authority" }}`,
`{{ user|person }}`."""

from django import template
from django.utils import timezone

from exemptions import procedures

from .dates import deadline_text

register = template.Library()

# The authority's own clocks, as its members read them.
AUTHORITY_CLOCKS = {
    "review": "Review due",
    "no_objection": "No-objection period ends",
    "confirmation": "Confirmation due",
    "hold": "Hold reminder due",
    "extension_review": "Extension decision due",
}
APPLICANT_CLOCKS = {"reply": "reply", "report": "delivery report"}


@register.filter
def person(user, fallback="—") -> str:
    """A person's full name; their username only when they have none."""
    if user is None:
        return fallback
    return user.get_full_name() or user.get_username()


def side_of(roles) -> str | None:
    """APPLICANT or AUTHORITY: the side a person with `roles` on a filing stands on (None: neither)."""
    if procedures.APPLICANT in roles:
        return procedures.APPLICANT
    if roles & procedures.AUTHORITY_ROLES:
        return procedures.AUTHORITY
    return None


@register.filter
def deadline_label(filing, side: str | None) -> str:
    """The label of a filing's deadline for a viewer on `side`: their own move ("Your reply is due") or the
    other side's ("Authority's target date"), never a bare "Deadline" that reads as theirs."""
    state = filing.state
    kind = state.deadline.kind if state.deadline else ""
    if state.waits_on is None:
        return "Approval expires" if state.grants_validity else "Date"
    if state.waits_on == procedures.APPLICANT:
        thing = APPLICANT_CLOCKS.get(kind, "next step")
        return f"Your {thing} is due" if side == procedures.APPLICANT else f"Applicant's {thing} due"
    if side == procedures.APPLICANT:
        return "Authority's target date"
    return AUTHORITY_CLOCKS.get(kind, "Your decision is due")


@register.filter
def overdue_for(filing, side: str | None, now=None) -> bool:
    """Overdue on the viewer's side: past its deadline while the next move is theirs. A case waiting on the
    applicant is not overdue for its reviewer, nor a review past its target date for the applicant."""
    if not (filing.due_at and filing.due_at < (now or timezone.now())):
        return False
    return filing.state.waits_on == side if side else filing.state.waits_on is not None


def next_step(filing, side: str | None) -> str:
    """What happens next on `filing`, for a viewer on `side`, with the date it is due."""
    state = filing.state
    if state.terminal:
        return "Nothing more is needed on this case."
    if state.waits_on is None:
        until = filing.valid_until_on
        return f"Valid until {until.day} {until:%b %Y}." if state.grants_validity and until else ""
    if filing.due_at:
        return f"{deadline_label(filing, side)}: {deadline_text(filing)}."
    return "The next step is yours." if state.waits_on == side else "The other side has the next step."


def done_message(transition, filing, side: str | None) -> str:
    """The flash message after `transition` ran on `filing`: what happened, then what comes next."""
    return " ".join(part for part in (procedures.done_sentence(transition), next_step(filing, side)) if part)
