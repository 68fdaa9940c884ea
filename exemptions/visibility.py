"""What each side reads of a case's record. The authority reads everything; the applicant reads what the
procedure declares shared (`Transition.note_audience`, `PayloadField.audience`) and nothing internal. The web
timeline, the API's events and the event emails all ask here, so the rule is written once."""

from __future__ import annotations

from dataclasses import dataclass

from . import procedures
from .models import Event, Filing, authority_ids


def reads_internal(user, filing: Filing) -> bool:
    """Whether `user` may read the authority's internal notes on `filing`: its authority's members and admins."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or filing.authority_id in authority_ids(user)


@dataclass(frozen=True)
class EventView:
    """An event as one reader may see it."""

    event: Event
    label: str  # what happened, in the reader's words
    actor: str  # who did it: a person for the authority, the authority itself for the applicant
    to_label: str
    note: str  # empty when the reader may not read it
    details: list[tuple[str, str]]  # (label, value) of the payload fields the reader may read
    payload: dict
    note_is_internal: bool  # the note is the authority's alone (shown only to the authority, marked so)


def _transition(filing: Filing, event: Event) -> procedures.Transition | None:
    return filing.procedure.transition(event.action, event.from_status)


def shown_note(filing: Filing, event: Event, internal: bool) -> str:
    transition = _transition(filing, event)
    if internal or (transition is not None and not transition.note_is_internal):
        return event.note
    return ""


def shown_payload(filing: Filing, event: Event, internal: bool) -> dict:
    if internal:
        return dict(event.payload)
    transition = _transition(filing, event)
    shared = {f.name for f in transition.shared_fields()} if transition else set()
    return {k: v for k, v in event.payload.items() if k in shared}


def person_of(event: Event) -> str:
    """Who did it, by full name (the username only for an account without one); the clock in words."""
    if event.actor is None:
        return "Clearance (automatic)" if event.actor_label == procedures.SYSTEM else event.actor_label
    return event.actor.get_full_name() or event.actor.get_username()


def event_view(filing: Filing, event: Event, internal: bool) -> EventView:
    """`event` as read by the authority (`internal`) or by the applicant: the applicant reads the authority's
    steps as the state the case moved into, done by the authority, without its internal note or fields."""
    procedure, transition = filing.procedure, _transition(filing, event)
    target = procedure.state(event.to_status)
    by_authority = transition is not None and not (transition.roles & {procedures.APPLICANT})
    if internal:
        label, actor = (transition.label if transition else event.action), person_of(event)
        to_label = target.staff_label
    elif by_authority:
        label, actor, to_label = target.applicant_label, filing.authority.code, ""
    else:
        label = transition.label if transition else event.action
        actor, to_label = person_of(event), target.applicant_label
    payload = shown_payload(filing, event, internal)
    labels = {f.name: f.label for f in transition.payload} if transition else {}
    # A choice reads as its label (an OFAC notification's UN basis), as the form offered it.
    choices = {f.name: dict(f.choices) for f in transition.payload if f.choices} if transition else {}
    details = [(labels.get(k, k), choices.get(k, {}).get(v, str(v))) for k, v in payload.items() if v not in (None, "")]
    note = shown_note(filing, event, internal)
    internal_note = bool(transition and transition.note_is_internal)
    return EventView(event, label, actor, to_label, note, details, payload, internal_note)


def timeline(filing: Filing, user) -> list[EventView]:
    """The events of `filing` as `user` may read them. The applicant does not see the authority's steps that
    change nothing for them (a reassignment)."""
    internal = reads_internal(user, filing)
    views = [event_view(filing, e, internal) for e in filing.events.select_related("actor")]
    if internal:
        return views
    # An authority step that leaves the state as it was is the authority's own business (to_label is empty
    # for the authority's steps as the applicant reads them).
    return [v for v in views if v.to_label or v.event.from_status != v.event.to_status]
