"""Each authority's exemption procedure, declared as pure data.

A procedure is its states, its transitions (who may run them, what they ask for, what they do, what the clock
triggers, whom they notify) and the dossier elements it requires. Nothing here touches the database: models,
the engine, the notifications, the web and API faces, the demo and the diagrams all read these tables, so a
state or an action is named here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field

# --- vocabulary --------------------------------------------------------------------------------

APPLICANT, REVIEWER, STAFF = "applicant", "reviewer", "staff"
SYSTEM = "system"  # the actor of transitions the clock triggers
AUTHORITY_ROLES = frozenset({REVIEWER, STAFF})
HUMAN_ROLES = frozenset({APPLICANT, REVIEWER, STAFF})

AUTHORITY = "authority"  # `State.waits_on`: the authority has the next move (or APPLICANT)

# Who hears of an event (`Transition.notice`): members of the applicant organization, the assigned reviewer
# (every reviewer while none is assigned), every reviewer of the authority, the authority's staff.
APPLICANTS, ASSIGNED_REVIEWER, REVIEWERS, AUTHORITY_STAFF = "applicants", "reviewer", "reviewers", "staff"

# What sets off a system transition (`Transition.trigger`).
DEADLINE_PASSED = "deadline"  # the state's due_at has passed
VALIDITY_ENDED = "validity_end"  # the approval's last valid day has ended in the authority's zone

# How a transition's button reads (`Transition.tone`).
PRIMARY, SECONDARY, DANGER = "primary", "secondary", "danger"

# What a transition writes besides status (`Transition.effects`); the engine holds one function per name.
SNAPSHOT_DOSSIER = "snapshot_dossier"  # freeze the dossier as filed, with its hash
ASSIGN_ACTOR = "assign_actor"
ASSIGN_REVIEWER = "assign_reviewer"
POST_INFORMATION_REQUEST = "post_information_request"  # the note opens the thread's request
POST_RESPONSE = "post_response"
RECORD_APPROVAL = "record_approval"  # decided_at, validity, conditions, licence number
RECORD_RECOMMENDATION = "record_recommendation"  # proposed validity, kept on the event until confirmed
ADOPT_RECOMMENDATION = "adopt_recommendation"  # approve with the recommended validity unless given anew
RECORD_REFUSAL = "record_refusal"
CHECK_EXTENSION_REQUEST = "check_extension_request"
EXTEND_VALIDITY = "extend_validity"
REDACT_SNAPSHOT = "redact_snapshot"  # retention: personal details out, the submitted hash kept

# Dates anyone types are checked against this range, so a slip such as 9999-12-31 is a field error,
# not a deadline in the year 10000 that every page and the sweep then trip over.
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)

# Elements a dossier may have to contain before it can be filed (`Procedure.required_elements`).
DOSSIER_ELEMENTS = {
    "purpose": "Nature of the assistance (purpose)",
    "justification": "Why an exemption is needed",
    "beneficiaries": "Recipients: number of beneficiaries by category",
    "selection_criteria": "Criteria used to select beneficiaries",
    "destinations": "Destinations (province or county, facility)",
    "items": "Detailed list of goods with quantities and specifications",
    "shipment_window": "Expected timeframe of shipment",
    "parties": "Parties involved in shipment and delivery",
    "monitoring_arrangements": "Monitoring arrangements",
    "financial_channel": "Financial transactions involved",
}
# Implementation Assistance Notice 7 lists every element for the 1718 Committee (DOMAIN.md).
IAN7_ELEMENTS = tuple(DOSSIER_ELEMENTS)
# A licence application names what moves, to whom, when, why and how it is paid.
LICENCE_ELEMENTS = (
    "purpose",
    "justification",
    "destinations",
    "items",
    "shipment_window",
    "parties",
    "financial_channel",
)


# --- declarations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """How a state's `due_at` is computed when a filing enters it.

    `kind` names the clock (review, reply, no_objection, …): moving between states of the same kind keeps
    the running deadline, and leaving a state that stops the clock resumes it. Settings name Authority
    fields, so each authority keeps its own durations.
    """

    kind: str
    working_days_setting: str | None = None  # working days from entry
    from_validity_end_days_setting: str | None = None  # calendar days after valid_until_on
    at_validity_end: bool = False  # the end of the approval's last valid day


@dataclass(frozen=True)
class State:
    name: str
    staff_label: str
    applicant_label: str
    initial: bool = False  # a new filing starts here; the authority does not see it yet
    terminal: bool = False
    waits_on: str | None = None  # APPLICANT, AUTHORITY or None
    counts_against_sla: bool = False
    stops_clock: bool = False  # pauses the deadline of the state it interrupted
    grants_validity: bool = False  # an approval that may be in force (cleared-to-ship counts it)
    lapsed: bool = False  # an approval whose validity has run out
    decided: bool = False  # the authority has ruled; a new request may be filed beside it
    deadline: Deadline | None = None

    @property
    def waits_on_applicant(self) -> bool:
        return self.waits_on == APPLICANT

    @property
    def waits_on_authority(self) -> bool:
        return self.waits_on == AUTHORITY


DATE, TEXT, REVIEWER_CHOICE, DOCUMENT = "date", "text", "reviewer", "document"


@dataclass(frozen=True)
class PayloadField:
    """One field a transition asks for. Its bounds are checked by the engine, whatever face the value came from."""

    name: str
    label: str
    kind: str = TEXT  # TEXT | DATE | REVIEWER_CHOICE | DOCUMENT
    required: bool = False
    help_text: str = ""
    max_length: int = 4000
    # DATE: the value lies in [EARLIEST_DATE, LATEST_DATE], on or after the field named `not_before`, and at most
    # the Authority setting `max_months_setting` months after the field named `not_before`.
    not_before: str | None = None
    max_months_setting: str | None = None
    document_kind: str | None = None  # DOCUMENT: the kind of the document attached with the action


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
    effects: tuple[str, ...] = ()
    trigger: str | None = None  # system transitions: DEADLINE_PASSED or VALIDITY_ENDED
    notice: str | None = None  # who is told when it happens (an audience above); None: nobody
    tone: str = PRIMARY
    example_note: str = ""  # what a real note reads like: the demo data and the forms' placeholders

    @property
    def is_system(self) -> bool:
        return self.roles == frozenset({SYSTEM})

    def target_from(self, status: str) -> str:
        return self.target or status

    def field(self, name: str) -> PayloadField | None:
        return next((f for f in self.payload if f.name == name), None)


@dataclass(frozen=True)
class Procedure:
    key: str
    name: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    required_elements: tuple[str, ...] = IAN7_ELEMENTS
    _states_by_name: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        self._states_by_name.update({s.name: s for s in self.states})
        initial = [s for s in self.states if s.initial]
        if len(initial) != 1 or initial[0].name != INITIAL:
            raise ValueError(f"{self.key} must have exactly one initial state, {INITIAL}")
        for t in self.transitions:
            unknown = {*t.sources, t.target or t.sources[0]} - self._states_by_name.keys()
            if unknown:
                raise ValueError(f"{self.key}.{t.name} refers to unknown states {sorted(unknown)}")
            if t.trigger and not t.is_system:
                raise ValueError(f"{self.key}.{t.name}: only system transitions have a trigger")
        if set(self.required_elements) - DOSSIER_ELEMENTS.keys():
            raise ValueError(f"{self.key} requires unknown dossier elements")

    def state(self, name: str) -> State:
        return self._states_by_name[name]

    @property
    def initial_state(self) -> State:
        return next(s for s in self.states if s.initial)

    @property
    def action_names(self) -> list[str]:
        return list(dict.fromkeys(t.name for t in self.transitions))

    def transition(self, action: str, status: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == action and status in t.sources), None)

    def label_of(self, action: str) -> str:
        return next((t.label for t in self.transitions if t.name == action), action)

    def transition_sources(self, action: str) -> set[str]:
        return {source for t in self.transitions if t.name == action for source in t.sources}

    def roles_for_action(self, action: str) -> frozenset[str]:
        return frozenset().union(*(t.roles for t in self.transitions if t.name == action))

    def triggered_by(self, trigger: str) -> list[Transition]:
        return [t for t in self.transitions if t.trigger == trigger]

    def with_effect(self, effect: str) -> list[Transition]:
        return [t for t in self.transitions if effect in t.effects]

    def action_with_effect(self, effect: str) -> str:
        """The one action that has `effect`, e.g. the action that files a dossier (SNAPSHOT_DOSSIER)."""
        (name,) = {t.name for t in self.with_effect(effect)}
        return name

    def states_where(self, **attributes) -> list[str]:
        return [s.name for s in self.states if all(getattr(s, k) == v for k, v in attributes.items())]

    @property
    def open_states(self) -> list[str]:
        return self.states_where(terminal=False)

    @property
    def pending_states(self) -> list[str]:
        """States of a request the authority has not yet ruled on."""
        return [s.name for s in self.states if not (s.terminal or s.decided)]

    def is_decision(self, transition: Transition) -> bool:
        """A ruling the applicant is told of: its email carries the decision and any decision letter."""
        target = self.state(transition.target) if transition.target else None
        return bool(transition.notice == APPLICANTS and target and (target.decided or target.terminal))

    def path_to(self, state: str, *, start: str = "") -> list[Transition]:
        """The shortest run of state-changing transitions from `start` (the initial state) into `state`,
        preferring declaration order: how the demo, the benchmark data and the tests reach a state."""
        start = start or INITIAL
        came_from: dict[str, tuple[str, Transition] | None] = {start: None}
        queue = deque([start])
        while queue:
            here = queue.popleft()
            if here == state:
                break
            for t in self.transitions:
                if here in t.sources and t.target and t.target not in came_from:
                    came_from[t.target] = (here, t)
                    queue.append(t.target)
        if state not in came_from:
            raise ValueError(f"{self.key}: no path from {start} to {state}")
        path, here = [], state
        while came_from[here] is not None:
            here, t = came_from[here]
            path.append(t)
        return path[::-1]

    def mermaid(self) -> str:
        """A Mermaid state diagram drawn from the declaration."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial_state.name}"]
        lines += [f"    {s.name} : {s.staff_label}" for s in self.states]
        for t in self.transitions:
            who = "/".join(sorted(t.roles))
            lines += [f"    {source} --> {t.target_from(source)} : {t.name} ({who})" for source in t.sources]
        lines += [f"    {s.name} --> [*]" for s in self.states if s.terminal]
        return "\n".join(lines) + "\n"

    def describe(self) -> dict:
        """The declaration as plain data, for the API and the diagram page."""
        return {
            "key": self.key,
            "name": self.name,
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
                for s in self.states
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
                for t in self.transitions
            ],
        }


# --- deadlines ---------------------------------------------------------------------------------

REVIEW = Deadline("review", working_days_setting="review_sla_working_days")
REPLY = Deadline("reply", working_days_setting="applicant_reply_working_days")
NO_OBJECTION = Deadline("no_objection", working_days_setting="no_objection_working_days")
CONFIRMATION = Deadline("confirmation", working_days_setting="confirmation_working_days")
EXTENSION_REVIEW = Deadline("extension_review", working_days_setting="extension_review_working_days")
EXPIRY = Deadline("expiry", at_validity_end=True)
REPORT = Deadline("report", from_validity_end_days_setting="report_due_days")
DEADLINES = (REVIEW, REPLY, NO_OBJECTION, CONFIRMATION, EXTENSION_REVIEW, EXPIRY, REPORT)


# --- the shared core (DESIGN.md section 4) -----------------------------------------------------

INITIAL = "draft"

CORE_STATES = (
    State(INITIAL, "Draft", "Draft — not yet filed", initial=True, waits_on=APPLICANT),
    State("submitted", "Submitted — unassigned", "Filed", waits_on=AUTHORITY, counts_against_sla=True, deadline=REVIEW),
    State("in_review", "In review", "Under review", waits_on=AUTHORITY, counts_against_sla=True, deadline=REVIEW),
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
        waits_on=AUTHORITY,
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
        lapsed=True,
        decided=True,
        deadline=REPORT,
    ),
    State("closed", "Closed", "Closed — report filed", terminal=True),
)

VALIDITY_FROM = PayloadField("valid_from_on", "Valid from", DATE, required=True)
VALIDITY_UNTIL = PayloadField(
    "valid_until_on",
    "Valid until",
    DATE,
    required=True,
    not_before="valid_from_on",
    max_months_setting="max_validity_months",
    help_text="No later than the authority's longest validity after the first valid day",
)
CONDITIONS = PayloadField("conditions", "Conditions", help_text="Conditions the holder must respect", max_length=20_000)
VALIDITY_FIELDS = (VALIDITY_FROM, VALIDITY_UNTIL, CONDITIONS)
REASONS = PayloadField("reasons", "Reasons", required=True, help_text="Shown to the applicant", max_length=20_000)
REVIEWER_FIELD = PayloadField("reviewer", "Reviewer", REVIEWER_CHOICE, required=True)


def retention_transition(states: tuple[State, ...]) -> Transition:
    """The retention policy redacts personal details of a closed case; the audit trail records when."""
    closed = tuple(s.name for s in states if s.terminal)
    return Transition(
        "anonymize", "Anonymize personal details", closed, None, frozenset({SYSTEM}), effects=(REDACT_SNAPSHOT,)
    )


def core_transitions(*, review_states=("in_review",), approve: Transition | None, withdrawable=()):
    """The shared core of DESIGN.md section 4; `review_states` are where a reviewer may decide."""
    open_before_decision = (INITIAL, "submitted", "in_review", "information_requested", *withdrawable)
    reassignable = ("in_review", "information_requested", *review_states[1:])
    assign = dict(roles=frozenset({STAFF}), payload=(REVIEWER_FIELD,), effects=(ASSIGN_REVIEWER,))
    return (
        Transition(
            "submit",
            "File with the authority",
            (INITIAL,),
            "submitted",
            frozenset({APPLICANT}),
            effects=(SNAPSHOT_DOSSIER,),
            notice=REVIEWERS,
        ),
        Transition("take", "Take this case", ("submitted",), "in_review", AUTHORITY_ROLES, effects=(ASSIGN_ACTOR,)),
        Transition("assign", "Assign a reviewer", ("submitted",), "in_review", **assign),
        Transition("assign", "Assign a reviewer", reassignable, None, tone=SECONDARY, **assign),
        Transition(
            "request_information",
            "Request information",
            ("in_review",),
            "information_requested",
            AUTHORITY_ROLES,
            note_required=True,
            note_label="What do you need from the applicant?",
            effects=(POST_INFORMATION_REQUEST,),
            notice=APPLICANTS,
            tone=SECONDARY,
            example_note="Please give the county-level distribution plan and the cold-chain capacity at each site.",
        ),
        Transition(
            "respond",
            "Send the requested information",
            ("information_requested",),
            "in_review",
            frozenset({APPLICANT}),
            note_required=True,
            note_label="Your answer",
            effects=(POST_RESPONSE,),
            notice=ASSIGNED_REVIEWER,
            example_note="The distribution plan is attached; each county hospital has two 400-litre refrigerators.",
        ),
        *([approve] if approve else []),
        Transition(
            "deny",
            "Deny",
            review_states,
            "denied",
            AUTHORITY_ROLES,
            payload=(REASONS,),
            effects=(RECORD_REFUSAL,),
            notice=APPLICANTS,
            tone=DANGER,
        ),
        Transition(
            "withdraw",
            "Withdraw the request",
            open_before_decision,
            "withdrawn",
            frozenset({APPLICANT}),
            note_required=True,
            note_label="Why are you withdrawing?",
            tone=DANGER,
            example_note="The donor moved the funding to another programme.",
        ),
        Transition(
            "expire",
            "Expire",
            ("approved", "extension_requested"),
            "expired",
            frozenset({SYSTEM}),
            trigger=VALIDITY_ENDED,
            notice=APPLICANTS,
        ),
        Transition(
            "request_extension",
            "Request an extension",
            ("approved",),
            "extension_requested",
            frozenset({APPLICANT}),
            note_required=True,
            note_label="Why is more time needed?",
            payload=(PayloadField("requested_until_on", "Extend until", DATE, required=True),),
            effects=(CHECK_EXTENSION_REQUEST,),
            tone=SECONDARY,
            example_note="Port congestion in Nampo delayed the second shipment; three more months are needed.",
        ),
        Transition(
            "approve_extension",
            "Approve the extension",
            ("extension_requested",),
            "approved",
            AUTHORITY_ROLES,
            payload=(PayloadField("valid_until_on", "New end of validity", DATE, required=True),),
            effects=(EXTEND_VALIDITY,),
            notice=APPLICANTS,
        ),
        Transition(
            "deny_extension",
            "Deny the extension",
            ("extension_requested",),
            "approved",
            AUTHORITY_ROLES,
            note_required=True,
            notice=APPLICANTS,
            tone=DANGER,
        ),
        Transition(
            "file_report",
            "File the delivery report",
            ("approved", "expired"),
            "closed",
            frozenset({APPLICANT}),
            note_required=True,
            note_label="Summary of deliveries and end use",
            payload=(
                PayloadField("report", "Report (PDF, Word or spreadsheet)", DOCUMENT, document_kind="delivery_report"),
            ),
            example_note="All cartons delivered to the listed facilities; monitoring visits on 3 and 17 March "
            "found no diversion.",
        ),
    )


GENERIC = Procedure(
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
                payload=(
                    *VALIDITY_FIELDS,
                    PayloadField("authority_reference", "Licence or letter number", max_length=100),
                ),
                effects=(RECORD_APPROVAL,),
                notice=APPLICANTS,
            ),
        ),
        retention_transition(CORE_STATES),
    ),
    required_elements=LICENCE_ELEMENTS,
)


# --- OFAC: interagency consultation, licence numbers, return without action --------------------

OFAC_STATES = (
    *CORE_STATES,
    State(
        "interagency_consultation",
        "Interagency consultation",
        "Under review (consultation with other agencies)",
        waits_on=AUTHORITY,
        counts_against_sla=True,
        deadline=REVIEW,
    ),
    State("returned_without_action", "Returned without action", "Returned without action", terminal=True),
)
OFAC = Procedure(
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
                payload=(
                    *VALIDITY_FIELDS,
                    PayloadField("authority_reference", "Licence number", required=True, max_length=100),
                ),
                effects=(RECORD_APPROVAL,),
                notice=APPLICANTS,
            ),
        ),
        Transition(
            "consult",
            "Start interagency consultation",
            ("in_review",),
            "interagency_consultation",
            AUTHORITY_ROLES,
            tone=SECONDARY,
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
            effects=(RECORD_REFUSAL,),
            notice=APPLICANTS,
            tone=DANGER,
        ),
        retention_transition(OFAC_STATES),
    ),
    required_elements=LICENCE_ELEMENTS,
)


# --- UN 1718 Committee: recommendation, no-objection period, holds, confirmation ---------------

UN1718_STATES = (
    *CORE_STATES,
    State(
        "no_objection_period",
        "No-objection period",
        "Before the Committee (no-objection period)",
        waits_on=AUTHORITY,
        deadline=NO_OBJECTION,
    ),
    State("on_hold", "On hold (member hold)", "On hold by a Committee member", waits_on=AUTHORITY, stops_clock=True),
    State(
        "approval_proposed",
        "Approval proposed — confirm",
        "Before the Committee (no objection received)",
        waits_on=AUTHORITY,
        deadline=CONFIRMATION,
    ),
)
UN1718 = Procedure(
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
            payload=(*VALIDITY_FIELDS, PayloadField("authority_reference", "Committee letter number", max_length=100)),
            effects=(RECORD_RECOMMENDATION,),
        ),
        Transition(
            "place_hold",
            "Record a member's hold",
            ("no_objection_period",),
            "on_hold",
            AUTHORITY_ROLES,
            note_required=True,
            tone=DANGER,
            example_note="A Committee member placed a hold pending clarification of the end users.",
        ),
        Transition("release_hold", "Hold lifted", ("on_hold",), "no_objection_period", AUTHORITY_ROLES),
        Transition(
            "propose_approval",
            "Propose approval",
            ("no_objection_period",),
            "approval_proposed",
            frozenset({SYSTEM}),
            trigger=DEADLINE_PASSED,
        ),
        Transition(
            "confirm_approval",
            "Confirm the approval",
            ("approval_proposed",),
            "approved",
            frozenset({STAFF}),
            payload=(
                PayloadField("valid_from_on", "Valid from", DATE),
                PayloadField(
                    "valid_until_on",
                    "Valid until",
                    DATE,
                    not_before="valid_from_on",
                    max_months_setting="max_validity_months",
                ),
                CONDITIONS,
                PayloadField("authority_reference", "Committee letter number", max_length=100),
            ),
            effects=(ADOPT_RECOMMENDATION,),
            notice=APPLICANTS,
        ),
        retention_transition(UN1718_STATES),
    ),
)

PROCEDURES = {p.key: p for p in (UN1718, OFAC, GENERIC)}
ALL_STATES = {s.name: s for p in PROCEDURES.values() for s in p.states}  # the first declaration of each name
ALL_ACTIONS = {name for p in PROCEDURES.values() for name in p.action_names}


def procedure_for(key: str) -> Procedure:
    return PROCEDURES[key]


def states_where(**attributes) -> list[str]:
    """Names of the states, in any procedure, with these attributes (e.g. terminal=True)."""
    return sorted({name for p in PROCEDURES.values() for name in p.states_where(**attributes)})
