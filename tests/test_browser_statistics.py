"""The processing-time pages in a real browser under the strict Content-Security-Policy (the open_as fixture
fails the test on any violation): the server-drawn SVG chart shows, and the public page fits a phone."""

import pytest
from playwright.sync_api import expect

from exemptions.models import Role
from tests import factories
from tests.analytics_fixtures import bis_cases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_charts_show_under_the_strict_csp_and_the_public_page_fits_a_phone(open_as, org, applicant):
    bis_cases(org, applicant)
    public = open_as(None)
    public.goto("/statistics/")
    chart = public.locator("#table-authorities svg")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] > 200
    expect(public.locator("#table-authorities tbody tr").first).to_contain_text("10.0")
    staff = open_as(factories.member_of("BIS", Role.STAFF))
    staff.goto("/processing-times/")
    expect(staff.locator("#table-legal_bases svg")).to_be_visible()
    phone = open_as(None, width=375)
    phone.goto("/statistics/")
    expect(phone.locator("#table-authorities svg")).to_be_visible()
    too_wide = phone.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 376"
        " && !e.closest('.table-scroll'))"
        ".map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 40))"
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375, too_wide
    public.screenshot(path="/tmp/analytics-statistics.png", full_page=True)
