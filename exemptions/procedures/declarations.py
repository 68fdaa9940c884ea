"""The shapes a procedure is declared in: deadlines, states, payload fields, transitions, and the procedure
itself with the questions code asks of it (which transition now, the path to a state, its diagram)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from .vocabulary import (
    APPLICANT,
    APPLICANTS,
    AUTHORITY,
    AUTHORITY_ROLES,
    CALENDAR_DAYS_AFTER,
    CALENDAR_DAYS_BEFORE,
    DEADLINE_PASSED,
    DOSSIER_ELEMENTS,
    EXPEDITED,
    GUARD_DESCRIPTIONS,
    IAN7_ELEMENTS,
    INITIAL,
    INTERNAL,
    POST_INFORMATION_REQUEST,
    POST_RESPONSE,
    PRIMARY,
    ROUTING_GUARDS,
    SHARED,
    SYSTEM,
    TEXT,
    WORKING_DAYS_FROM_ENTRY,
)


@dataclass(frozen=True)
class Deadline:
    """How a state's `due_at` is computed when a filing enters it, by one of three rules:

    - N working days of the authority's calendar from entry (`working_days_setting`); N may depend on the
      filing: the first (flag, setting) pair of `working_days_setting_when` whose flag is true on the filing
      (an attribute such as an expedited marker) names the setting used instead;
    - N calendar days after an event (`after`): ENTRY, or a date of the filing such as valid_until_on;
    - N calendar days before a date of the dossier (`before`, e.g. ship_from_on).
    N comes from an Authority setting named here, so each authority keeps its own durations (no calendar-day
    setting: N is 0, the end of the event's own day). `closes_by_silence`: the state is a window that closes
    when its deadline passes with nobody acting, by the state's DEADLINE_PASSED system transition.

    `kind` names the clock (review, reply, no_objection, …): moving between states of the same kind keeps
    the running deadline, and leaving a state that stops the clock resumes it.
    """

    kind: str
    working_days_setting: str | None = None
    working_days_setting_when: tuple[tuple[str, str], ...] = ()
    calendar_days_setting: str | None = None
    after: str | None = None
    before: str | None = None
    closes_by_silence: bool = False

    def __post_init__(self):
        rules = [self.working_days_setting, self.after, self.before]
        if sum(rule is not None for rule in rules) != 1:
            raise ValueError(f"Deadline {self.kind}: give exactly one of working_days_setting, after and before")
        if self.working_days_setting_when and not self.working_days_setting:
            raise ValueError(f"Deadline {self.kind}: working_days_setting_when needs working_days_setting")
        if self.calendar_days_setting and self.working_days_setting:
            raise ValueError(f"Deadline {self.kind}: calendar_days_setting counts calendar days after or before")

    @property
    def rule(self) -> str:
        if self.working_days_setting:
            return WORKING_DAYS_FROM_ENTRY
        return CALENDAR_DAYS_AFTER if self.after else CALENDAR_DAYS_BEFORE

    @property
    def at_validity_end(self) -> bool:
        """The deadline is the end of the approval's last valid day: its expiry."""
        return self.after == "valid_until_on" and not self.calendar_days_setting

    @property
    def counts_working_days(self) -> bool:
        return self.rule == WORKING_DAYS_FROM_ENTRY

    def days_setting(self, flag_is_set) -> str | None:
        """The Authority setting that holds N for a filing; `flag_is_set(name)` tells the filing's flags."""
        for flag, setting in self.working_days_setting_when:
            if flag_is_set(flag):
                return setting
        return self.working_days_setting or self.calendar_days_setting


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
    # New messages and documents may be added to a filing here; unless declared, only while it is not terminal.
    accepts_correspondence: bool | None = None

    def __post_init__(self):
        if self.accepts_correspondence is None:
            object.__setattr__(self, "accepts_correspondence", not self.terminal)

    @property
    def waits_on_applicant(self) -> bool:
        return self.waits_on == APPLICANT

    @property
    def waits_on_authority(self) -> bool:
        return self.waits_on == AUTHORITY


@dataclass(frozen=True)
class PayloadField:
    """One field a transition asks for. Its bounds are checked by the engine, whatever face the value came from."""

    name: str
    label: str
    kind: str = TEXT  # TEXT | DATE | REVIEWER_CHOICE | DOCUMENT | MONTHS
    required: bool = False
    help_text: str = ""
    max_length: int = 4000
    # DATE: the value lies in [EARLIEST_DATE, LATEST_DATE], on or after the field named `not_before`, and at most
    # the Authority setting `max_months_setting` months after the field named `not_before`.
    not_before: str | None = None
    max_months_setting: str | None = None
    document_kind: str | None = None  # DOCUMENT: the kind of the document attached with the action
    # MONTHS: a whole number of months from 1 to the Authority setting `max_months_setting`; above the setting
    # `justify_above_setting` the text field named `justification` must be given.
    justify_above_setting: str | None = None
    justification: str | None = None
    # TEXT: the value is one of these (value, label) pairs; empty: any text.
    choices: tuple[tuple[str, str], ...] = ()
    # TEXT: the whole value matches this regular expression; `pattern_hint` says the rule as a person reads it.
    pattern: str | None = None
    pattern_hint: str = ""
    # What the applicant may read: the fields an authority fills in for them (reasons, conditions, validity) are
    # SHARED; a field only the authority should read is INTERNAL.
    audience: str = SHARED


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
    guard: str | None = None  # a condition on the filing (FILED_DIRECT, …); None: always possible
    # Who reads the note: an authority's note is INTERNAL unless declared otherwise (what the applicant reads
    # goes in explicit payload fields); an applicant's note is SHARED (it is their word to the authority).
    note_audience: str | None = None

    def __post_init__(self):
        if self.note_audience is None:
            object.__setattr__(self, "note_audience", INTERNAL if self.roles & AUTHORITY_ROLES else SHARED)

    @property
    def note_is_internal(self) -> bool:
        return self.note_audience == INTERNAL

    def shared_fields(self) -> list[PayloadField]:
        return [f for f in self.payload if f.audience == SHARED]

    @property
    def is_system(self) -> bool:
        return self.roles == frozenset({SYSTEM})

    def target_from(self, status: str) -> str:
        return self.target or status

    @property
    def guard_description(self) -> str:
        return GUARD_DESCRIPTIONS.get(self.guard, "")


@dataclass(frozen=True)
class Procedure:
    key: str
    name: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    required_elements: tuple[str, ...] = IAN7_ELEMENTS
    # Keys of the procedures whose approval, on a filing of the same dossier, must stand before a filing of this
    # one may be filed (EU: Regulation 2017/1509 authorises only after the 1718 Committee approved), and why.
    requires_approval_from: tuple[str, ...] = ()
    requirement_basis: str = ""
    # The legal basis every filing on this procedure stands on, whatever the filer left in the form (a general
    # licence notification is never a specific request); empty: the filer's choice (Filing.LegalBasis values).
    legal_basis: str = ""
    # An approval is extended or amended by a new request linked to it (UN practice). False: a new activity is a
    # new filing of its own (a cleared notification covers its shipment window and nothing more).
    extends_by_linked_request: bool = True
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
            if t.guard and t.guard not in GUARD_DESCRIPTIONS:
                raise ValueError(f"{self.key}.{t.name}: unknown guard {t.guard}")
            if {POST_INFORMATION_REQUEST, POST_RESPONSE} & set(t.effects) and t.note_is_internal:
                raise ValueError(f"{self.key}.{t.name} posts its note to the thread, so the note must be shared")
        if self.key in self.requires_approval_from:
            raise ValueError(f"{self.key} cannot wait on its own approval")
        if set(self.required_elements) - DOSSIER_ELEMENTS.keys():
            raise ValueError(f"{self.key} requires unknown dossier elements")
        for s in self.states:
            closers = self.closed_by_silence(s.name)
            if bool(s.deadline and s.deadline.closes_by_silence) != bool(closers) or len(closers) > 1:
                raise ValueError(
                    f"{self.key}.{s.name}: a state whose deadline closes by silence has exactly one "
                    f"{DEADLINE_PASSED} system transition, and only such a state has one"
                )

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

    def closed_by_silence(self, state: str) -> list[Transition]:
        """The system transition that runs when the window of `state` passes with nobody acting (or none)."""
        return [t for t in self.triggered_by(DEADLINE_PASSED) if state in t.sources]

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

    @property
    def takes_forwarded_requests(self) -> bool:
        """Requests reach this authority directly or through a forwarding body, as each filing's channel says."""
        return any(t.guard in ROUTING_GUARDS for t in self.transitions)

    @property
    def expedited_deadlines(self) -> tuple[tuple[str, str], ...]:
        """(deadline kind, Authority setting) of the deadlines an expedited request runs on instead (UN 1718: the
        expedited no-objection period); empty when the procedure has no expedited track."""
        pairs = {
            (s.deadline.kind, setting)
            for s in self.states
            if s.deadline
            for flag, setting in s.deadline.working_days_setting_when
            if flag == EXPEDITED
        }
        return tuple(sorted(pairs))

    def path_to(self, state: str, *, start: str = "", admits=None) -> list[Transition]:
        """The shortest run of state-changing transitions from `start` (the initial state) into `state`,
        preferring declaration order: how the demo, the benchmark data and the tests reach a state. `admits`,
        when given, says which guarded transitions a particular filing may take (a path may bring about the
        facts of the other guards, e.g. a registration, so only routing guards are asked)."""
        start = start or INITIAL
        came_from: dict[str, tuple[str, Transition] | None] = {start: None}
        queue = deque([start])
        while queue:
            here = queue.popleft()
            if here == state:
                break
            for t in self.transitions:
                if t.guard in ROUTING_GUARDS and admits is not None and not admits(t):
                    continue
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
            who = "/".join(sorted(t.roles)) + (f", if {t.guard}" if t.guard else "")
            lines += [f"    {source} --> {t.target_from(source)} : {t.name} ({who})" for source in t.sources]
        lines += [f"    {s.name} --> [*]" for s in self.states if s.terminal]
        lines += [
            f"    note left of {self.initial_state.name} : filed only once approved under {key}"
            for key in self.requires_approval_from
        ]
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
                    "note_audience": t.note_audience,
                    "payload": [
                        {
                            "name": f.name,
                            "kind": f.kind,
                            "required": f.required,
                            "audience": f.audience,
                            **({"choices": [value for value, _ in f.choices]} if f.choices else {}),
                        }
                        for f in t.payload
                    ],
                    "effects": list(t.effects),
                    "trigger": t.trigger,
                    "notice": t.notice,
                    "guard": t.guard,
                }
                for t in self.transitions
            ],
            "requires_approval_from": list(self.requires_approval_from),
            "expedited_deadlines": [
                {"kind": kind, "working_days_setting": setting} for kind, setting in self.expedited_deadlines
            ],
        }
