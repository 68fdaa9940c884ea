"""Each authority's exemption procedure, declared as pure data.

A procedure is its states, its transitions (who may run them, what they ask for, what they do, what the clock
triggers, whom they notify) and the dossier elements it requires. Nothing here touches the database: models,
the engine, the notifications, the web and API faces, the demo and the diagrams all read these tables, so a
state or an action is named here and nowhere else.
"""

from .core import (
    CONDITIONS,
    CONFIRMATION,
    CORE_STATES,
    DECISION_DOCUMENT,
    EXPIRY,
    EXTENSION_REVIEW,
    GENERIC,
    HOLD,
    LICENCE_DOCUMENT,
    NO_OBJECTION,
    REASONS,
    REPLY,
    REPLY_DOCUMENTS,
    REPORT,
    REVIEW,
    REVIEWER_FIELD,
    VALIDITY_FIELDS,
    VALIDITY_FROM,
    VALIDITY_UNTIL,
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
from .ofac import (
    OFAC,
    OFAC_STATES,
)
from .ofac_gl import (
    OFAC_GL,
    OFAC_GL_STATES,
)
from .un1718 import (
    UN1718,
    UN1718_STATES,
    VALIDITY_JUSTIFICATION,
    VALIDITY_MONTHS,
)
from .vocabulary import (
    APPLICANT,
    APPLICANTS,
    ASSIGN_ACTOR,
    ASSIGN_REVIEWER,
    ASSIGNED_REVIEWER,
    ATTACH_DELIVERY_REPORT,
    AUDIENCES,
    AUTHORITY,
    AUTHORITY_ROLES,
    AUTHORITY_STAFF,
    CALENDAR_DAYS_AFTER,
    CALENDAR_DAYS_BEFORE,
    CHECK_CHANNEL,
    CHECK_EXTENSION_REQUEST,
    CHECK_NOTICE_LEAD,
    DANGER,
    DATE,
    DEADLINE_PASSED,
    DECIDING_EFFECTS,
    DOCUMENT,
    DOSSIER_ELEMENTS,
    EARLIEST_DATE,
    ENTRY,
    EXPEDITED,
    EXTEND_VALIDITY,
    FILED_DIRECT,
    FILED_THROUGH_FORWARDER,
    GUARD_DESCRIPTIONS,
    HUMAN_ROLES,
    IAN7_ELEMENTS,
    INITIAL,
    INTERNAL,
    LATEST_DATE,
    LICENCE_ELEMENTS,
    MONTHS,
    POST_INFORMATION_REQUEST,
    POST_RESPONSE,
    PRIMARY,
    RECORD_APPROVAL,
    RECORD_CASE_NUMBER,
    RECORD_CLEARANCE,
    RECORD_COMMITTEE_APPROVAL,
    RECORD_DISPOSITION,
    RECORD_REFUSAL,
    RECORD_TRANSMISSION,
    REDACT_SNAPSHOT,
    REPORT_COUNTS_FROM,
    REVIEWER,
    REVIEWER_CHOICE,
    REVIEWERS,
    SCREEN_PARTIES,
    SCREENING_HIT,
    SECONDARY,
    SHARED,
    SNAPSHOT_DOSSIER,
    STAFF,
    SYSTEM,
    TEXT,
    VALIDITY_ENDED,
    WORKING_DAYS_FROM_ENTRY,
)
from .words import DONE, done_sentence

PROCEDURES = {p.key: p for p in (UN1718, OFAC, OFAC_GL, GENERIC)}
# The procedures an authority's filings may follow, by the authority's own (default) procedure, which comes first:
# OFAC licenses specifically or is notified under its general licence for NGOs.
ROUTES = {OFAC.key: (OFAC.key, OFAC_GL.key)}
ALL_STATES = {s.name: s for p in PROCEDURES.values() for s in p.states}  # the first declaration of each name
ALL_ACTIONS = {name for p in PROCEDURES.values() for name in p.action_names}
# A request no authority has ruled on yet, in any procedure: the database holds one per (dossier, authority).
# One list serves every procedure because a state name is pending in all of them or in none (checked here).
PENDING_STATES = sorted({name for p in PROCEDURES.values() for name in p.pending_states})
assert all(set(PENDING_STATES) & {s.name for s in p.states} == set(p.pending_states) for p in PROCEDURES.values()), (
    "a state name is pending in one procedure and decided in another"
)


def procedure_for(key: str) -> Procedure:
    return PROCEDURES[key]


def routes_of(default: str) -> tuple[str, ...]:
    """The procedure keys a filing with an authority whose procedure is `default` may follow, `default` first."""
    return ROUTES.get(default, (default,))


def states_where(**attributes) -> list[str]:
    """Names of the states, in any procedure, with these attributes (e.g. terminal=True)."""
    return sorted({name for p in PROCEDURES.values() for name in p.states_where(**attributes)})


__all__ = [
    "APPLICANT",
    "REVIEWER",
    "STAFF",
    "SYSTEM",
    "AUTHORITY_ROLES",
    "HUMAN_ROLES",
    "AUTHORITY",
    "APPLICANTS",
    "ASSIGNED_REVIEWER",
    "REVIEWERS",
    "AUTHORITY_STAFF",
    "DEADLINE_PASSED",
    "VALIDITY_ENDED",
    "WORKING_DAYS_FROM_ENTRY",
    "CALENDAR_DAYS_AFTER",
    "CALENDAR_DAYS_BEFORE",
    "ENTRY",
    "PRIMARY",
    "SECONDARY",
    "DANGER",
    "SNAPSHOT_DOSSIER",
    "ASSIGN_ACTOR",
    "ASSIGN_REVIEWER",
    "POST_INFORMATION_REQUEST",
    "POST_RESPONSE",
    "RECORD_APPROVAL",
    "RECORD_COMMITTEE_APPROVAL",
    "RECORD_CASE_NUMBER",
    "RECORD_CLEARANCE",
    "DECIDING_EFFECTS",
    "CHECK_NOTICE_LEAD",
    "RECORD_TRANSMISSION",
    "CHECK_CHANNEL",
    "FILED_DIRECT",
    "FILED_THROUGH_FORWARDER",
    "GUARD_DESCRIPTIONS",
    "MONTHS",
    "HOLD",
    "EXPEDITED",
    "VALIDITY_MONTHS",
    "VALIDITY_JUSTIFICATION",
    "RECORD_REFUSAL",
    "CHECK_EXTENSION_REQUEST",
    "EXTEND_VALIDITY",
    "REDACT_SNAPSHOT",
    "REPORT_COUNTS_FROM",
    "ATTACH_DELIVERY_REPORT",
    "SCREEN_PARTIES",
    "RECORD_DISPOSITION",
    "SCREENING_HIT",
    "EARLIEST_DATE",
    "LATEST_DATE",
    "DOSSIER_ELEMENTS",
    "IAN7_ELEMENTS",
    "LICENCE_ELEMENTS",
    "INITIAL",
    "INTERNAL",
    "AUDIENCES",
    "SHARED",
    "DATE",
    "TEXT",
    "REVIEWER_CHOICE",
    "DOCUMENT",
    "Deadline",
    "State",
    "PayloadField",
    "Transition",
    "Procedure",
    "REVIEW",
    "REPLY",
    "NO_OBJECTION",
    "CONFIRMATION",
    "EXTENSION_REVIEW",
    "EXPIRY",
    "REPORT",
    "CORE_STATES",
    "VALIDITY_FROM",
    "VALIDITY_UNTIL",
    "CONDITIONS",
    "VALIDITY_FIELDS",
    "REASONS",
    "REVIEWER_FIELD",
    "LICENCE_DOCUMENT",
    "DECISION_DOCUMENT",
    "REPLY_DOCUMENTS",
    "GENERIC",
    "retention_transition",
    "screening_transition",
    "core_transitions",
    "OFAC_STATES",
    "OFAC",
    "OFAC_GL_STATES",
    "OFAC_GL",
    "ROUTES",
    "routes_of",
    "UN1718_STATES",
    "UN1718",
    "PROCEDURES",
    "ALL_STATES",
    "ALL_ACTIONS",
    "PENDING_STATES",
    "procedure_for",
    "states_where",
    "DONE",
    "done_sentence",
]
