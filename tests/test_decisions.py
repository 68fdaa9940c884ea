"""Decisions with their facts: the confirm, approve and extension forms start from the recommendation or the
request and show it beside the form; a validity that leaves the shipment window uncovered is a warning, not a
refusal; an extension request shows the requested date to both sides and emails the reviewer."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse

from exemptions import decisions, engine
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
def proposed(org, applicant, reviewer_un):
    """A UN1718 filing whose no-objection period ended: staff have the recommendation to confirm."""
    dossier = factories.complete_dossier(org, applicant, **WINDOW)
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    engine.apply(filing, "take", reviewer_un)
    engine.apply(
        filing,
        "recommend",
        reviewer_un,
        "",
        None,
        valid_from_on="2027-01-01",
        valid_until_on="2027-05-31",
        conditions="Report each shipment within 14 days.",
        authority_reference="S/AC.49/2027/OC.12",
    )
    engine.apply(filing, "propose_approval", engine.SYSTEM)
    return filing


def test_staff_confirm_form_is_prefilled_with_the_recommendation_and_shows_it(proposed, staff_un):
    page = page_of(staff_un, proposed)
    assert value_of(page, "confirm_approval-valid_from_on") == "2027-01-01"
    assert value_of(page, "confirm_approval-valid_until_on") == "2027-05-31"
    assert value_of(page, "confirm_approval-conditions") == "Report each shipment within 14 days."
    assert value_of(page, "confirm_approval-authority_reference") == "S/AC.49/2027/OC.12"
    facts = re.search(r'data-facts="confirm_approval">(.*?)</dl>', page, re.S).group(1)
    assert "Recommended validity" in facts and "1 Jan 2027 – 31 May 2027" in facts
    assert "S/AC.49/2027/OC.12" in facts and "Shipment window" in facts


def test_the_dashboard_confirm_form_is_prefilled_too(proposed, staff_un):
    page = factories.web_client(staff_un).get(reverse("staff_dashboard")).content.decode()
    assert value_of(page, "confirm_approval-valid_until_on") == "2027-05-31"


def test_a_validity_short_of_the_shipment_window_warns_but_does_not_block(proposed, staff_un):
    page = page_of(staff_un, proposed)
    assert "ends on 31 May 2027, before the shipment window closes on 30 Jun 2027" in page
    response = factories.web_client(staff_un).post(
        reverse("filing_action", args=[proposed.reference, "confirm_approval"]),
        {"confirm_approval-version": proposed.version},
        follow=True,
    )
    proposed.refresh_from_db()
    assert proposed.state.grants_validity and proposed.valid_until_on == dt.date(2027, 5, 31)
    shown = [str(m) for m in response.context["messages"]]
    assert any("before the shipment window closes on 30 Jun 2027" in m for m in shown)


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
