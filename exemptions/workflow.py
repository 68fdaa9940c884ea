"""Per-authority workflows, declared as data, and the one function that moves a filing.

Each workflow is a table of states and transitions. The same declaration renders the action buttons,
fills the API's `allowed_actions`, guards `apply()`, draws the diagram and drives the reminder sweep.
`apply()` is the only code that writes `Filing.status`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_date

from . import deadlines
from .models import (  # memberships_of is re-exported: callers know it as workflow.memberships_of
    AUTHORITY_ROLES,
    Authority,
    Event,
    Filing,
    Message,
    Role,
    canonical_json,
    memberships_of,
    sha256_hex,
)

log = logging.getLogger(__name__)

SYSTEM = "system"  # the actor of transitions the clock triggers (expiry, end of a no-objection period)
APPLICANT, REVIEWER, STAFF = Role.APPLICANT.value, Role.REVIEWER.value, Role.STAFF.value


# --- errors: each maps to one HTTP status in the API and one message in the UI -----------------


class WorkflowError(Exception):
    """Base of the errors `apply()` raises; `str(error)` is a sentence for the user."""


class UnknownAction(WorkflowError):
    """The workflow has no action of that name."""


class ActionNotAllowed(WorkflowError):
    """The user's role may not perform this action on this filing (API: 403)."""


class Conflict(WorkflowError):
    """The filing is not in a state that allows the action, or another user changed it first (API: 409)."""


# --- declarations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """How a state's `due_at` is computed when a filing enters it.

    `kind` names the clock (review, reply, no_objection, …); moving between states with the same kind
    keeps the running deadline, and returning from a state that stops the clock resumes it.
    """

    kind: str
    working_days_setting: str | None = None  # Authority field holding the number of working days
    from_validity_end_days_setting: str | None = None  # calendar days after valid_until_on
    at_validity_end: bool = False

    def compute(self, authority: Authority, valid_until_on: dt.date | None, now: dt.datetime) -> dt.datetime | None:
        if self.working_days_setting:
            days = getattr(authority, self.working_days_setting)
            return deadlines.working_deadline(now, days, authority.holiday_calendar, authority.time_zone)
        if valid_until_on is None:
            return None
        if self.at_validity_end:
            return deadlines.end_of_day(valid_until_on, authority.time_zone)
        days = getattr(authority, self.from_validity_end_days_setting)
        return deadlines.calendar_deadline(valid_until_on, days, authority.time_zone)


REVIEW = Deadline("review", working_days_setting="review_sla_working_days")
REPLY = Deadline("reply", working_days_setting="applicant_reply_working_days")
NO_OBJECTION = Deadline("no_objection", working_days_setting="no_objection_working_days")
CONFIRMATION = Deadline("confirmation", working_days_setting="confirmation_working_days")
EXTENSION_REVIEW = Deadline("extension_review", working_days_setting="extension_review_working_days")
EXPIRY = Deadline("expiry", at_validity_end=True)
REPORT = Deadline("report", from_validity_end_days_setting="report_due_days")


@dataclass(frozen=True)
class State:
    name: str
    staff_label: str
    applicant_label: str
    terminal: bool = False
    waits_on: str | None = None  # APPLICANT, "authority", or None
    counts_against_sla: bool = False
    stops_clock: bool = False  # pauses the deadline of the state it interrupted
    grants_validity: bool = False  # an approval in force (cleared-to-ship counts it)
    decided: bool = False  # the authority has ruled; a new request may be filed beside it
    deadline: Deadline | None = None

    @property
    def waits_on_applicant(self) -> bool:
        return self.waits_on == APPLICANT

    @property
    def waits_on_authority(self) -> bool:
        return self.waits_on == "authority"


@dataclass(frozen=True)
class PayloadField:
    name: str
    label: str
    kind: str = "text"  # text | date | reviewer
    required: bool = False
    help_text: str = ""


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str | None  # None: the filing stays in its state (e.g. reassigning a reviewer)
    roles: frozenset[str]
    note_required: bool = False
    note_label: str = "Note"
    payload: tuple[PayloadField, ...] = ()
    effect: Callable | None = None  # (filing, changes, by, note, payload, at) -> None, fills `changes`

    @property
    def is_system(self) -> bool:
        return self.roles == frozenset({SYSTEM})

    def target_from(self, status: str) -> str:
        return self.target or status


@dataclass(frozen=True)
class Workflow:
    key: str
    name: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    _states_by_name: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        self._states_by_name.update({s.name: s for s in self.states})
        for t in self.transitions:
            unknown = {*t.sources, t.target or t.sources[0]} - self._states_by_name.keys()
            if unknown:
                raise ValueError(f"{self.key}.{t.name} refers to unknown states {sorted(unknown)}")

    def state(self, name: str) -> State:
        return self._states_by_name[name]

    @property
    def action_names(self) -> list[str]:
        return list(dict.fromkeys(t.name for t in self.transitions))

    def transition(self, action: str, status: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == action and status in t.sources), None)

    def transition_sources(self, action: str) -> set[str]:
        return {source for t in self.transitions if t.name == action for source in t.sources}

    def roles_for_action(self, action: str) -> frozenset[str]:
        return frozenset().union(*(t.roles for t in self.transitions if t.name == action))

    @property
    def open_states(self) -> list[str]:
        return [s.name for s in self.states if not s.terminal]

    @property
    def pending_states(self) -> list[str]:
        """States of a request the authority has not yet ruled on."""
        return [s.name for s in self.states if not (s.terminal or s.decided)]


# --- effects: what a transition writes besides status ------------------------------------------


def _submit(filing, changes, by, note, payload, at):
    missing = filing.application.missing_elements()
    if missing:
        raise ValidationError(
            {"application": [f"The dossier is missing: {', '.join(missing)}. Complete it before filing."]}
        )
    snapshot = filing.application.snapshot()
    changes.update(submitted_at=at, snapshot=snapshot, snapshot_sha256=sha256_hex(canonical_json(snapshot)))


def _take(filing, changes, by, note, payload, at):
    changes["assigned_to"] = by


def _assign(filing, changes, by, note, payload, at):
    changes["assigned_to"] = payload["reviewer"]


def _information_request(filing, changes, by, note, payload, at):
    Message.objects.create(filing=filing, author=by, kind=Message.Kind.INFORMATION_REQUEST, body=note, created_at=at)


def _response(filing, changes, by, note, payload, at):
    Message.objects.create(filing=filing, author=by, kind=Message.Kind.RESPONSE, body=note, created_at=at)


def _decide_approval(filing, changes, by, note, payload, at):
    valid_from = payload.get("valid_from_on") or at.date()
    valid_until = payload.get("valid_until_on") or (
        valid_from + relativedelta(months=filing.authority.default_validity_months)
    )
    changes.update(
        decided_at=at,
        valid_from_on=valid_from,
        valid_until_on=valid_until,
        conditions=payload.get("conditions", "") or filing.conditions,
        decision_reasons="",
    )
    if payload.get("authority_reference"):
        changes["authority_reference"] = payload["authority_reference"]


def _confirm_proposed_approval(filing, changes, by, note, payload, at):
    # Staff confirm what the secretariat recommended, unless they give other dates.
    recommended = (
        filing.events.filter(action="recommend").order_by("-sequence").values_list("payload", flat=True).first()
    )
    merged = {**_parse_dates(recommended or {}), **{k: v for k, v in payload.items() if v}}
    _check_validity_window(merged)
    _decide_approval(filing, changes, by, note, merged, at)


def _decide_refusal(filing, changes, by, note, payload, at):
    changes.update(decided_at=at, decision_reasons=payload.get("reasons") or note)


def _anonymize(filing, changes, by, note, payload, at):
    from .retention import redact_snapshot  # local: retention reads the workflow declarations

    changes.update(snapshot=redact_snapshot(filing.snapshot), anonymized_at=at)
    # Effects may add facts to the event: the hash of what was submitted stays on the record.
    payload["submitted_snapshot_sha256"] = filing.snapshot_sha256


def _extend(filing, changes, by, note, payload, at):
    new_until = payload["valid_until_on"]
    if filing.valid_until_on and new_until <= filing.valid_until_on:
        raise ValidationError({"valid_until_on": f"The new end date must be after {filing.valid_until_on:%d %b %Y}."})
    changes["valid_until_on"] = new_until


def _check_extension_request(filing, changes, by, note, payload, at):
    wanted = payload["requested_until_on"]
    if filing.valid_until_on and wanted <= filing.valid_until_on:
        raise ValidationError(
            {
                "requested_until_on": f"Ask for a date after the current end of validity, {filing.valid_until_on:%d %b %Y}."
            }
        )


# --- the declarations --------------------------------------------------------------------------


def retention_transition(states: tuple[State, ...]) -> Transition:
    """The retention policy redacts personal details of a closed case; the audit trail records when."""
    closed = tuple(s.name for s in states if s.terminal)
    return Transition("anonymize", "Anonymize personal details", closed, None, frozenset({SYSTEM}), effect=_anonymize)


VALIDITY_FIELDS = (
    PayloadField("valid_from_on", "Valid from", "date", required=True),
    PayloadField("valid_until_on", "Valid until", "date", required=True),
    PayloadField("conditions", "Conditions", help_text="Conditions the holder must respect"),
)
REASONS = PayloadField("reasons", "Reasons", required=True, help_text="Shown to the applicant")
REVIEWER_FIELD = PayloadField("reviewer", "Reviewer", "reviewer", required=True)

CORE_STATES = (
    State("draft", "Draft", "Draft — not yet filed", waits_on=APPLICANT),
    State(
        "submitted", "Submitted — unassigned", "Filed", waits_on="authority", counts_against_sla=True, deadline=REVIEW
    ),
    State("in_review", "In review", "Under review", waits_on="authority", counts_against_sla=True, deadline=REVIEW),
    State(
        "information_requested",
        "Waiting on applicant",
        "Information requested — your reply is needed",
        waits_on=APPLICANT,
        stops_clock=True,
        deadline=REPLY,
    ),
    State("approved", "Approved", "Approved", grants_validity=True, decided=True, deadline=EXPIRY),
    State(
        "extension_requested",
        "Extension requested",
        "Extension requested",
        waits_on="authority",
        grants_validity=True,
        decided=True,
        deadline=EXTENSION_REVIEW,
    ),
    State("denied", "Denied", "Denied", terminal=True),
    State("withdrawn", "Withdrawn", "Withdrawn", terminal=True),
    State(
        "expired",
        "Expired — report due",
        "Expired — delivery report due",
        waits_on=APPLICANT,
        decided=True,
        deadline=REPORT,
    ),
    State("closed", "Closed", "Closed — report filed", terminal=True),
)


def core_transitions(*, review_states=("in_review",), approve: Transition | None, withdrawable=()):
    """The shared core of DESIGN.md section 4; `review_states` are where a reviewer may act."""
    open_before_decision = ("draft", "submitted", "in_review", "information_requested", *withdrawable)
    reassignable = ("in_review", "information_requested", *review_states[1:])
    transitions = [
        Transition(
            "submit", "File with the authority", ("draft",), "submitted", frozenset({APPLICANT}), effect=_submit
        ),
        Transition("take", "Take this case", ("submitted",), "in_review", AUTHORITY_ROLES, effect=_take),
        Transition(
            "assign",
            "Assign a reviewer",
            ("submitted",),
            "in_review",
            frozenset({STAFF}),
            payload=(REVIEWER_FIELD,),
            effect=_assign,
        ),
        Transition(
            "assign",
            "Assign a reviewer",
            reassignable,
            None,
            frozenset({STAFF}),
            payload=(REVIEWER_FIELD,),
            effect=_assign,
        ),
        Transition(
            "request_information",
            "Request information",
            ("in_review",),
            "information_requested",
            AUTHORITY_ROLES,
            note_required=True,
            note_label="What do you need from the applicant?",
            effect=_information_request,
        ),
        Transition(
            "respond",
            "Send the requested information",
            ("information_requested",),
            "in_review",
            frozenset({APPLICANT}),
            note_required=True,
            note_label="Your answer",
            effect=_response,
        ),
        *([approve] if approve else []),
        Transition(
            "deny", "Deny", review_states, "denied", AUTHORITY_ROLES, payload=(REASONS,), effect=_decide_refusal
        ),
        Transition(
            "withdraw",
            "Withdraw the request",
            open_before_decision,
            "withdrawn",
            frozenset({APPLICANT}),
            note_required=True,
            note_label="Why are you withdrawing?",
        ),
        Transition("expire", "Expire", ("approved", "extension_requested"), "expired", frozenset({SYSTEM})),
        Transition(
            "request_extension",
            "Request an extension",
            ("approved",),
            "extension_requested",
            frozenset({APPLICANT}),
            note_required=True,
            note_label="Why is more time needed?",
            payload=(PayloadField("requested_until_on", "Extend until", "date", required=True),),
            effect=_check_extension_request,
        ),
        Transition(
            "approve_extension",
            "Approve the extension",
            ("extension_requested",),
            "approved",
            AUTHORITY_ROLES,
            payload=(PayloadField("valid_until_on", "New end of validity", "date", required=True),),
            effect=_extend,
        ),
        Transition(
            "deny_extension",
            "Deny the extension",
            ("extension_requested",),
            "approved",
            AUTHORITY_ROLES,
            note_required=True,
        ),
        Transition(
            "file_report",
            "File the delivery report",
            ("approved", "expired"),
            "closed",
            frozenset({APPLICANT}),
            note_required=True,
            note_label="Summary of deliveries and end use",
        ),
    ]
    return tuple(transitions)


GENERIC = Workflow(
    key="generic",
    name="Generic licence review",
    states=CORE_STATES,
    transitions=(
        *core_transitions(
            approve=Transition(
                "approve",
                "Approve",
                ("in_review",),
                "approved",
                AUTHORITY_ROLES,
                payload=(*VALIDITY_FIELDS, PayloadField("authority_reference", "Licence or letter number")),
                effect=_decide_approval,
            ),
        ),
        retention_transition(CORE_STATES),
    ),
)

OFAC_STATES = (
    *CORE_STATES,
    State(
        "interagency_consultation",
        "Interagency consultation",
        "Under review (consultation with other agencies)",
        waits_on="authority",
        counts_against_sla=True,
        deadline=REVIEW,
    ),
    State("returned_without_action", "Returned without action", "Returned without action", terminal=True),
)
OFAC = Workflow(
    key="ofac",
    name="OFAC specific licence",
    states=OFAC_STATES,
    transitions=(
        *core_transitions(
            review_states=("in_review", "interagency_consultation"),
            withdrawable=("interagency_consultation",),
            approve=Transition(
                "approve",
                "Issue the licence",
                ("in_review",),
                "approved",
                AUTHORITY_ROLES,
                payload=(*VALIDITY_FIELDS, PayloadField("authority_reference", "Licence number", required=True)),
                effect=_decide_approval,
            ),
        ),
        Transition(
            "consult", "Start interagency consultation", ("in_review",), "interagency_consultation", AUTHORITY_ROLES
        ),
        Transition(
            "conclude_consultation",
            "Consultation concluded",
            ("interagency_consultation",),
            "in_review",
            AUTHORITY_ROLES,
        ),
        Transition(
            "return_without_action",
            "Return without action",
            ("submitted", "in_review", "interagency_consultation"),
            "returned_without_action",
            AUTHORITY_ROLES,
            payload=(REASONS,),
            effect=_decide_refusal,
        ),
        retention_transition(OFAC_STATES),
    ),
)

UN1718_STATES = (
    *CORE_STATES,
    State(
        "no_objection_period",
        "No-objection period",
        "Before the Committee (no-objection period)",
        waits_on="authority",
        deadline=NO_OBJECTION,
    ),
    State("on_hold", "On hold (member hold)", "On hold by a Committee member", waits_on="authority", stops_clock=True),
    State(
        "approval_proposed",
        "Approval proposed — confirm",
        "Before the Committee (no objection received)",
        waits_on="authority",
        deadline=CONFIRMATION,
    ),
)
UN1718 = Workflow(
    key="un1718",
    name="UN 1718 Committee exemption",
    states=UN1718_STATES,
    transitions=(
        *core_transitions(
            review_states=("in_review", "on_hold"),
            withdrawable=("no_objection_period", "on_hold", "approval_proposed"),
            approve=None,  # the Committee approves by silence: recommend → no-objection period → confirm
        ),
        Transition(
            "recommend",
            "Recommend approval to the Committee",
            ("in_review",),
            "no_objection_period",
            AUTHORITY_ROLES,
            payload=(*VALIDITY_FIELDS, PayloadField("authority_reference", "Committee letter number")),
        ),
        Transition(
            "place_hold",
            "Record a member's hold",
            ("no_objection_period",),
            "on_hold",
            AUTHORITY_ROLES,
            note_required=True,
        ),
        Transition("release_hold", "Hold lifted", ("on_hold",), "no_objection_period", AUTHORITY_ROLES),
        Transition(
            "propose_approval", "Propose approval", ("no_objection_period",), "approval_proposed", frozenset({SYSTEM})
        ),
        Transition(
            "confirm_approval",
            "Confirm the approval",
            ("approval_proposed",),
            "approved",
            frozenset({STAFF}),
            payload=(
                PayloadField("valid_from_on", "Valid from", "date"),
                PayloadField("valid_until_on", "Valid until", "date"),
                PayloadField("conditions", "Conditions"),
                PayloadField("authority_reference", "Committee letter number"),
            ),
            effect=_confirm_proposed_approval,
        ),
        retention_transition(UN1718_STATES),
    ),
)

WORKFLOWS = {w.key: w for w in (UN1718, OFAC, GENERIC)}


def workflow_for(authority: Authority) -> Workflow:
    return WORKFLOWS[authority.workflow_key]


# --- who may do what ---------------------------------------------------------------------------


def roles_for(user, filing: Filing) -> frozenset[str]:
    """The roles a user holds on this filing; a superuser holds every human role (admin override)."""
    if user == SYSTEM:
        return frozenset({SYSTEM})
    if user is None or not user.is_authenticated:
        return frozenset()
    if user.is_superuser:
        return frozenset({APPLICANT, REVIEWER, STAFF})
    roles = set()
    for role, organization_id, authority_id in memberships_of(user):
        if role == APPLICANT and organization_id == filing.application.organization_id:
            roles.add(APPLICANT)
        elif role in AUTHORITY_ROLES and authority_id == filing.authority_id and filing.status != "draft":
            roles.add(role)
    return frozenset(roles)


def available_actions(filing: Filing, user) -> list[Transition]:
    """The transitions this user may run on this filing now: the buttons, `allowed_actions`, the guard."""
    roles = roles_for(user, filing)
    seen, actions = set(), []
    for t in filing.workflow.transitions:
        if filing.status in t.sources and roles & t.roles and t.name not in seen:
            seen.add(t.name)
            actions.append(t)
    return actions


# --- payload validation ------------------------------------------------------------------------


def _parse_dates(payload: dict) -> dict:
    out = dict(payload)
    for key, value in payload.items():
        if key.endswith("_on") and isinstance(value, str) and value:
            out[key] = parse_date(value)
    return out


def _check_validity_window(values: dict) -> None:
    start, end = values.get("valid_from_on"), values.get("valid_until_on")
    if start and end and start > end:
        raise ValidationError({"valid_until_on": ["Validity must end on or after the day it starts."]})


def _clean_payload(transition: Transition, filing: Filing, note: str, payload: dict) -> dict:
    errors: dict[str, list[str]] = {}
    unknown = set(payload) - {f.name for f in transition.payload}
    for name in sorted(unknown):
        errors[name] = [f"'{transition.name}' takes no field '{name}'."]
    if transition.note_required and not (note or "").strip():
        errors["note"] = [f"{transition.note_label} is required."]
    cleaned = {}
    for f in transition.payload:
        raw = payload.get(f.name)
        if raw in (None, ""):
            if f.required:
                errors.setdefault(f.name, []).append(f"{f.label} is required.")
            continue
        if f.kind == "date":
            value = raw if isinstance(raw, dt.date) else None
            if value is None:
                try:
                    value = parse_date(str(raw))
                except ValueError:
                    value = None
            if value is None:
                errors.setdefault(f.name, []).append(f"{f.label}: enter a date as YYYY-MM-DD.")
                continue
            cleaned[f.name] = value
        elif f.kind == "reviewer":
            cleaned[f.name] = _reviewer_of(filing, raw, errors, f)
        else:
            if not isinstance(raw, str):
                errors.setdefault(f.name, []).append(f"{f.label} must be text.")
                continue
            cleaned[f.name] = raw.strip()
    if not errors:
        try:
            _check_validity_window(cleaned)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _reviewer_of(filing, raw, errors, f):
    user_model = get_user_model()
    lookup = {"pk": raw} if isinstance(raw, int) or str(raw).isdigit() else {"username": raw}
    user = (
        user_model.objects.filter(
            **lookup, is_active=True, memberships__authority=filing.authority, memberships__role__in=AUTHORITY_ROLES
        )
        .distinct()
        .first()
    )
    if user is None:
        errors.setdefault(f.name, []).append(f"{f.label}: choose a reviewer of {filing.authority.code}.")
    return user


def _payload_for_event(cleaned: dict) -> dict:
    return {
        k: (v.isoformat() if isinstance(v, dt.date) else v.get_username() if hasattr(v, "get_username") else v)
        for k, v in cleaned.items()
    }


# --- the one writer of status ------------------------------------------------------------------


def _next_due_at(filing: Filing, source: State, target: State, changes: dict, at: dt.datetime):
    """Deadline of the target state, and the paused-clock fields to write with it."""
    clock = {}
    if target.stops_clock and not source.stops_clock:
        clock.update(
            clock_stopped_at=at,
            paused_due_at=filing.due_at,
            paused_deadline_kind=source.deadline.kind if source.deadline else "",
        )
    if source.stops_clock and not target.stops_clock:
        waited = at - filing.clock_stopped_at if filing.clock_stopped_at else dt.timedelta(0)
        if source.waits_on_applicant:
            clock["applicant_wait_seconds"] = filing.applicant_wait_seconds + int(waited.total_seconds())
        clock.update(clock_stopped_at=None, paused_due_at=None, paused_deadline_kind="")
        if target.deadline and target.deadline.kind == filing.paused_deadline_kind and filing.paused_due_at:
            return filing.paused_due_at + waited, clock  # the stopped clock resumes where it stood
    if target.deadline is None:
        return None, clock
    if source.deadline and source.deadline.kind == target.deadline.kind and filing.due_at:
        return filing.due_at, clock  # the same clock keeps running (submitted → in_review, reassignment)
    valid_until_on = changes.get("valid_until_on", filing.valid_until_on)
    return target.deadline.compute(filing.authority, valid_until_on, at), clock


def apply(filing: Filing, action: str, by, note: str = "", at: dt.datetime | None = None, /, **payload) -> Event:
    """Run `action` on `filing` as `by` (a user, or SYSTEM) and return the Event it wrote.

    Checks that the action exists (UnknownAction), that the actor's role may run it (ActionNotAllowed)
    and that the filing is in a state that allows it (Conflict); validates the note and payload
    (ValidationError, with field errors); then, in one transaction, writes the new status with a
    compare-and-set on (id, status, version) so a concurrent change raises Conflict instead of being
    overwritten, appends the hash-chained Event, recomputes `due_at`, and schedules notifications for
    after commit. `at` defaults to now; the seed and the sweep pass it to record when things happened.
    The five leading arguments are positional-only, so no payload key a client sends can set them.
    """
    at = at or timezone.now()
    workflow = filing.workflow
    if action not in workflow.action_names:
        raise UnknownAction(f"'{action}' is not an action of the {workflow.name} workflow.")
    roles = roles_for(by, filing)
    if not roles & workflow.roles_for_action(action):
        raise ActionNotAllowed(f"Your role on {filing.reference} does not allow '{action}'.")
    transition = workflow.transition(action, filing.status)
    if transition is None or not roles & transition.roles:
        state = workflow.state(filing.status)
        raise Conflict(f"{filing.reference} is {state.staff_label.lower()}; '{action}' is not possible now.")

    actor = None if by == SYSTEM else by
    cleaned = _clean_payload(transition, filing, note, payload)
    source = workflow.state(filing.status)
    target = workflow.state(transition.target_from(filing.status))

    with transaction.atomic():
        changes: dict = {}
        if transition.effect:
            transition.effect(filing, changes, actor, note.strip(), cleaned, at)
        due_at, clock = _next_due_at(filing, source, target, changes, at)
        changes.update(clock, due_at=due_at, status=target.name)
        if target is not source:
            changes["status_changed_at"] = at
        won = Filing.objects.filter(pk=filing.pk, status=filing.status, version=filing.version).update(
            version=F("version") + 1, **changes
        )
        if won != 1:
            raise Conflict(f"{filing.reference} was changed by someone else a moment ago. Reload and try again.")
        event = _append_event(filing, transition, source, target, actor, note.strip(), cleaned, at)
        for key, value in changes.items():
            setattr(filing, key, value)
        filing.version += 1
        transaction.on_commit(lambda: _announce(event.pk))
    return event


def _append_event(filing, transition, source, target, actor, note, cleaned, at) -> Event:
    # The compare-and-set above holds the filing's row lock until commit, so reading the chain's tip
    # here cannot race another writer of the same filing.
    last = filing.events.order_by("-sequence").values("sequence", "hash").first()
    event = Event(
        filing=filing,
        sequence=(last["sequence"] + 1) if last else 1,
        action=transition.name,
        from_status=source.name,
        to_status=target.name,
        actor=actor,
        actor_label=actor.get_username() if actor else SYSTEM,
        note=note,
        payload=_payload_for_event(cleaned),
        created_at=at,
        prev_hash=last["hash"] if last else Event.GENESIS_HASH,
    )
    event.hash = event.compute_hash()
    event.save(force_insert=True)
    return event


def _announce(event_id: int) -> None:
    from . import notifications  # local: notifications renders templates and reads the workflow

    notifications.event_recorded(event_id)


# --- audit -------------------------------------------------------------------------------------


def first_broken_link(events) -> tuple[Event, str] | None:
    """Walk events (ordered by filing, sequence) and return the first that breaks its chain, with why."""
    previous_filing, previous_hash, expected_sequence = None, None, 1
    for event in events:
        if event.filing_id != previous_filing:
            previous_filing, previous_hash, expected_sequence = event.filing_id, Event.GENESIS_HASH, 1
        if event.sequence != expected_sequence:
            return event, f"sequence {event.sequence} where {expected_sequence} was expected (a row is missing)"
        if event.prev_hash != previous_hash:
            return event, "its link to the previous event does not match"
        if event.compute_hash() != event.hash:
            return event, "its content no longer matches its hash (edited after it was written)"
        previous_hash, expected_sequence = event.hash, expected_sequence + 1
    return None


# --- diagrams ----------------------------------------------------------------------------------


def mermaid(workflow: Workflow) -> str:
    """A Mermaid state diagram drawn from the declaration."""
    lines = ["stateDiagram-v2", "    [*] --> draft"]
    for state in workflow.states:
        lines.append(f"    {state.name} : {state.staff_label}")
    for t in workflow.transitions:
        who = "/".join(sorted(t.roles))
        for source in t.sources:
            lines.append(f"    {source} --> {t.target_from(source)} : {t.name} ({who})")
    for state in workflow.states:
        if state.terminal:
            lines.append(f"    {state.name} --> [*]")
    return "\n".join(lines) + "\n"


def describe(workflow: Workflow) -> dict:
    """The declaration as plain data, for the API and the diagram page."""
    return {
        "key": workflow.key,
        "name": workflow.name,
        "states": [
            {
                "name": s.name,
                "label": s.staff_label,
                "applicant_label": s.applicant_label,
                "terminal": s.terminal,
                "waits_on": s.waits_on,
                "counts_against_sla": s.counts_against_sla,
                "stops_clock": s.stops_clock,
                "grants_validity": s.grants_validity,
                "deadline": s.deadline.kind if s.deadline else None,
            }
            for s in workflow.states
        ],
        "transitions": [
            {
                "name": t.name,
                "label": t.label,
                "from": list(t.sources),
                "to": t.target,
                "roles": sorted(t.roles),
                "note_required": t.note_required,
                "payload": [{"name": f.name, "kind": f.kind, "required": f.required} for f in t.payload],
            }
            for t in workflow.transitions
        ],
    }
