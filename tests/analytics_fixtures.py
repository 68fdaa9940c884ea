"""Cases moved through the engine at explicit moments, so the analytics tests can state their figures by hand."""

import datetime as dt
import itertools

from django.utils import timezone

from exemptions import engine, services
from exemptions.models import Authority, Role
from tests import factories

DAY = dt.timedelta(days=1)
APPLICANT_MOVES = {"submit", "respond", "answer_member_questions", "record_transmission"}


def midnight_utc(days_ago: int) -> dt.datetime:
    today = timezone.now().astimezone(dt.UTC).date() - days_ago * DAY
    return dt.datetime.combine(today, dt.time(0), tzinfo=dt.UTC)


def case(org, applicant, code, moves, title, *, start=None, channel=None):
    """A filing with `code` moved by `moves`: (action, days after `start`, payload) at explicit moments; the
    applicant's own moves are theirs, the rest the authority's (a reviewer, or staff where only staff may)."""
    start = start or midnight_utc(90)
    reviewer, staff = factories.member_of(code, Role.REVIEWER), factories.member_of(code, Role.STAFF)
    application = factories.complete_dossier(org, applicant, title=title)
    filing = services.create_filing(application, Authority.objects.get(code=code), applicant, channel=channel)
    for action, days, payload in [("submit", 0, {}), *moves]:
        by = applicant if action in APPLICANT_MOVES else reviewer
        if action in {"record_objection", "confirm_approval"}:
            by = staff
        if action == "propose_approval":
            by = engine.SYSTEM
        note = f"Note for {action}." if action not in {"take", "circulate", "submit", "propose_approval"} else ""
        filing.refresh_from_db()
        engine.apply(filing, action, by, note, start + days * DAY, **payload)
    filing.refresh_from_db()
    return filing


def approve(days):
    today = timezone.localdate()
    return ("approve", days, {"valid_from_on": today, "valid_until_on": today + 30 * DAY})


REGISTRATION_NUMBERS = (f"Z{n:06d}" for n in itertools.count(1))  # BIS registers each under its own


def bis_plans():
    def register():
        return ("register_application", 0, {"registration_number": next(REGISTRATION_NUMBERS)})

    return [
        [register(), approve(10)],  # 10 days
        [register(), ("request_information", 2, {}), ("respond", 6, {}), approve(20)],  # 20 − 4 waiting = 16
        [register(), ("deny", 4, {"reasons": "End use not shown."})],  # 4
        [register(), approve(30)],  # 30
        [register(), approve(7)],  # 7
        [register()],  # filed, not decided
    ]


def bis_cases(org, applicant, prefix="Case"):
    return [case(org, applicant, "BIS", moves, f"{prefix} {n}") for n, moves in enumerate(bis_plans())]
