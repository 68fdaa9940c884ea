"""Decisions with their facts: the confirm, approve and extension forms start from the facts on the case (the
Committee's default validity, the request) and show them beside the form; a validity that leaves the shipment window uncovered is a warning, not a
refusal; an extension request shows the requested date to both sides and emails the reviewer."""

import datetime as dt
import re

import pytest
from dateutil.relativedelta import relativedelta
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from exemptions import committee, decisions, engine
from exemptions.demo import drive
from tests import factories

WINDOW = dict(ship_from_on=dt.date(2027, 3, 1), ship_until_on=dt.date(2027, 6, 30))


def page_of(user, filing):
    return factories.web_client(user).get(reverse("filing_detail", args=[filing.reference])).content.decode()


def value_of(page, name):
    """The value a page pre-fills in the input or text area called `name`."""
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    if tag:
        value = re.search(r'value="([^"]*)"', tag.group(0))
        return value.group(1) if value else ""
    area = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert area, f"no field {name}"
    return area.group(1).strip()


@pytest.fixture
def proposed(org, applicant, reviewer_un, staff_un):
    """A UN1718 filing whose no-objection period ended: staff confirm the Committee's approval."""
    dossier = factories.complete_dossier(org, applicant, **WINDOW)
    filing = factories.filing(dossier, "UN1718", applicant)
    return drive(filing, "approval_proposed", applicant=applicant, reviewer=reviewer_un, staff=staff_un)


def default_validity(filing):
    """The validity a Committee approval confirmed with the default months gives (from the day it was approved)."""
    start = committee.approval_day(filing, timezone.now())
    return start, start + relativedelta(months=filing.authority.default_validity_months)


def test_staff_confirm_form_shows_the_validity_it_gives_by_default_and_the_window(proposed, staff_un):
    page = page_of(staff_un, proposed)
    assert value_of(page, "confirm_approval-validity_months") == ""  # empty: the authority's default
    facts = re.search(r'data-facts="confirm_approval">(.*?)</dl>', page, re.S).group(1)
    start, end = default_validity(proposed)
    assert "Validity by default" in facts and f"{end.day} {end:%b %Y}" in facts
    assert "Shipment window" in facts and "1 Mar 2027 – 30 Jun 2027" in facts


def test_the_dashboard_confirm_form_shows_the_facts_too(proposed, staff_un):
    page = factories.web_client(staff_un).get(reverse("staff_dashboard")).content.decode()
    assert 'data-facts="confirm_approval"' in page and "Validity by default" in page


def test_a_validity_short_of_the_shipment_window_warns_but_does_not_block(proposed, staff_un):
    start, end = default_validity(proposed)
    short = end < WINDOW["ship_until_on"] or start > WINDOW["ship_from_on"]
    page = page_of(staff_un, proposed)
    assert ("before the shipment window closes on 30 Jun 2027" in page) == (end < WINDOW["ship_until_on"])
    response = factories.web_client(staff_un).post(
        reverse("filing_action", args=[proposed.reference, "confirm_approval"]),
        {"confirm_approval-version": proposed.version},
        follow=True,
    )
    proposed.refresh_from_db()
    assert proposed.state.grants_validity and (proposed.valid_from_on, proposed.valid_until_on) == (start, end)
    shown = [str(m) for m in response.context["messages"]]
    assert any("the applicant will not be cleared to ship for the whole window" in m for m in shown) == short


def test_a_validity_covering_the_window_gives_no_warning(org, applicant, reviewer_ofac):
    dossier = factories.complete_dossier(org, applicant, **WINDOW)
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    assert decisions.coverage_warning(filing, dt.date(2027, 2, 1), dt.date(2027, 7, 31)) == ""
    assert "starts on 1 Apr 2027" in decisions.coverage_warning(filing, dt.date(2027, 4, 1), dt.date(2027, 7, 31))


def test_a_first_approval_is_prefilled_to_cover_the_shipment_window(org, applicant, reviewer_ofac):
    dossier = factories.complete_dossier(org, applicant, **WINDOW)
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    transition = engine.available_action(filing, reviewer_ofac, "approve")
    values = decisions.prefill(filing, transition, today=dt.date(2027, 1, 10))
    assert values["valid_from_on"] == dt.date(2027, 1, 10)
    assert values["valid_until_on"] >= dt.date(2027, 6, 30)
    page = page_of(reviewer_ofac, filing)
    assert value_of(page, "approve-valid_from_on")  # a date, not a blank field


@pytest.fixture
def extension_asked(org, applicant, reviewer_ofac, django_capture_on_commit_callbacks, eager_celery):
    dossier = factories.complete_dossier(org, applicant, **WINDOW)
    filing = factories.approved_filing(dossier, "OFAC", applicant, dt.date(2027, 1, 1), dt.date(2027, 5, 31))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        engine.apply(
            filing,
            "request_extension",
            applicant,
            "Port congestion delayed the second shipment.",
            None,
            requested_until_on="2027-09-30",
        )
    return filing


def test_an_extension_request_shows_the_requested_date_to_the_reviewer_prefilled(extension_asked, reviewer_ofac):
    page = page_of(reviewer_ofac, extension_asked)
    assert "Extension requested until" in page and "30 Sep 2027" in page
    assert value_of(page, "approve_extension-valid_until_on") == "2027-09-30"


def test_an_extension_request_shows_the_requested_date_to_the_applicant(extension_asked, applicant):
    page = page_of(applicant, extension_asked)
    strip = re.search(r'id="requested-extension">(.*?)</div>', page, re.S).group(1)
    assert "30 Sep 2027" in strip


def test_the_api_gives_the_requested_date_to_both_sides(extension_asked, applicant, reviewer_ofac):
    for user in (applicant, reviewer_ofac):
        body = factories.api_client(user).get(f"/api/v1/filings/{extension_asked.reference}/").json()
        assert body["requested_until_on"] == "2027-09-30"


def test_an_extension_request_emails_the_reviewer_with_the_date(extension_asked, reviewer_ofac, applicant):
    to_reviewer = [m for m in mail.outbox if reviewer_ofac.email in m.to]
    assert to_reviewer, "the reviewer was not told of the extension request"
    assert "2027-09-30" in to_reviewer[0].body
    assert not [m for m in mail.outbox if applicant.email in m.to]


def test_the_requested_date_is_gone_once_the_extension_is_decided(extension_asked, reviewer_ofac):
    engine.apply(extension_asked, "approve_extension", reviewer_ofac, "", None, valid_until_on="2027-08-31")
    assert decisions.requested_extension(extension_asked) is None
    assert 'id="requested-extension"' not in page_of(reviewer_ofac, extension_asked)
