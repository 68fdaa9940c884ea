"""Cleared to ship: every required approval granted and valid over the whole shipment window."""

import datetime as dt

import pytest
from django.db.models import Prefetch

from exemptions import engine, services
from exemptions.clearance import BLOCKING_HITS, cleared_to_ship
from exemptions.models import Application, Authority, Filing
from tests import factories

TODAY = dt.date(2027, 1, 15)
WINDOW = {"ship_from_on": dt.date(2027, 3, 1), "ship_until_on": dt.date(2027, 6, 30)}


@pytest.fixture
def application(org, applicant):
    a = factories.complete_dossier(org, applicant, **WINDOW)
    a.required_authorities.set(Authority.objects.filter(code__in=["UN1718", "OFAC"]))
    return a


def clearance(application):
    fresh = Application.objects.prefetch_related("filings__authority", "required_authorities").get(pk=application.pk)
    return cleared_to_ship(fresh, today=TODAY)


def test_cleared_when_every_required_approval_covers_the_window(application, applicant):
    factories.approved_filing(application, "UN1718", applicant, dt.date(2027, 2, 1), dt.date(2027, 7, 31))
    factories.approved_filing(application, "OFAC", applicant, dt.date(2027, 1, 1), dt.date(2028, 12, 31))
    result = clearance(application)
    assert result.cleared and result.blockers == []


def test_a_missing_authority_blocks_shipping(application, applicant):
    factories.approved_filing(application, "UN1718", applicant, dt.date(2027, 2, 1), dt.date(2027, 7, 31))
    assert clearance(application).blockers == [
        "Not yet filed with OFAC (US Treasury, Office of Foreign Assets Control)."
    ]


def test_a_filing_still_in_review_blocks_shipping(application, applicant, reviewer_ofac):
    factories.approved_filing(application, "UN1718", applicant, dt.date(2027, 2, 1), dt.date(2027, 7, 31))
    filing = factories.submitted_filing(application, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    assert clearance(application).blockers == ["OFAC filing not approved yet (under review)."]


def test_approval_ending_before_the_window_ends_names_the_shortfall(application, applicant):
    factories.approved_filing(application, "UN1718", applicant, dt.date(2027, 2, 1), dt.date(2027, 6, 20))
    factories.approved_filing(application, "OFAC", applicant, dt.date(2027, 1, 1), dt.date(2028, 12, 31))
    result = clearance(application)
    assert not result.cleared
    assert result.blockers == [
        "UN1718 approval expires 10 days before the shipment window ends (valid until 20 Jun 2027, "
        "shipping until 30 Jun 2027)."
    ]


def extending(approval):
    """A second approval of the same authority follows the first as its extension (one approval per authority
    otherwise)."""
    return {"follows": approval, "link": Filing.Link.EXTENSION, "linked_request": "Three more months: port delays."}


def test_a_gap_between_two_approvals_is_a_blocker(application, applicant):
    first = factories.approved_filing(application, "UN1718", applicant, dt.date(2027, 2, 1), dt.date(2027, 4, 10))
    factories.approved_filing(
        application, "UN1718", applicant, dt.date(2027, 4, 20), dt.date(2027, 8, 31), **extending(first)
    )
    factories.approved_filing(application, "OFAC", applicant, dt.date(2027, 1, 1), dt.date(2028, 12, 31))
    assert clearance(application).blockers == ["UN1718 approvals leave a gap from 11 Apr 2027 to 19 Apr 2027."]


def test_back_to_back_approvals_cover_the_window(application, applicant):
    first = factories.approved_filing(application, "UN1718", applicant, dt.date(2027, 2, 1), dt.date(2027, 4, 10))
    factories.approved_filing(
        application, "UN1718", applicant, dt.date(2027, 4, 11), dt.date(2027, 8, 31), **extending(first)
    )
    factories.approved_filing(application, "OFAC", applicant, dt.date(2027, 1, 1), dt.date(2028, 12, 31))
    assert clearance(application).cleared


def test_an_approval_starting_after_the_window_opens_is_a_blocker(application, applicant):
    factories.approved_filing(application, "UN1718", applicant, dt.date(2027, 3, 15), dt.date(2027, 9, 30))
    factories.approved_filing(application, "OFAC", applicant, dt.date(2027, 1, 1), dt.date(2028, 12, 31))
    assert clearance(application).blockers == [
        "UN1718 approval starts only on 15 Mar 2027, after the shipment window opens."
    ]


def test_an_expired_approval_does_not_count(application, applicant):
    un = factories.approved_filing(application, "UN1718", applicant, dt.date(2026, 6, 1), dt.date(2026, 12, 31))
    engine.apply(un, "expire", engine.SYSTEM)
    factories.approved_filing(application, "OFAC", applicant, dt.date(2027, 1, 1), dt.date(2028, 12, 31))
    assert clearance(application).blockers == ["UN1718 approval expired on 31 Dec 2026."]


def test_an_approval_past_its_end_date_counts_as_expired_even_before_the_sweep(application, applicant):
    factories.approved_filing(application, "UN1718", applicant, dt.date(2026, 6, 1), dt.date(2026, 12, 31))
    factories.approved_filing(application, "OFAC", applicant, dt.date(2027, 1, 1), dt.date(2028, 12, 31))
    assert clearance(application).blockers == ["UN1718 approval expired on 31 Dec 2026."]


def test_an_approval_with_an_extension_pending_still_counts(application, applicant):
    ofac = factories.approved_filing(application, "OFAC", applicant, dt.date(2027, 1, 1), dt.date(2028, 12, 31))
    engine.apply(ofac, "request_extension", applicant, "Port delays.", None, requested_until_on="2029-10-31")
    un = factories.approved_filing(application, "UN1718", applicant, dt.date(2027, 2, 1), dt.date(2027, 7, 31))
    extension = services.request_linked(un, applicant, "extension", "Three more months: port delays.")
    engine.apply(extension, "submit", applicant)  # UN 1718: a new, linked request beside the approval
    assert clearance(application).cleared


def test_without_authorities_or_window_the_application_is_not_cleared(org, applicant):
    bare = factories.complete_dossier(org, applicant)
    assert clearance(bare).blockers[0].startswith("No authority chosen yet")
    bare.required_authorities.set(Authority.objects.filter(code="OFAC"))
    Application.objects.filter(pk=bare.pk).update(ship_from_on=None, ship_until_on=None)
    assert clearance(bare).blockers == ["The shipment window is not set."]


def test_clearance_of_a_listed_application_needs_no_extra_queries(application, applicant, django_assert_num_queries):
    factories.approved_filing(application, "UN1718", applicant, dt.date(2027, 2, 1), dt.date(2027, 7, 31))
    filings = Filing.objects.select_related("authority").prefetch_related(BLOCKING_HITS)
    listed = Application.objects.prefetch_related(Prefetch("filings", queryset=filings), "required_authorities")
    fresh = listed.get(pk=application.pk)
    with django_assert_num_queries(0):
        cleared_to_ship(fresh, today=TODAY)
