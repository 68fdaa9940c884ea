"""Implausible dates (issue 13). A reviewer who approves until 9999-12-31 gets a field error from every face
(web, API, admin), and nothing changes. A row that holds such a date anyway (forced in by hand, or from before
the rule) breaks no page, no API list and no sweep: the years 1 and 9999 do not survive a conversion to a zone
east or west of UTC, nor a day added to them."""

import datetime as dt
import json
import logging
import re

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from exemptions import engine, notifications, procedures, tokens
from exemptions.models import Authority, Filing, Membership, OutgoingEmail, Profile, Role
from exemptions.templatetags.dates import OUT_OF_RANGE
from tests import factories

FAR_FUTURE = {"valid_from_on": "2027-01-01", "valid_until_on": "9999-12-31"}
FAR_PAST = {"valid_from_on": "1900-01-01", "valid_until_on": "2027-06-30"}
ZONES = ["UTC", "Asia/Tokyo", "America/New_York"]  # on, east of and west of UTC
PLAUSIBLE = f"enter a date between {procedures.EARLIEST_DATE:%d %b %Y} and {procedures.LATEST_DATE:%d %b %Y}"


# --- every face refuses the dates ----------------------------------------------------------------

# (authority, the action that grants validity, the role that runs it, the actions that lead there). The UN 1718
# Committee's validity is a number of months from its approval, refused beyond its maximum in every face
# (tests/test_un1718.py).
APPROVALS = {
    "approve": ("OFAC", Role.REVIEWER, ["take"]),
}


def filing_ready_for(action, dossier, applicant):
    """A filing on which `action` is available, and the authority member who may run it."""
    code, role, path = APPROVALS[action]
    filing = factories.submitted_filing(dossier, code, applicant)
    reviewer = factories.member_of(code, Role.REVIEWER)
    for step in path:
        engine.apply(filing, step, reviewer)
    filing.refresh_from_db()
    return filing, factories.member_of(code, role)


def payload_for(action, dates):
    extra = {"authority_reference": "LIC-1"} if action == "approve" else {}
    return {**dates, **extra}


def through_the_web(filing, action, user, payload):
    client = Client()
    client.force_login(user)
    data = {f"{action}-version": filing.version, **{f"{action}-{k}": v for k, v in payload.items()}}
    response = client.post(reverse("filing_action", args=[filing.reference, action]), data)
    assert response.status_code == 400
    page = response.content.decode()
    # Beside the field: the list the input's aria-describedby names.
    beside = {name: re.search(rf'id="id_{action}-{name}_error">(.*?)</ul>', page, re.S) for name in payload}
    return {name: found.group(1) for name, found in beside.items() if found}


def through_the_api(filing, action, user, payload):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {tokens.issue(user)[1]}")
    response = client.post(f"/api/v1/filings/{filing.reference}/actions/{action}/", payload, format="json")
    assert response.status_code == 400, response.content
    return {name: " ".join(errors) for name, errors in response.json()["errors"].items()}


def through_the_admin(filing, action, user, payload):
    operator = factories.user(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(operator)
    url = reverse("admin:exemptions_filing_override", args=[filing.pk])
    response = client.post(url, {"action": action, "reason": "Decided by phone", "payload": json.dumps(payload)})
    assert response.status_code == 200  # the form again, with the error: no redirect to the changed filing
    page = response.content.decode()
    errorlist = re.search(r'<ul class="errorlist nonfield">(.*?)</ul>', page, re.S).group(1)
    return {name: errorlist for name in payload if f"{name}:" in errorlist}


FACES = {"web": through_the_web, "api": through_the_api, "admin": through_the_admin}


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("action", APPROVALS)
@pytest.mark.parametrize(
    "dates, field", [(FAR_FUTURE, "valid_until_on"), (FAR_PAST, "valid_from_on")], ids=["until-9999", "from-1900"]
)
def test_an_implausible_validity_date_is_a_field_error_and_changes_nothing(
    dossier, applicant, face, action, dates, field
):
    filing, user = filing_ready_for(action, dossier, applicant)
    before = (filing.status, filing.version, filing.valid_from_on, filing.valid_until_on, filing.due_at)
    errors = FACES[face](filing, action, user, payload_for(action, dates))
    assert PLAUSIBLE in errors[field]
    filing.refresh_from_db()
    assert (filing.status, filing.version, filing.valid_from_on, filing.valid_until_on, filing.due_at) == before


@pytest.mark.parametrize("face", FACES)
def test_a_validity_longer_than_the_authority_grants_is_refused_naming_the_limit(dossier, applicant, face):
    filing, user = filing_ready_for("approve", dossier, applicant)
    version = filing.version
    too_long = {"valid_from_on": "2027-01-01", "valid_until_on": "2029-06-30"}  # OFAC grants at most 24 months
    errors = FACES[face](filing, "approve", user, payload_for("approve", too_long))
    assert "OFAC grants at most 24 months" in errors["valid_until_on"]
    filing.refresh_from_db()
    assert (filing.status, filing.version) == ("in_review", version)


# --- a row that holds such a date anyway --------------------------------------------------------


def force(filing, **columns):
    """Write the columns with raw SQL, past every check, as a bad import or an old bug would have."""
    assignments = ", ".join(f"{name} = %s" for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE exemptions_filing SET {assignments} WHERE id = %s", [*columns.values(), filing.pk])
    filing.refresh_from_db()
    return filing


@pytest.fixture
def people(db):
    """A reviewer and a staff member of both authorities."""
    reviewer, staff = factories.user("reviewer-both"), factories.user("staff-both")
    for authority in Authority.objects.filter(code__in=["OFAC", "UN1718"]):
        Membership.objects.create(user=reviewer, role=Role.REVIEWER, authority=authority)
        Membership.objects.create(user=staff, role=Role.STAFF, authority=authority)
    return {"reviewer": reviewer, "staff": staff}


@pytest.fixture
def bad_rows(dossier, applicant, people):
    """One approval forced to run to the end of time, one forced to the beginning of it; both still open."""
    endless = factories.approved_filing(dossier, "OFAC", applicant, dt.date(2026, 1, 1), dt.date(2027, 12, 31))
    force(endless, valid_until_on="9999-12-31", due_at="9999-12-31 23:59:59+00")
    ancient = factories.submitted_filing(dossier, "UN1718", applicant)
    engine.apply(ancient, "take", people["reviewer"])
    force(ancient, valid_from_on="1900-01-01", valid_until_on="0001-01-01", due_at="0001-01-01 00:00:00+00")
    return endless, ancient


def viewers(people, applicant):
    operator = factories.user("operator", is_staff=True, is_superuser=True)
    return {
        "reviewer": people["reviewer"],
        "staff": people["staff"],
        "applicant": applicant,
        "operator": operator,  # who repairs the row, in the admin
        "anonymous": None,
    }


PAGES = {
    "reviewer queue": ("reviewer", lambda rows: "/review/"),
    "reviewer queue, latest first": ("reviewer", lambda rows: "/review/?sort=-due"),
    "OFAC dashboard": ("staff", lambda rows: reverse("staff_dashboard_for", args=["OFAC"])),
    "UN dashboard": ("staff", lambda rows: reverse("staff_dashboard_for", args=["UN1718"])),
    "endless filing page": ("staff", lambda rows: reverse("filing_detail", args=[rows[0].reference])),
    "ancient filing page": ("staff", lambda rows: reverse("filing_detail", args=[rows[1].reference])),
    "endless filing page, applicant": ("applicant", lambda rows: reverse("filing_detail", args=[rows[0].reference])),
    "applicant home": ("applicant", lambda rows: "/"),
    "dossier overview": ("applicant", lambda rows: reverse("application_detail", args=[rows[0].application.reference])),
    "public register": ("anonymous", lambda rows: "/register/"),
    "admin filing list": ("operator", lambda rows: reverse("admin:exemptions_filing_changelist")),
    "admin endless filing": ("operator", lambda rows: reverse("admin:exemptions_filing_change", args=[rows[0].pk])),
    "admin ancient filing": ("operator", lambda rows: reverse("admin:exemptions_filing_change", args=[rows[1].pk])),
}


@pytest.mark.parametrize("page", PAGES)
def test_a_page_showing_an_implausible_date_still_opens_in_every_zone(people, applicant, bad_rows, page):
    who, url = PAGES[page]
    user = viewers(people, applicant)[who]
    client = Client()
    if user is not None:
        client.force_login(user)
    for zone in ZONES:
        if user is not None:
            Profile.objects.update_or_create(user=user, defaults={"time_zone": zone})
        response = client.get(url(bad_rows))
        assert response.status_code == 200, (zone, response.status_code)


def test_the_unreadable_deadline_shows_a_placeholder(people, bad_rows):
    endless, _ = bad_rows
    client = Client()
    client.force_login(people["staff"])
    Profile.objects.create(user=people["staff"], time_zone="Asia/Tokyo")  # 9999-12-31 23:59:59 UTC is 10000 here
    page = client.get(reverse("filing_detail", args=[endless.reference])).content.decode()
    assert OUT_OF_RANGE in page and "31 Dec 9999" in page  # the deadline unreadable; the validity date as stored


API_LISTS = {
    "filing list": ("staff", "/api/v1/filings/"),
    "filing list, applicant": ("applicant", "/api/v1/filings/"),
    "public register": ("anonymous", "/api/v1/register/"),
}


@pytest.mark.parametrize("listing", API_LISTS)
@pytest.mark.parametrize("auth", ["token", "session"])
def test_an_api_list_with_an_implausible_date_still_answers_in_every_zone(people, applicant, bad_rows, listing, auth):
    who, url = API_LISTS[listing]
    user = viewers(people, applicant)[who]
    client = APIClient()
    if user is not None and auth == "token":
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens.issue(user)[1]}")
    elif user is not None:
        client.force_login(user)  # a browser session: times in the user's own zone
    for zone in ZONES:
        if user is not None:
            Profile.objects.update_or_create(user=user, defaults={"time_zone": zone})
        response = client.get(url)
        assert response.status_code == 200, (zone, response.content)


def test_the_api_writes_an_unreadable_deadline_in_utc(people, bad_rows):
    endless, _ = bad_rows
    client = APIClient()
    client.force_login(people["staff"])
    Profile.objects.create(user=people["staff"], time_zone="Asia/Tokyo")
    body = client.get(f"/api/v1/filings/{endless.reference}/").json()
    assert (body["due_at"], body["valid_until_on"]) == ("9999-12-31T23:59:59Z", "9999-12-31")


# --- the sweep ----------------------------------------------------------------------------------


def tomorrow_afternoon():
    """15:00 UTC tomorrow: after the 07:00 digest in New York, and later than every event of the test data."""
    return (timezone.now() + dt.timedelta(days=1)).replace(hour=15, minute=0, second=0, microsecond=0)


def reminders_about(filing):
    return OutgoingEmail.objects.filter(family=OutgoingEmail.Family.REMINDER, filing=filing)


def test_one_filing_with_an_implausible_deadline_does_not_stop_the_sweep_for_everyone_else(
    people, org, applicant, bad_rows, caplog
):
    _, ancient = bad_rows
    staff = people["staff"]
    Profile.objects.create(user=staff, time_zone="America/New_York")  # the year 1 is the year 0 here: the digest too
    now = tomorrow_afternoon()
    with time_machine.travel(now - dt.timedelta(days=90), tick=False):
        overdue = factories.submitted_filing(factories.complete_dossier(org, applicant), "UN1718", applicant)
        engine.apply(overdue, "take", people["reviewer"])
    assert overdue.due_at < now
    mail.outbox.clear()
    with caplog.at_level(logging.ERROR, logger="exemptions.notifications"):
        report = notifications.sweep(now)
    reminded = {m.to[0] for m in mail.outbox if overdue.reference in m.subject and "overdue" in m.subject.lower()}
    assert reminded == {people["reviewer"].email, staff.email}
    assert any(m.to == [staff.email] and "daily digest" in m.subject for m in mail.outbox)
    assert not reminders_about(ancient).exists()
    assert any(ancient.reference in r.getMessage() for r in caplog.records)
    assert report.skipped and report.failed == 0


def test_a_second_sweep_skips_the_bad_filing_again_and_sends_nothing_twice(people, bad_rows, caplog):
    now = tomorrow_afternoon()
    notifications.sweep(now)
    sent = len(mail.outbox)
    with caplog.at_level(logging.ERROR, logger="exemptions.notifications"):
        notifications.sweep(now + dt.timedelta(minutes=5))
    assert len(mail.outbox) == sent
    assert any(bad_rows[1].reference in r.getMessage() for r in caplog.records)
    assert Filing.objects.get(pk=bad_rows[1].pk).status == "in_review"
