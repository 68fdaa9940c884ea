"""The UN 1718 Committee: the Secretariat recommends, members may hold during a no-objection period, and staff
confirm the approval the Committee did not object to."""

from .core import (
    CONDITIONS,
    CONFIRMATION,
    CORE_STATES,
    LICENCE_DOCUMENT,
    NO_OBJECTION,
    VALIDITY_FIELDS,
    core_transitions,
    retention_transition,
    screening_transition,
)
from .declarations import (
    PayloadField,
    Procedure,
    State,
    Transition,
)
from .vocabulary import (
    ADOPT_RECOMMENDATION,
    APPLICANTS,
    AUTHORITY,
    AUTHORITY_ROLES,
    AUTHORITY_STAFF,
    DANGER,
    DATE,
    DEADLINE_PASSED,
    RECORD_RECOMMENDATION,
    STAFF,
    SYSTEM,
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
            notice=AUTHORITY_STAFF,  # "the period ended without objection: confirm", even after an SMTP outage
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
                LICENCE_DOCUMENT,
            ),
            effects=(ADOPT_RECOMMENDATION,),
            notice=APPLICANTS,
        ),
        retention_transition(UN1718_STATES),
        screening_transition(UN1718_STATES),
    ),
)
