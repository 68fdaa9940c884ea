"""The engine: who may run which transition now, what it would change, and the one writer of `Filing.status`.

`available_actions()` is the single guard: it renders the buttons, fills the API's `allowed_actions` and
decides inside `apply()`. `plan()` computes a transition's outcome without writing (the demo, the benchmark
data and the tests replay through it); `apply()` persists that outcome with a compare-and-set, appends the
hash-chained event and hands the event to the notice task once the transaction commits. The transitions the
clock triggers (an approval's expiry, the end of a no-objection period) run here too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import clocks, committee, deadlines, general_licence, payloads, prerequisites, publisher, registration, snapshot
from . import procedures as p
from .models import (
    AUTHORITY_ROLES,
    Application,
    ApprovedQuantity,
    Document,
    Event,
    Filing,
    Message,
    ScreeningHit,
    memberships_of,
    record_transition,
)
from .screening import runs as screening

log = logging.getLogger(__name__)

SYSTEM = p.SYSTEM


# --- errors: each maps to one HTTP status in the API and one message in the UI -----------------


class WorkflowError(Exception):
    """Base of the errors `apply()` raises; `str(error)` is a sentence for the user."""


class UnknownAction(WorkflowError):
    """The procedure has no action of that name."""


class ActionNotAllowed(WorkflowError):
    """The user's role may not perform this action on this filing (API: 403)."""


class Conflict(WorkflowError):
    """The filing is not in a state that allows the action, or another user changed it first (API: 409)."""


class WaitingOnApproval(Conflict):
    """The filing may not be filed before another filing of its dossier is approved (prerequisites.py; API: 409)."""


# --- who may do what ---------------------------------------------------------------------------


def roles_for(user, filing: Filing) -> frozenset[str]:
    """The roles a user holds on this filing; a superuser holds every human role (admin override)."""
    return roles_on(user, filing.application.organization_id, filing.authority_id, filed=not filing.state.initial)


def roles_on(user, organization_id: int, authority_id: int, filed: bool) -> frozenset[str]:
    """`roles_for` from a filing's columns: its dossier's organization, its authority, and whether it left draft."""
    if user == SYSTEM:
        return frozenset({SYSTEM})
    if user is None or not user.is_authenticated:
        return frozenset()
    if user.is_superuser:
        return p.HUMAN_ROLES
    roles = set()
    for role, member_of_organization, member_of_authority in memberships_of(user):
        if role == p.APPLICANT and member_of_organization == organization_id:
            roles.add(p.APPLICANT)
        elif role in AUTHORITY_ROLES and member_of_authority == authority_id and filed:
            roles.add(role)
    return frozenset(roles)


def path_for(filing: Filing, state: str) -> list[p.Transition]:
    """The transitions that bring this filing from where it stands into `state` (its guards respected)."""
    return filing.procedure.path_to(state, start=filing.status, admits=lambda t: committee.admits(filing, t))


def available_actions(filing: Filing, user) -> list[p.Transition]:
    """The transitions this user may run on this filing now: the buttons, `allowed_actions`, the guard."""
    return actions_in(filing.procedure, filing.status, roles_for(user, filing), filing)


def actions_in(
    procedure: p.Procedure, status: str, roles: frozenset[str], filing: Filing | None = None, *, registered=False
):
    """`available_actions` from a filing's procedure, status and the caller's roles on it. Without the filing
    (a list's fast path) only the registration guards are checked, from `registered`: transitions that differ
    by a routing guard share their name."""
    seen, actions = set(), []
    for t in procedure.transitions:
        if (
            status in t.sources
            and roles & t.roles
            and t.name not in seen
            and (committee.admits(filing, t) if filing is not None else committee.admits_registered(t, registered))
        ):
            seen.add(t.name)
            actions.append(t)
    return actions


def available_action(filing: Filing, user, action: str) -> p.Transition:
    """The transition `action` if `user` may run it on `filing` now; otherwise the error that says why."""
    procedure = filing.procedure
    if action not in procedure.action_names:
        raise UnknownAction(f"'{action}' is not an action of the {procedure.name} procedure.")
    transition = next((t for t in available_actions(filing, user) if t.name == action), None)
    if transition is not None:
        return transition
    if not roles_for(user, filing) & procedure.roles_for_action(action):
        raise ActionNotAllowed(f"Your role on {filing.reference} does not allow '{action}'.")
    barred = procedure.transition(action, filing.status)
    if barred is not None and barred.guard and not committee.admits(filing, barred):
        raise Conflict(f"“{barred.label}” is possible only {barred.guard_description}: {filing.reference} is not.")
    raise Conflict(
        f"“{procedure.label_of(action)}” is not possible now: {filing.reference} is {filing.state.staff_label.lower()}."
    )


# --- effects: what a transition writes besides status ------------------------------------------


@dataclass
class Plan:
    """A transition's outcome, computed without writing: the filing's new field values, the thread messages
    it posts and the facts its event records."""

    transition: p.Transition
    source: p.State
    target: p.State
    actor: object  # a user, or None for the system
    note: str
    at: dt.datetime
    changes: dict = field(default_factory=dict)
    messages: list[tuple[str, str]] = field(default_factory=list)  # (Message.Kind, body)
    event_payload: dict = field(default_factory=dict)
    screen_parties: bool = False  # screen the dossier as filed, once the event exists (the run records it)
    disposition: screening.Disposition | None = None  # a verdict on a screening hit
    redact_screening: bool = False  # the parties named in screening runs go with the snapshot's
    approved_quantities: dict = field(default_factory=dict)  # an approval in part: {item: quantity}


def _snapshot_dossier(filing, plan, cleaned):
    application = filing.application
    missing = application.missing_elements(filing.procedure.required_elements)
    if missing:
        raise ValidationError(
            {"application": [f"The dossier is missing: {', '.join(missing)}. Complete it before filing."]}
        )
    taken = snapshot.take(application)
    plan.changes.update(submitted_at=plan.at, snapshot=taken, snapshot_sha256=snapshot.digest(taken))


def _record_approval(filing, plan, cleaned):
    valid_from = cleaned.get("valid_from_on") or plan.at.date()
    valid_until = cleaned.get("valid_until_on") or (
        valid_from + relativedelta(months=filing.authority.default_validity_months)
    )
    plan.changes.update(
        decided_at=plan.at,
        valid_from_on=valid_from,
        valid_until_on=valid_until,
        conditions=cleaned.get("conditions", "") or filing.conditions,
        decision_reasons="",
    )
    if cleaned.get("authority_reference"):
        plan.changes["authority_reference"] = cleaned["authority_reference"]


def _record_refusal(filing, plan, cleaned):
    # Only a note the applicant may read can stand in for reasons: an internal note never becomes the decision.
    shared_note = "" if plan.transition.note_is_internal else plan.note
    plan.changes.update(decided_at=plan.at, decision_reasons=cleaned.get("reasons") or shared_note)


def _check_extension_request(filing, plan, cleaned):
    wanted = cleaned["requested_until_on"]
    if filing.valid_until_on and wanted <= filing.valid_until_on:
        raise ValidationError(
            {
                "requested_until_on": f"Ask for a date after the current end of validity, {filing.valid_until_on:%d %b %Y}."
            }
        )


def _extend_validity(filing, plan, cleaned):
    new_until = cleaned["valid_until_on"]
    if filing.valid_until_on and new_until <= filing.valid_until_on:
        raise ValidationError({"valid_until_on": f"The new end date must be after {filing.valid_until_on:%d %b %Y}."})
    plan.changes["valid_until_on"] = new_until


def _redact_snapshot(filing, plan, cleaned):
    plan.changes.update(snapshot=snapshot.redact(filing.snapshot), anonymized_at=plan.at)
    plan.event_payload["submitted_snapshot_sha256"] = filing.snapshot_sha256  # what was filed stays provable
    plan.redact_screening = True


def _screen_parties(filing, plan, cleaned):
    plan.screen_parties = True


def _record_disposition(filing, plan, cleaned):
    hit, verdict = cleaned["hit"], cleaned["verdict"]
    if verdict not in ScreeningHit.Disposition.values:
        choices = " or ".join(ScreeningHit.Disposition.values)
        raise ValidationError({"verdict": f"Verdict: {choices}."})
    plan.disposition = screening.Disposition(hit, verdict, plan.note)
    plan.event_payload.update(
        party=hit.party_name,
        matched=hit.matched_name or hit.get_rule_display(),
        match_key=hit.match_key,
        score=str(hit.score),
        previous_verdict=hit.disposition,
    )


def _attach_delivery_report(filing, plan, cleaned):
    # services.run_action, which every face runs actions through, generates the end-use report from the records
    # and attaches it just before this; the closing event then names it and carries its hash.
    report = filing.documents.filter(kind=Document.Kind.DELIVERY_REPORT).order_by("-uploaded_at", "-id").first()
    if report is not None:
        plan.event_payload.update(report=report.original_name, report_sha256=report.sha256)


EFFECTS = {
    p.SNAPSHOT_DOSSIER: _snapshot_dossier,
    p.ASSIGN_ACTOR: lambda filing, plan, cleaned: plan.changes.update(assigned_to=plan.actor),
    p.ASSIGN_REVIEWER: lambda filing, plan, cleaned: plan.changes.update(assigned_to=cleaned["reviewer"]),
    p.POST_INFORMATION_REQUEST: lambda filing, plan, cleaned: plan.messages.append(
        (Message.Kind.INFORMATION_REQUEST, plan.note)
    ),
    p.POST_RESPONSE: lambda filing, plan, cleaned: plan.messages.append((Message.Kind.RESPONSE, plan.note)),
    p.RECORD_APPROVAL: _record_approval,
    p.RECORD_COMMITTEE_APPROVAL: lambda filing, plan, cleaned: committee.record_approval(
        filing, plan, cleaned, _record_approval
    ),
    p.CHECK_CHANNEL: committee.check_channel,
    p.RECORD_TRANSMISSION: committee.record_transmission,
    p.RECORD_REFUSAL: _record_refusal,
    p.CHECK_EXTENSION_REQUEST: _check_extension_request,
    p.EXTEND_VALIDITY: _extend_validity,
    p.REDACT_SNAPSHOT: _redact_snapshot,
    p.ATTACH_DELIVERY_REPORT: _attach_delivery_report,
    p.SCREEN_PARTIES: _screen_parties,
    p.RECORD_DISPOSITION: _record_disposition,
    p.CHECK_NOTICE_LEAD: general_licence.check_notice_lead,
    p.RECORD_CLEARANCE: general_licence.record_clearance,
    p.RECORD_CASE_NUMBER: general_licence.record_case_number,
    p.RECORD_REGISTRATION: registration.record_registration,
    p.RECORD_APPROVED_QUANTITIES: registration.record_approved_quantities,
}
assert set(EFFECTS) == {e for proc in p.PROCEDURES.values() for t in proc.transitions for e in t.effects}


# --- planning and applying ---------------------------------------------------------------------


def plan(filing: Filing, transition: p.Transition, actor, note: str, cleaned: dict, at: dt.datetime) -> Plan:
    """What running `transition` on `filing` now would change, without writing anything.

    `cleaned` is a payload that passed `clean_payload()`; `actor` is a user or None (the system). Raises
    ValidationError when an effect refuses (a dossier missing elements, an extension that does not extend).
    """
    procedure = filing.procedure
    outcome = Plan(
        transition=transition,
        source=procedure.state(filing.status),
        target=procedure.state(transition.target_from(filing.status)),
        actor=actor,
        note=(note or "").strip(),
        at=at,
        event_payload=payloads.for_event(cleaned),
    )
    for effect in transition.effects:
        EFFECTS[effect](filing, outcome, cleaned)
    # A forwarded request's clock starts at the forwarding body's transmission, not when it is recorded.
    starts = outcome.changes.get("forwarded_at") or at
    due_at, clock = clocks.next_due_at(filing, outcome.source, outcome.target, starts, outcome.changes)
    outcome.changes.update(clock, due_at=due_at, status=outcome.target.name)
    if outcome.target is not outcome.source:
        outcome.changes["status_changed_at"] = at
    return outcome


def new_event(filing: Filing, outcome: Plan, sequence: int, prev_hash: str) -> Event:
    """The hash-chained audit row of a planned transition."""
    actor = outcome.actor
    event = Event(
        filing=filing,
        sequence=sequence,
        action=outcome.transition.name,
        from_status=outcome.source.name,
        to_status=outcome.target.name,
        actor=actor,
        actor_label=actor.get_username() if actor else SYSTEM,
        note=outcome.note,
        payload=outcome.event_payload,
        created_at=outcome.at,
        due_at=outcome.changes.get("due_at"),
    )
    event.link(prev_hash)
    return event


def apply(
    filing: Filing,
    action: str,
    by,
    note: str = "",
    at: dt.datetime | None = None,
    /,
    expected_version: int | None = None,
    **payload,
) -> Event:
    """Run `action` on `filing` as `by` (a user, or SYSTEM) and return the Event it wrote.

    The transition comes from `available_actions()` (UnknownAction, ActionNotAllowed, Conflict); the note
    and payload are validated against the declaration (ValidationError, with field errors). Then, in one
    transaction, the new status is written with a compare-and-set on (id, status, version), so a concurrent
    change raises Conflict instead of being overwritten; `expected_version`, when given, must be the version
    the caller read. The hash-chained Event is appended, `due_at` recomputed, and the notice task queued
    once the transaction commits. The five leading arguments are positional-only, so no payload key a
    client sends can set them.
    """
    at = at or timezone.now()
    transition = available_action(filing, by, action)
    if expected_version is not None and expected_version != filing.version:
        raise Conflict(
            f"{filing.reference} was changed by someone else after you read it (version {filing.version}, not "
            f"{expected_version}). Reload it and try again."
        )
    if refusal := prerequisites.check(filing, transition):
        raise WaitingOnApproval(refusal)
    actor = None if by == SYSTEM else by
    cleaned = payloads.clean(transition, filing, note, payload)
    with contextlib.nullcontext() if _one_statement(transition) else transaction.atomic():
        if p.SNAPSHOT_DOSSIER in transition.effects:
            # A submit waits for an edit in progress and snapshots what it left; an edit waiting behind it then
            # finds the dossier filed (services.editing takes the same row lock).
            try:
                filing.application.lock_for_update()
            except Application.DoesNotExist as gone:
                raise Conflict(f"The dossier of {filing.reference} was deleted a moment ago.") from gone
        outcome = plan(filing, transition, actor, note, cleaned, at)
        # The event links to the tip the filing row records, not to whatever the event table ends with: the
        # compare-and-set on the version proves that tip current, and an event deleted from the end of the
        # trail then stays a visible gap instead of being papered over by the next event.
        event = new_event(filing, outcome, filing.audit_tip_sequence + 1, filing.audit_tip_hash)
        outcome.changes.update(audit_tip_sequence=event.sequence, audit_tip_hash=event.hash)
        # The event's own notice tells the other side of a request or a reply: its thread message needs no second.
        side = Message.Side.APPLICANT if p.APPLICANT in transition.roles else Message.Side.AUTHORITY
        messages = [
            Message(filing=filing, author=actor, kind=kind, side=side, body=body, created_at=at, notified_at=at)
            for kind, body in outcome.messages
        ]
        # The compare-and-set on (id, status, version), the event and the messages, in one statement.
        if not record_transition(filing, outcome.changes, event, messages):
            raise Conflict(f"{filing.reference} was changed by someone else a moment ago. Reload and try again.")
        for key, value in outcome.changes.items():
            setattr(filing, key, value)
        filing.version += 1
        if outcome.screen_parties:
            screening.screen_filing(filing, event)
        if outcome.disposition:
            screening.record_disposition(outcome.disposition, event)
        if outcome.redact_screening:
            screening.redact(filing)
        ApprovedQuantity.objects.bulk_create(
            ApprovedQuantity(filing=filing, item=item, quantity=quantity)
            for item, quantity in outcome.approved_quantities.items()
        )
        transaction.on_commit(lambda: announce(event.pk))
    return event


# Effects that write nothing but the filing's own columns and its thread messages. A transition with no other
# effect, run outside any transaction, is the one statement of `record_transition` (atomic by itself) and needs no
# transaction block: BEGIN and COMMIT were two of its three round trips (issue 22). A submit (it locks the dossier)
# and any effect not listed here, such as one that writes other rows, keep the transaction: list an effect here
# only if everything it does happens inside that statement.
ONE_STATEMENT_EFFECTS = frozenset(
    {
        p.ASSIGN_ACTOR,
        p.ASSIGN_REVIEWER,
        p.POST_INFORMATION_REQUEST,
        p.POST_RESPONSE,
        p.RECORD_APPROVAL,
        p.RECORD_COMMITTEE_APPROVAL,
        p.RECORD_TRANSMISSION,
        p.RECORD_REFUSAL,
        p.CHECK_EXTENSION_REQUEST,
        p.EXTEND_VALIDITY,
        p.RECORD_CLEARANCE,
        p.RECORD_CASE_NUMBER,
    }
)


def _one_statement(transition: p.Transition) -> bool:
    connection = transaction.get_connection()
    return (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and set(transition.effects) <= ONE_STATEMENT_EFFECTS
    )


def announce(event_id: int) -> None:
    """Queue the notices of a committed event, without waiting on the broker (publisher.NoticePublisher)."""
    publisher.notice_publisher.put(event_id)


# --- the clock ---------------------------------------------------------------------------------


def _validity_ended(filing: Filing, now: dt.datetime) -> bool:
    return deadlines.end_of_day(filing.valid_until_on, filing.authority.time_zone) <= now


def due_clock_transitions(now: dt.datetime):
    """(filing, transition) pairs whose trigger may have fired: one indexed query per triggered transition (the
    validity's end is then checked in the authority's zone, per filing)."""
    for procedure in p.PROCEDURES.values():
        for transition in [t for t in procedure.transitions if t.trigger]:
            # A filing follows its route; one written without it (bulk loads) follows its authority's procedure.
            route = Q(route=procedure.key) | Q(route="", authority__workflow_key=procedure.key)
            due = Filing.objects.filter(route, status__in=transition.sources)
            if transition.trigger == p.DEADLINE_PASSED:
                due = due.filter(due_at__lte=now)
            else:  # a coarse day bound on the index; the authority's zone decides below
                due = due.filter(valid_until_on__lt=now.date() + dt.timedelta(days=1))
            # The frozen dossier stays in the database unless a transition reads it (a redaction loads it then).
            due = due.select_related("authority", "application__organization").defer("snapshot")
            for filing in due.order_by("id"):
                yield filing, transition


def run_clock_transitions(now: dt.datetime) -> Counter:
    """Run every transition the clock has triggered, as the system actor; count them by action.
    A filing another sweeper or a person moved first is skipped; one that fails is logged and skipped,
    so it never holds up the others."""
    done: Counter = Counter()
    for filing, transition in due_clock_transitions(now):
        try:
            if transition.trigger == p.VALIDITY_ENDED and not _validity_ended(filing, now):
                continue  # the last valid day has not ended yet in the authority's zone
            apply(filing, transition.name, SYSTEM, "", now)
        except Conflict:
            continue
        except SoftTimeLimitExceeded:
            raise  # the sweep's time is up: stop between filings (each transition is its own transaction)
        except Exception:
            log.exception("Clock transition %s of %s failed; skipped", transition.name, filing.reference)
            continue
        done[transition.name] += 1
    return done
