"""OFAC's specific licence: interagency consultation, licence numbers, return without action."""

from .core import (
    CORE_STATES,
    DECISION_DOCUMENT,
    LICENCE_DOCUMENT,
    REASONS,
    REVIEW,
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
    APPLICANTS,
    AUTHORITY,
    AUTHORITY_ROLES,
    DANGER,
    LICENCE_ELEMENTS,
    RECORD_APPROVAL,
    RECORD_CASE_NUMBER,
    RECORD_REFUSAL,
    SECONDARY,
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
                    LICENCE_DOCUMENT,
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
            payload=(REASONS, DECISION_DOCUMENT),
            effects=(RECORD_REFUSAL,),
            notice=APPLICANTS,
            tone=DANGER,
        ),
        Transition(
            "record_case_number",
            "Record the OFAC case number",
            ("submitted", "in_review", "information_requested", "interagency_consultation"),
            None,
            AUTHORITY_ROLES,
            payload=(
                PayloadField(
                    "case_number",
                    "OFAC case number",
                    required=True,
                    max_length=40,
                    help_text="The number OFAC quotes while the request is pending; the licence number comes with "
                    "the licence",
                ),
            ),
            effects=(RECORD_CASE_NUMBER,),
            notice=APPLICANTS,
            tone=SECONDARY,
        ),
        retention_transition(OFAC_STATES),
        screening_transition(OFAC_STATES),
    ),
    required_elements=LICENCE_ELEMENTS,
)
