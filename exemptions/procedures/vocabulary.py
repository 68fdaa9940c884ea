"""The words procedures are written in: roles, audiences, triggers, tones, effects, date bounds, dossier
elements. Pure data."""

import datetime as dt

# --- vocabulary --------------------------------------------------------------------------------

APPLICANT, REVIEWER, STAFF = "applicant", "reviewer", "staff"
SYSTEM = "system"  # the actor of transitions the clock triggers
AUTHORITY_ROLES = frozenset({REVIEWER, STAFF})
HUMAN_ROLES = frozenset({APPLICANT, REVIEWER, STAFF})

AUTHORITY = "authority"  # `State.waits_on`: the authority has the next move (or APPLICANT)

# Who may read a text an action records (`Transition.note_audience`, `PayloadField.audience`): the authority
# alone, never the applicant (in no page, API response, email, export or register entry), or both sides.
INTERNAL, SHARED = "internal", "shared"
AUDIENCES = (SHARED, INTERNAL)

# Who hears of an event (`Transition.notice`): members of the applicant organization, the assigned reviewer
# (every reviewer while none is assigned), every reviewer of the authority, the authority's staff.
APPLICANTS, ASSIGNED_REVIEWER, REVIEWERS, AUTHORITY_STAFF = "applicants", "reviewer", "reviewers", "staff"

# What sets off a system transition (`Transition.trigger`).
DEADLINE_PASSED = "deadline"  # the state's due_at has passed
VALIDITY_ENDED = "validity_end"  # the approval's last valid day has ended in the authority's zone

# How a deadline counts (`procedures.Deadline.rule`).
WORKING_DAYS_FROM_ENTRY = "working_days_from_entry"  # N working days of the authority's calendar
CALENDAR_DAYS_AFTER = "calendar_days_after"  # N calendar days after an event (ENTRY or a date of the filing)
CALENDAR_DAYS_BEFORE = "calendar_days_before"  # N calendar days before a date of the dossier
ENTRY = "entry"  # `Deadline.after`: the moment the filing enters the state
# `Deadline.after`: the last delivery of a shipment drawing on the approval, else its last valid day
REPORT_COUNTS_FROM = "report_counts_from"

# How a transition's button reads (`Transition.tone`).
PRIMARY, SECONDARY, DANGER = "primary", "secondary", "danger"

# What a transition writes besides status (`Transition.effects`); the engine holds one function per name.
SNAPSHOT_DOSSIER = "snapshot_dossier"  # freeze the dossier as filed, with its hash
ASSIGN_ACTOR = "assign_actor"
ASSIGN_REVIEWER = "assign_reviewer"
POST_INFORMATION_REQUEST = "post_information_request"  # the note opens the thread's request
POST_RESPONSE = "post_response"
RECORD_APPROVAL = "record_approval"  # decided_at, validity, conditions, licence number
RECORD_REFUSAL = "record_refusal"
CHECK_EXTENSION_REQUEST = "check_extension_request"
EXTEND_VALIDITY = "extend_validity"
ATTACH_DELIVERY_REPORT = "attach_delivery_report"  # the end-use report generated from the shipment records
REDACT_SNAPSHOT = "redact_snapshot"  # retention: personal details out, the submitted hash kept
CHECK_CHANNEL = "check_channel"  # the submission channel is one the filer may use (UN 1718: direct only if eligible)
RECORD_TRANSMISSION = "record_transmission"  # the forwarding body's transmission date starts the authority's clock
RECORD_COMMITTEE_APPROVAL = "record_committee_approval"  # validity counted from the approval, in whole months
CHECK_NOTICE_LEAD = "check_notice_lead"  # a notification reaches the authority early enough before the activity
RECORD_CLEARANCE = "record_clearance"  # silence cleared a notification: it covers the dossier's shipment window
# The effects that decide a filing (write its decided_at): what processing times count to.
DECIDING_EFFECTS = frozenset({RECORD_APPROVAL, RECORD_COMMITTEE_APPROVAL, RECORD_REFUSAL, RECORD_CLEARANCE})
RECORD_CASE_NUMBER = "record_case_number"  # the authority's case number of a pending request, not its licence number

# Conditions a transition may be declared with (`Transition.guard`); the engine holds one predicate per name. Two
# transitions of one name and source with different guards route a case (e.g. a submit direct or via a forwarder).
FILED_DIRECT = "filed_direct"  # the filing's channel is direct submission
FILED_THROUGH_FORWARDER = "filed_through_forwarder"  # a Member State, the Resident Coordinator or the Secretary
# The filing's flag that puts it on an authority's expedited track (`Deadline.working_days_setting_when`): urgent
# requests, extensions and amendments (Filing.is_expedited).
EXPEDITED = "is_expedited"

GUARD_DESCRIPTIONS = {
    FILED_DIRECT: "when filed directly",
    FILED_THROUGH_FORWARDER: "when sent through a Member State, the Resident Coordinator or the Committee Secretary",
}
SCREEN_PARTIES = "screen_parties"  # the filed dossier's parties against the sanctions lists, frozen on the filing
RECORD_DISPOSITION = "record_disposition"  # a reviewer's verdict on a screening hit

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

INITIAL = "draft"  # every procedure's first state: a filing being prepared, not yet seen by the authority

# Kinds of payload field (`PayloadField.kind`).
DATE, TEXT, REVIEWER_CHOICE, DOCUMENT, MONTHS = "date", "text", "reviewer", "document", "months"
SCREENING_HIT = "screening_hit"  # a hit of one of the filing's screening runs, by id
