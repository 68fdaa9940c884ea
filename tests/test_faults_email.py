"""Email against a real SMTP server on loopback that is down, then back: no system-driven email is lost."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from exemptions import engine, notifications
from exemptions.models import OutgoingEmail
from tests import factories, live

pytestmark = pytest.mark.faults

NY = ZoneInfo("America/New_York")


@pytest.fixture
def real_smtp(settings):
    """The SMTP backend aimed at a loopback port where no server listens yet (the mail server is down)."""
    port = live.free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    return port


def test_smtp_down_across_the_end_of_a_no_objection_period_staff_are_still_told_once(
    db, real_smtp, dossier, applicant, reviewer_un, staff_un
):
    """The day-before reminder fails, the period ends while the mail server is still down and the system
    proposes approval (the deadline moves, so that reminder is dropped as out of date): the transition's
    own notice, claimed from the event, reaches staff once the server is back. Staff are told once."""
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=NY), tick=False) as clock:
        filing = factories.submitted_filing(dossier, "UN1718", applicant)
        engine.apply(filing, "take", reviewer_un)
        engine.apply(filing, "circulate", reviewer_un)
        notifications.sweep()  # the notices of the above go out of the picture (they fail too)

        clock.move_to(dt.datetime(2026, 3, 6, 9, tzinfo=NY))  # the day before: reminder due, SMTP down
        report = notifications.sweep()
        assert report.failed >= 2 and report.sent == 0
        clock.move_to(dt.datetime(2026, 3, 10, 0, 5, tzinfo=NY))  # the period has ended; still down
        report = notifications.sweep()
        filing.refresh_from_db()
        assert filing.status == "approval_proposed" and report.sent == 0
        notice = OutgoingEmail.objects.get(event__action="propose_approval")
        assert notice.recipient == staff_un and notice.sent_at is None and "Connection refused" in notice.error

        with live.smtp_server(port=real_smtp) as (inbox, _):
            clock.move_to(dt.datetime(2026, 3, 10, 2, tzinfo=NY))  # every retry is due by now
            notifications.sweep()

    about_the_case = [m["Subject"].strip() for to, m in inbox.messages if to == [staff_un.email]]
    about_the_case = [s for s in about_the_case if "daily digest" not in s]
    assert about_the_case == [
        f"Confirm the proposed approval by 13 Mar, 03:59 UTC ({filing.reference}): Approval proposed — confirm"
    ]
    reminder = OutgoingEmail.objects.get(deadline_kind="no_objection", recipient=staff_un)
    assert reminder.sent_at is None and reminder.error.startswith("Not sent:")  # replaced, not silently lost
