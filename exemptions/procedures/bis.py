"""BIS (US Commerce) as 15 CFR 750.4 and 748.6 describe it: BIS registers an application under its number (a
letter and six digits) and must resolve or refer it within 90 calendar days of registration; it may refer it to
other agencies (State, Defense, Energy) with that clock still running, return it without action, deny it, or
approve it in whole or in part (what may ship of each item)."""

from .core import (
    CORE_STATES,
    DECISION_DOCUMENT,
    LICENCE_DOCUMENT,
    REASONS,
    VALIDITY_FIELDS,
    core_transitions,
    retention_transition,
    screening_transition,
)
from .declarations import (
    Deadline,
    PayloadField,
    Procedure,
    State,
    Transition,
)
from .vocabulary import (
    APPLICANTS,
    AUTHORITY,
    AUTHORITY_ROLES,
    DANGER,
    ITEM_QUANTITIES,
    LICENCE_ELEMENTS,
    NOT_REGISTERED,
    RECORD_APPROVAL,
    RECORD_APPROVED_QUANTITIES,
    RECORD_REFUSAL,
    RECORD_REGISTRATION,
    REGISTERED,
    SECONDARY,
)

# 90 calendar days from registration, not working days. Before registration the date is unknown, so a filed
# application has no deadline yet; a referral keeps the same clock (750.4: resolved *or referred* within it).
BIS_REVIEW = Deadline("review", calendar_days_setting="review_calendar_days", after="registered_at")

REGISTRATION_NUMBER = PayloadField(
    "registration_number",
    "Registration number",
    required=True,
    max_length=20,
    pattern=r"[A-Z][0-9]{6}",
    pattern_hint="one capital letter and six digits, e.g. Z123456",
    help_text="The application control number BIS registered the application under",
)
APPROVED_QUANTITIES = PayloadField(
    "item_quantities",
    "Approved quantity per item",
    ITEM_QUANTITIES,
    required=True,
    help_text="For each item, what may ship under the licence (0: not approved); no more than was asked",
)
LICENCE_NUMBER = PayloadField("authority_reference", "Licence number", max_length=100)

_REPLACED = {"submitted", "in_review"}
BIS_STATES = (
    CORE_STATES[0],
    State(
        "submitted",
        "Filed — awaiting registration",
        "Filed — awaiting registration by BIS",
        waits_on=AUTHORITY,
        counts_against_sla=True,
        deadline=BIS_REVIEW,
    ),
    State("in_review", "In review", "Under review", waits_on=AUTHORITY, counts_against_sla=True, deadline=BIS_REVIEW),
    *(s for s in CORE_STATES[1:] if s.name not in _REPLACED),
    State(
        "referred",
        "Referred to other agencies",
        "Under review (referred to other agencies)",
        waits_on=AUTHORITY,
        counts_against_sla=True,
        deadline=BIS_REVIEW,
    ),
    State("returned_without_action", "Returned without action", "Returned without action", terminal=True),
)
_REVIEW_STATES = ("in_review", "referred")
_DECIDE = dict(roles=AUTHORITY_ROLES, guard=REGISTERED, notice=APPLICANTS)


def _core():
    """The shared core, where registering takes the place of taking a filed case (or assigning it): BIS reviews
    only what it has registered."""
    for t in core_transitions(review_states=_REVIEW_STATES, withdrawable=("referred",), approve=None, deny=False):
        if not (t.name in {"take", "assign"} and "submitted" in t.sources):
            yield t


BIS = Procedure(
    key="bis",
    name="BIS export licence",
    states=BIS_STATES,
    transitions=(
        *_core(),
        # From in_review too: a case taken before BIS had this procedure is registered where it stands.
        Transition(
            "register_application",
            "Register the application",
            ("submitted", "in_review"),
            "in_review",
            AUTHORITY_ROLES,
            payload=(REGISTRATION_NUMBER,),
            effects=(RECORD_REGISTRATION,),
            notice=APPLICANTS,
            guard=NOT_REGISTERED,
        ),
        Transition(
            "approve",
            "Approve in whole",
            ("in_review",),
            "approved",
            payload=(*VALIDITY_FIELDS, LICENCE_NUMBER, LICENCE_DOCUMENT),
            effects=(RECORD_APPROVAL,),
            **_DECIDE,
        ),
        Transition(
            "approve_in_part",
            "Approve in part",
            ("in_review",),
            "approved",
            payload=(*VALIDITY_FIELDS, APPROVED_QUANTITIES, LICENCE_NUMBER, LICENCE_DOCUMENT),
            effects=(RECORD_APPROVAL, RECORD_APPROVED_QUANTITIES),
            tone=SECONDARY,
            **_DECIDE,
        ),
        Transition(
            "deny",
            "Deny",
            _REVIEW_STATES,
            "denied",
            payload=(REASONS, DECISION_DOCUMENT),
            effects=(RECORD_REFUSAL,),
            tone=DANGER,
            **_DECIDE,
        ),
        Transition(
            "refer",
            "Refer to other agencies",
            ("in_review",),
            "referred",
            AUTHORITY_ROLES,
            guard=REGISTERED,
            tone=SECONDARY,
            example_note="Referred to State and Defense under EO 12981; their recommendations are due in 30 days.",
        ),
        Transition(
            "conclude_referral",
            "Referral concluded",
            ("referred",),
            "in_review",
            AUTHORITY_ROLES,
            example_note="State and Defense recommend approval; Energy did not review.",
        ),
        # An application BIS will not process (incomplete, or no licence needed) goes back as it stands, registered
        # or not: this is not a ruling on the merits.
        Transition(
            "return_without_action",
            "Return without action",
            ("submitted", *_REVIEW_STATES),
            "returned_without_action",
            AUTHORITY_ROLES,
            payload=(REASONS, DECISION_DOCUMENT),
            effects=(RECORD_REFUSAL,),
            notice=APPLICANTS,
            tone=DANGER,
        ),
        retention_transition(BIS_STATES),
        screening_transition(BIS_STATES),
    ),
    required_elements=LICENCE_ELEMENTS,
)
