"""OFAC's general licence for NGOs (31 CFR § 510.512): no licence is asked for. The applicant reports the activity
to the State Department at least N days before it starts (Authority.notification_lead_days), State has a window
to object (Authority.objection_window_days), and silence to its end clears the activity, which then counts for
cleared-to-ship like an approval until its shipment window ends. OFAC staff record an objection from State."""

from .core import DECISION_DOCUMENT, retention_transition, screening_transition
from .declarations import Deadline, PayloadField, Procedure, State, Transition
from .vocabulary import (
    APPLICANT,
    APPLICANTS,
    AUTHORITY,
    AUTHORITY_STAFF,
    CHECK_NOTICE_LEAD,
    DANGER,
    DEADLINE_PASSED,
    ENTRY,
    INITIAL,
    LICENCE_ELEMENTS,
    RECORD_CLEARANCE,
    RECORD_REFUSAL,
    SCREEN_PARTIES,
    SNAPSHOT_DOSSIER,
    STAFF,
    SYSTEM,
    VALIDITY_ENDED,
)

# State objects within the window or the activity is cleared: silence is the authority's answer.
OBJECTION_WINDOW = Deadline(
    "objection_window", calendar_days_setting="objection_window_days", after=ENTRY, closes_by_silence=True
)
NOTIFIED = "notified"

OFAC_GL_STATES = (
    State(INITIAL, "Draft", "Draft — not yet notified", initial=True, waits_on=APPLICANT),
    State(
        NOTIFIED,
        "Notified — State Department objection window",
        "Notified — the State Department may object until the window closes",
        waits_on=AUTHORITY,
        deadline=OBJECTION_WINDOW,
    ),
    State(
        "notification_cleared",
        "Cleared — no objection",
        "Cleared — no objection from the State Department",
        grants_validity=True,
        decided=True,
    ),
    # Named apart from the 1718 Committee's "objected": outcomes are labelled by state name across procedures.
    State(
        "notification_objected",
        "Objected by the State Department",
        "Not cleared — the State Department objected",
        terminal=True,
    ),
    State("withdrawn", "Withdrawn", "Withdrawn", terminal=True),
    State(
        "activity_ended",
        "Activity window ended",
        "Activity window ended",
        terminal=True,
        lapsed=True,
        decided=True,
    ),
)

# What the State Department reads about the UN side of the activity: one of three cases, explained in words.
UN_APPROVED, UN_PENDING, UN_NOT_NEEDED = "un_approval", "un_request_pending", "not_needed"
UN_BASIS = PayloadField(
    "un_basis",
    "UN 1718 Committee basis",
    required=True,
    max_length=30,
    choices=(
        (UN_APPROVED, "The UN 1718 Committee approved it"),
        (UN_PENDING, "A request to the UN 1718 Committee is pending"),
        (UN_NOT_NEEDED, "No UN exemption is needed"),
    ),
)
UN_BASIS_DETAIL = PayloadField(
    "un_basis_detail",
    "UN approval or request reference, or why none is needed",
    required=True,
    max_length=4000,
    help_text="e.g. the Committee's letter number and date, or the goods fall outside the 1718 measures",
)

OFAC_GL = Procedure(
    key="ofac_gl",
    name="OFAC general licence notification",
    legal_basis="notification",
    extends_by_linked_request=False,
    states=OFAC_GL_STATES,
    transitions=(
        Transition(
            "submit",
            "Notify the State Department",
            (INITIAL,),
            NOTIFIED,
            frozenset({APPLICANT}),
            payload=(UN_BASIS, UN_BASIS_DETAIL),
            effects=(CHECK_NOTICE_LEAD, SNAPSHOT_DOSSIER, SCREEN_PARTIES),
            # Told to record any objection before the window closes: the people who may (staff), not reviewers.
            notice=AUTHORITY_STAFF,
        ),
        Transition(
            "withdraw",
            "Withdraw the notification",
            (INITIAL, NOTIFIED),
            "withdrawn",
            frozenset({APPLICANT}),
            note_required=True,
            note_label="Why are you withdrawing?",
            tone=DANGER,
            example_note="The activity was cancelled by the donor.",
        ),
        Transition(
            "record_objection",
            "Record the State Department's objection",
            (NOTIFIED,),
            "notification_objected",
            frozenset({STAFF}),
            payload=(
                PayloadField(
                    "reasons", "Reasons", required=True, help_text="Shown to the applicant", max_length=20_000
                ),
                DECISION_DOCUMENT,
            ),
            effects=(RECORD_REFUSAL,),
            notice=APPLICANTS,
            tone=DANGER,
        ),
        Transition(
            "clear",
            "Cleared by silence",
            (NOTIFIED,),
            "notification_cleared",
            frozenset({SYSTEM}),
            trigger=DEADLINE_PASSED,
            effects=(RECORD_CLEARANCE,),
            notice=APPLICANTS,
        ),
        Transition(
            "end_activity",
            "Activity window ended",
            ("notification_cleared",),
            "activity_ended",
            frozenset({SYSTEM}),
            trigger=VALIDITY_ENDED,
            notice=APPLICANTS,  # shipments are no longer covered
        ),
        retention_transition(OFAC_GL_STATES),
        screening_transition(OFAC_GL_STATES),
    ),
    required_elements=LICENCE_ELEMENTS,
)
