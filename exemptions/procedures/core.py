"""The shared core of every procedure (DESIGN.md section 4) and the generic licence review built on it alone
(BIS, EU and UK authorities)."""

from .declarations import (
    Deadline,
    PayloadField,
    Procedure,
    State,
    Transition,
)
from .vocabulary import (
    APPLICANT,
    APPLICANTS,
    ASSIGN_ACTOR,
    ASSIGN_REVIEWER,
    ASSIGNED_REVIEWER,
    ATTACH_DELIVERY_REPORT,
    AUTHORITY,
    AUTHORITY_ROLES,
    CHECK_EXTENSION_REQUEST,
    DANGER,
    DATE,
    DOCUMENT,
    EXPEDITED,
    EXTEND_VALIDITY,
    INITIAL,
    LICENCE_ELEMENTS,
    POST_INFORMATION_REQUEST,
    POST_RESPONSE,
    RECORD_APPROVAL,
    RECORD_DISPOSITION,
    RECORD_REFUSAL,
    REDACT_SNAPSHOT,
    REPORT_COUNTS_FROM,
    REVIEWER_CHOICE,
    REVIEWERS,
    SCREEN_PARTIES,
    SCREENING_HIT,
    SECONDARY,
    SHARED,
    SNAPSHOT_DOSSIER,
    STAFF,
    SYSTEM,
    VALIDITY_ENDED,
)

# --- deadlines ---------------------------------------------------------------------------------

REVIEW = Deadline("review", working_days_setting="review_sla_working_days")
REPLY = Deadline("reply", working_days_setting="applicant_reply_working_days")
# The Committee approves by silence: the period ends with the system's proposal unless a member holds it. Urgent
# requests, extensions and amendments (a filing's `is_expedited`) run on the expedited period.
NO_OBJECTION = Deadline(
    "no_objection",
    working_days_setting="no_objection_working_days",
    working_days_setting_when=((EXPEDITED, "expedited_no_objection_working_days"),),
    closes_by_silence=True,
)
# A member's hold stops the no-objection clock; this one only says when staff are reminded that it lasts.
HOLD = Deadline("hold", working_days_setting="hold_reminder_working_days")
CONFIRMATION = Deadline("confirmation", working_days_setting="confirmation_working_days")
EXTENSION_REVIEW = Deadline("extension_review", working_days_setting="extension_review_working_days")
EXPIRY = Deadline("expiry", after="valid_until_on")  # the end of the approval's last valid day
# The end-use report: N days after the last delivery of a shipment drawing on the approval, or after its expiry
# when nothing was delivered (Filing.report_counts_from).
REPORT = Deadline("report", calendar_days_setting="report_due_days", after=REPORT_COUNTS_FROM)


# --- the shared core (DESIGN.md section 4) -----------------------------------------------------

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
# Files that go with an action (`document_kind` names a models.Document.Kind): the licence the holder shows at
# the border and to the bank, the letter that gives a refusal's reasons, the documents that answer a request.
LICENCE_DOCUMENT = PayloadField(
    "licence",
    "Licence or approval letter (file)",
    DOCUMENT,
    document_kind="licence",
    help_text="Sent to the applicant with the decision; they download it from the case page",
)
DECISION_DOCUMENT = PayloadField(
    "decision_letter",
    "Decision letter (file)",
    DOCUMENT,
    document_kind="decision_letter",
    help_text="Sent to the applicant with the decision",
)
REPLY_DOCUMENTS = PayloadField(
    "attachments",
    "Attach files",
    DOCUMENT,
    document_kind="other",
    help_text="Documents that answer the request, e.g. a signed end-user statement",
)


def retention_transition(states: tuple[State, ...]) -> Transition:
    """The retention policy redacts personal details of a closed case; the audit trail records when."""
    closed = tuple(s.name for s in states if s.terminal)
    return Transition(
        "anonymize", "Anonymize personal details", closed, None, frozenset({SYSTEM}), effects=(REDACT_SNAPSHOT,)
    )


def screening_transition(states: tuple[State, ...]) -> Transition:
    """A reviewer's verdict on a screening hit: an audited event of the filing that leaves its state as it is.
    Through the engine, so that the same guard decides who may give it and the trail records it."""
    filed = tuple(s.name for s in states if not (s.initial or s.terminal))
    return Transition(
        "dispose_screening_hit",
        "Dispose of a screening hit",
        filed,
        None,
        AUTHORITY_ROLES,
        note_required=True,
        note_label="Why (kept in the audit trail)",
        payload=(
            PayloadField("hit", "Screening hit", SCREENING_HIT, required=True),
            PayloadField("verdict", "Verdict", required=True, max_length=20, help_text="false_positive or confirmed"),
        ),
        effects=(RECORD_DISPOSITION,),
        tone=SECONDARY,
        example_note="Different company: the listed entity is in Pyongyang, this supplier is registered in Lyon.",
    )


def core_transitions(
    *, review_states=("in_review",), approve: Transition | None, withdrawable=(), deny=True, extend_in_place=True
):
    """The shared core of DESIGN.md section 4; `review_states` are where a reviewer may decide. Without `deny` the
    reviewers cannot refuse (UN 1718: only a Committee member's objection does); without `extend_in_place` an
    approval is extended by a new, linked request instead of an action on it."""
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
            effects=(SNAPSHOT_DOSSIER, SCREEN_PARTIES),
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
            note_audience=SHARED,  # the note is the request: it opens the thread's question to the applicant
            effects=(POST_INFORMATION_REQUEST,),
            notice=APPLICANTS,
            tone=SECONDARY,
            example_note="Please give the county-level distribution plan and the cold-chain capacity at each site.",
        ),
        Transition(
            "respond",
            "Send your reply",
            ("information_requested",),
            "in_review",
            frozenset({APPLICANT}),
            note_required=True,
            note_label="Your answer",
            payload=(REPLY_DOCUMENTS,),
            effects=(POST_RESPONSE,),
            notice=ASSIGNED_REVIEWER,
            example_note="The distribution plan is attached; each county hospital has two 400-litre refrigerators.",
        ),
        *([approve] if approve else []),
        *(_deny(review_states) if deny else ()),
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
            ("approved", "extension_requested") if extend_in_place else ("approved",),
            "expired",
            frozenset({SYSTEM}),
            trigger=VALIDITY_ENDED,
            notice=APPLICANTS,
        ),
        *(_extensions_in_place() if extend_in_place else ()),
        Transition(
            "file_report",
            "File the end-use report",
            ("approved", "expired"),
            "closed",
            frozenset({APPLICANT}),
            note_label="Remarks for the authority (optional)",
            payload=(
                PayloadField(
                    "annex",
                    "Annex (optional): signed waybills, distribution lists, photos",
                    DOCUMENT,
                    document_kind="delivery_report",
                ),
            ),
            # The report is generated from the shipment, delivery, distribution, monitoring and incident records
            # and attached to the filing as it is filed: the records, not a free-text summary, close the case.
            effects=(ATTACH_DELIVERY_REPORT,),
            example_note="Monitoring visits on 3 and 17 March found no diversion; the county hospital refused a "
            "visit on 24 March, which we reported to the Committee.",
        ),
    )


def _deny(review_states) -> tuple[Transition, ...]:
    return (
        Transition(
            "deny",
            "Deny",
            review_states,
            "denied",
            AUTHORITY_ROLES,
            payload=(REASONS, DECISION_DOCUMENT),
            effects=(RECORD_REFUSAL,),
            notice=APPLICANTS,
            tone=DANGER,
        ),
    )


def _extensions_in_place() -> tuple[Transition, ...]:
    return (
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
            notice=ASSIGNED_REVIEWER,  # the reviewer has an extension to rule on
            tone=SECONDARY,
            example_note="Port congestion in Nampo delayed the second shipment; three more months are needed.",
        ),
        Transition(
            "approve_extension",
            "Approve the extension",
            ("extension_requested",),
            "approved",
            AUTHORITY_ROLES,
            payload=(PayloadField("valid_until_on", "New end of validity", DATE, required=True), LICENCE_DOCUMENT),
            effects=(EXTEND_VALIDITY,),
            notice=APPLICANTS,
        ),
        Transition(
            "deny_extension",
            "Deny the extension",
            ("extension_requested",),
            "approved",
            AUTHORITY_ROLES,
            payload=(REASONS, DECISION_DOCUMENT),
            notice=APPLICANTS,
            tone=DANGER,
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
                    LICENCE_DOCUMENT,
                ),
                effects=(RECORD_APPROVAL,),
                notice=APPLICANTS,
            ),
        ),
        retention_transition(CORE_STATES),
        screening_transition(CORE_STATES),
    ),
    required_elements=LICENCE_ELEMENTS,
)
