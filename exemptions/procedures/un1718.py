"""The UN 1718 Committee as IAN 7 describes it: a request reaches the Committee directly or through a forwarding
body (a Member State, the UN Resident Coordinator, the Committee Secretary); the Secretariat checks completeness
(and may return it) and circulates it under the no-objection procedure; a member may hold it (the clock stops,
its questions go to the applicant and the answer back) or object (the negative outcome); silence to the end of
the period is approval, which staff confirm with a validity counted from that approval."""

from .core import (
    CONDITIONS,
    CONFIRMATION,
    CORE_STATES,
    DECISION_DOCUMENT,
    HOLD,
    LICENCE_DOCUMENT,
    NO_OBJECTION,
    REASONS,
    REPLY,
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
    APPLICANT,
    APPLICANTS,
    AUTHORITY,
    AUTHORITY_ROLES,
    AUTHORITY_STAFF,
    CHECK_CHANNEL,
    DANGER,
    DATE,
    DEADLINE_PASSED,
    FILED_DIRECT,
    FILED_THROUGH_FORWARDER,
    INITIAL,
    MONTHS,
    POST_INFORMATION_REQUEST,
    POST_RESPONSE,
    RECORD_COMMITTEE_APPROVAL,
    RECORD_REFUSAL,
    RECORD_TRANSMISSION,
    REVIEWERS,
    SCREEN_PARTIES,
    SECONDARY,
    SHARED,
    SNAPSHOT_DOSSIER,
    STAFF,
    SYSTEM,
)

# The Secretariat does not deny and an approval is extended by a new, linked request: those core states stay out.
NOT_IN_UN1718 = {"denied", "extension_requested"}
ON_HOLD = "on_hold"

UN1718_STATES = (
    CORE_STATES[0],
    State(
        "with_forwarder",
        "With the Member State / RC",
        "With the forwarding body (Member State, Resident Coordinator or Committee Secretary)",
    ),
    *(s for s in CORE_STATES[1:] if s.name not in NOT_IN_UN1718),
    State(
        "no_objection_period",
        "No-objection period",
        "Before the Committee (no-objection period)",
        waits_on=AUTHORITY,
        deadline=NO_OBJECTION,
    ),
    State(
        ON_HOLD,
        "On hold (member hold)",
        "On hold by a Committee member",
        waits_on=AUTHORITY,
        stops_clock=True,
        deadline=HOLD,
    ),
    State(
        "hold_questions",
        "On hold — member questions with the applicant",
        "On hold — a Committee member has questions for you",
        waits_on=APPLICANT,
        stops_clock=True,
        deadline=REPLY,
    ),
    State(
        "approval_proposed",
        "Approval proposed — confirm",
        "Before the Committee (no objection received)",
        waits_on=AUTHORITY,
        deadline=CONFIRMATION,
    ),
    State(
        "returned_incomplete", "Returned as incomplete", "Returned as incomplete — file a new request", terminal=True
    ),
    State("objected", "Objected by a Committee member", "Not approved — a Committee member objected", terminal=True),
)

VALIDITY_JUSTIFICATION = PayloadField(
    "validity_justification",
    "Justification for the longer validity",
    help_text="Required above the authority's default validity, e.g. transport delays",
)
VALIDITY_MONTHS = PayloadField(
    "validity_months",
    "Validity in months from the approval",
    MONTHS,
    max_months_setting="max_validity_months",
    justify_above_setting="default_validity_months",
    justification=VALIDITY_JUSTIFICATION.name,
    help_text="Empty: the authority's default. Longer, up to its maximum, with a written justification",
)
_FILE = dict(
    label="File the request",
    sources=(INITIAL,),
    roles=frozenset({APPLICANT}),
    effects=(CHECK_CHANNEL, SNAPSHOT_DOSSIER, SCREEN_PARTIES),
)
_BEFORE_DECISION = ("with_forwarder", "no_objection_period", ON_HOLD, "hold_questions", "approval_proposed")

UN1718 = Procedure(
    key="un1718",
    name="UN 1718 Committee exemption",
    states=UN1718_STATES,
    transitions=(
        Transition("submit", target="submitted", notice=REVIEWERS, guard=FILED_DIRECT, **_FILE),
        Transition("submit", target="with_forwarder", notice=REVIEWERS, guard=FILED_THROUGH_FORWARDER, **_FILE),
        Transition(
            "record_transmission",
            "Record the transmission to the Committee",
            ("with_forwarder",),
            "submitted",
            frozenset({APPLICANT, *AUTHORITY_ROLES}),
            payload=(
                PayloadField(
                    "transmitted_on",
                    "Transmitted to the Committee on",
                    DATE,
                    required=True,
                    help_text="The forwarding body's date of transmission: the Committee's clock starts then",
                ),
            ),
            effects=(RECORD_TRANSMISSION,),
            notice=REVIEWERS,
            note_audience=SHARED,  # the applicant may record it too: both sides read the transmittal
            example_note="Transmitted by the Permanent Mission's note verbale of the same date.",
        ),
        *(
            t
            for t in core_transitions(withdrawable=_BEFORE_DECISION, approve=None, deny=False, extend_in_place=False)
            if SNAPSHOT_DOSSIER not in t.effects
        ),
        Transition(
            "return_incomplete",
            "Return as incomplete",
            ("submitted", "in_review"),
            "returned_incomplete",
            AUTHORITY_ROLES,
            payload=(REASONS, DECISION_DOCUMENT),
            effects=(RECORD_REFUSAL,),
            notice=APPLICANTS,
            tone=DANGER,
        ),
        Transition(
            "circulate",
            "Circulate to the Committee (no-objection procedure)",
            ("in_review",),
            "no_objection_period",
            AUTHORITY_ROLES,
        ),
        Transition(
            "place_hold",
            "Record a member's hold",
            ("no_objection_period",),
            ON_HOLD,
            AUTHORITY_ROLES,
            note_required=True,
            tone=DANGER,
            example_note="A Committee member placed a hold pending clarification of the end users.",
        ),
        Transition(
            "relay_member_questions",
            "Send the member's questions to the applicant",
            (ON_HOLD,),
            "hold_questions",
            AUTHORITY_ROLES,
            note_required=True,
            note_label="The questions, as the applicant will read them (do not name the member)",
            effects=(POST_INFORMATION_REQUEST,),
            notice=APPLICANTS,
            tone=SECONDARY,
            note_audience=SHARED,  # the note is the member's questions, put to the applicant
            example_note="Please confirm who stores the syringes between delivery and use at each county hospital.",
        ),
        Transition(
            "answer_member_questions",
            "Answer the member's questions",
            ("hold_questions",),
            ON_HOLD,
            frozenset({APPLICANT}),
            note_required=True,
            note_label="Your answer, for the Committee member",
            effects=(POST_RESPONSE,),
            notice=AUTHORITY_STAFF,
            example_note="Each county hospital pharmacy stores them under lock; stock cards are checked on each visit.",
        ),
        Transition(
            "pass_answer_to_member",
            "Record that the answer went to the member",
            (ON_HOLD,),
            None,
            AUTHORITY_ROLES,
            note_required=True,
            note_label="How and when the answer was passed on",
            tone=SECONDARY,
            example_note="Answer sent to the member's delegation by the Secretariat today.",
        ),
        Transition("release_hold", "Hold lifted", (ON_HOLD,), "no_objection_period", AUTHORITY_ROLES),
        Transition(
            "record_objection",
            "Record a member's objection",
            ("no_objection_period", ON_HOLD, "hold_questions"),
            "objected",
            frozenset({STAFF}),
            payload=(
                PayloadField(
                    "reasons",
                    "Reasons",
                    required=True,
                    help_text="Shown to the applicant; the Committee does not name the objecting member",
                    max_length=20_000,
                ),
                DECISION_DOCUMENT,
            ),
            effects=(RECORD_REFUSAL,),
            notice=APPLICANTS,
            tone=DANGER,
        ),
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
                VALIDITY_MONTHS,
                VALIDITY_JUSTIFICATION,
                CONDITIONS,
                PayloadField("authority_reference", "Committee letter number", max_length=100),
                LICENCE_DOCUMENT,
            ),
            effects=(RECORD_COMMITTEE_APPROVAL,),
            notice=APPLICANTS,
        ),
        retention_transition(UN1718_STATES),
        screening_transition(UN1718_STATES),
    ),
)
