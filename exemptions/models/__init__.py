"""Entities of the exemption tracker and the QuerySets that say who may see what, one module per idea.

Models hold data and data validation only. `Filing.status` is written by `engine.apply()` alone.
"""

from .calendars import (
    Holiday,
    HolidayCalendar,
)
from .channels import (
    channel_errors,
    linked_filing_errors,
    may_file_directly,
    recent_approvals,
)
from .dossiers import (
    DECISION_KINDS,
    Application,
    ApplicationQuerySet,
    Document,
    Item,
    Party,
    ReferenceCounter,
    document_path,
    next_reference,
)
from .filings import (
    NO_DEADLINE,
    Event,
    Filing,
    FilingQuerySet,
    FilingView,
    Message,
    ThreadReadMark,
    deadline_key,
    filings_with_unread_messages,
    mark_thread_read,
)
from .monitoring import (
    Incident,
    MonitoringVisit,
    PlannedVisit,
    VisitFile,
)
from .outgoing import (
    OutgoingEmail,
)
from .people import (
    AUTHORITY_ROLES,
    Authority,
    Membership,
    Organization,
    Profile,
    Role,
    assignable_reviewers,
)
from .requirements import (
    RequiredAuthority,
)
from .screening import (
    SanctionsListEntry,
    SanctionsListVersion,
    ScreeningHit,
    ScreeningRun,
)
from .seals import (
    AuditCheckpoint,
)
from .shipments import (
    ApprovedQuantity,
    Distribution,
    DistributionLine,
    Shipment,
    ShipmentLine,
)
from .standing import (
    Standing,
    activate_zone_of,
    assume_standing,
    authority_ids,
    forget_standing,
    memberships_of,
    organization_ids,
    standing_of,
    time_zone_of,
)
from .tokens import (
    ApiToken,
)
from .transitions import (
    record_transition,
)
from .validators import (
    BENEFICIARY_CATEGORIES,
    HS_CODE_RE,
    MAX_ITEMS_PER_DOSSIER,
    MAX_PARTIES_PER_DOSSIER,
    MESSAGE_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    imo_check_digit_ok,
    normalize_hs_code,
    validate_beneficiaries,
    validate_country,
    validate_currency,
    validate_hs_code,
    validate_plausible_date,
    validate_positive,
    validate_text_length,
)

__all__ = [
    "channel_errors",
    "linked_filing_errors",
    "may_file_directly",
    "recent_approvals",
    "BENEFICIARY_CATEGORIES",
    "HS_CODE_RE",
    "MAX_ITEMS_PER_DOSSIER",
    "MAX_PARTIES_PER_DOSSIER",
    "MESSAGE_MAX_LENGTH",
    "NOTE_MAX_LENGTH",
    "normalize_hs_code",
    "validate_beneficiaries",
    "validate_country",
    "validate_currency",
    "validate_hs_code",
    "validate_plausible_date",
    "validate_positive",
    "validate_text_length",
    "AUTHORITY_ROLES",
    "Authority",
    "Membership",
    "Organization",
    "Profile",
    "Role",
    "assignable_reviewers",
    "authority_ids",
    "Standing",
    "activate_zone_of",
    "assume_standing",
    "forget_standing",
    "memberships_of",
    "organization_ids",
    "DECISION_KINDS",
    "standing_of",
    "time_zone_of",
    "record_transition",
    "Application",
    "ApplicationQuerySet",
    "Document",
    "Item",
    "Party",
    "ReferenceCounter",
    "document_path",
    "next_reference",
    "Event",
    "Filing",
    "FilingQuerySet",
    "FilingView",
    "Message",
    "ThreadReadMark",
    "filings_with_unread_messages",
    "mark_thread_read",
    "NO_DEADLINE",
    "deadline_key",
    "OutgoingEmail",
    "AuditCheckpoint",
    "SanctionsListEntry",
    "SanctionsListVersion",
    "ScreeningHit",
    "ScreeningRun",
    "ApiToken",
    "ApprovedQuantity",
    "Distribution",
    "DistributionLine",
    "Shipment",
    "ShipmentLine",
    "Incident",
    "MonitoringVisit",
    "PlannedVisit",
    "VisitFile",
    "imo_check_digit_ok",
    "Holiday",
    "HolidayCalendar",
    "RequiredAuthority",
]
