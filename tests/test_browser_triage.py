"""Issue 18 (triage) in real headless Chromium: the applicant reads which authorities a DPRK dossier with
US-origin refrigerators needs and why, is refused a drop without a reason, drops BIS with one, adds the EU,
and the UN reviewer reads the drop and its reason on the filing page."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.test_browser import shoot
from tests.test_triage import US_FRIDGES, dprk_dossier

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "The refrigerators come from our Geneva stock, made in Switzerland; the US label was a data error."


def test_the_applicant_walks_the_triage_and_the_reviewer_reads_the_drop(open_as, org, applicant, reviewer_un):
    dossier = dprk_dossier(org, applicant, [US_FRIDGES])
    page = open_as(applicant)
    page.goto(f"/applications/{dossier.reference}/")
    triage = page.locator("#triage")
    expect(triage.get_by_role("heading", name="Authorities this dossier needs")).to_be_visible()
    expect(triage.locator('tr[data-authority="UN1718"]')).to_contain_text("industrial machinery")
    expect(triage.locator('tr[data-authority="BIS"]')).to_contain_text("the EAR require a BIS licence")
    expect(page.locator(".clearance")).to_contain_text("Not yet filed with BIS")
    shoot(page, "triage")

    bis = triage.locator('tr[data-authority="BIS"]')
    bis.get_by_text("Drop BIS…").click()
    bis.get_by_role("button", name="Drop BIS").click()
    expect(page.locator("body")).to_contain_text("BIS was not dropped")
    bis = page.locator('#triage tr[data-authority="BIS"]')
    expect(bis).to_contain_text("Required")

    bis.get_by_text("Drop BIS…").click()
    bis.get_by_label("Why does the shipment not need BIS?").fill(REASON)
    bis.get_by_role("button", name="Drop BIS").click()
    bis = page.locator('#triage tr[data-authority="BIS"]')
    expect(bis).to_contain_text("Dropped by the applicant")
    expect(bis.locator(".drop-reason")).to_have_text(REASON)
    expect(page.locator(".clearance")).not_to_contain_text("BIS")

    page.get_by_label("Add an authority").select_option("EU")
    page.locator("#triage").get_by_role("button", name="Add", exact=True).click()
    expect(page.locator('#triage tr[data-authority="EU"]')).to_contain_text("Added by the applicant")
    expect(page.locator(".clearance")).to_contain_text("Not yet filed with EU")

    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    reviewer = open_as(reviewer_un)
    reviewer.goto(f"/filings/{filing.reference}/")
    seen = reviewer.locator("#triage")
    expect(seen.locator('tr[data-authority="BIS"] .drop-reason')).to_have_text(REASON)
    expect(seen.locator('tr[data-authority="EU"]')).to_have_count(0)  # another authority's line stays hidden
    expect(seen.get_by_role("button")).to_have_count(0)
