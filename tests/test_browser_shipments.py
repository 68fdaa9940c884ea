"""Issue 19 in real headless Chromium: an applicant goes from an approved filing to a planned shipment, its delivery,
a distribution, a monitoring visit and the generated end-use report that closes the case."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from exemptions.models import Filing
from tests import factories
from tests.test_browser import browser, open_as, shoot  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill(page, values, within=None):
    scope = page.locator(within) if within else page
    for label, value in values.items():
        field = scope.get_by_label(label, exact=True)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)


def test_applicant_walks_from_approval_to_shipment_delivery_distribution_visit_and_report(open_as, dossier, applicant):  # noqa: F811
    today = timezone.localdate()
    approval = factories.approved_filing(dossier, "UN1718", applicant, today, today + dt.timedelta(days=150))
    depart, arrive = today + dt.timedelta(days=5), today + dt.timedelta(days=9)

    page = open_as(applicant)
    page.goto(f"/filings/{approval.reference}/")
    page.get_by_role("link", name="Shipments and monitoring").click()
    expect(page.get_by_role("heading", name="Shipments and monitoring")).to_be_visible()
    expect(page.locator(".shipments-used")).to_contain_text("Shipments: 0 of 3 (3 left)")

    page.get_by_text("Plan a shipment", exact=True).click()
    fill(
        page,
        {
            "Mode": "Sea",
            "Carrier": "Yellow Sea Lines",
            "Vessel name": "MV Morning Star",
            "IMO number": "IMO 9074729",
            "Route": "Dalian – Nampo",
            "Planned departure on": depart.isoformat(),
            "Planned arrival on": arrive.isoformat(),
            "Rifampicin tablets (boxes)": "60",
            "Expires on": (today + dt.timedelta(days=400)).isoformat(),
        },
        within="#plan-shipment",
    )
    page.get_by_role("button", name="Plan the shipment").click()
    expect(page.get_by_text("Cleared to ship", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=f"UN1718 approval {approval.reference}")).to_be_visible()
    shipment_url = page.url

    fill(
        page,
        {
            "Delivered on": arrive.isoformat(),
            "Received by (consignee)": "Central Medical Warehouse",
            "Received": "57",
            "Damaged": "2",
            "Lost": "1",
        },
        within="#record-delivery",
    )
    page.get_by_role("button", name="Record the delivery").click()
    expect(page.get_by_text("Delivery recorded.")).to_be_visible()

    fill(
        page,
        {
            "Facility": "Sanatorium No. 3",
            "Province or county": "South Pyongan",
            "Distributed on": arrive.isoformat(),
            "Rifampicin tablets (boxes)": "50",
            "Patients: planned": "400",
            "Patients: reached": "330",
        },
        within="#record-distribution",
    )
    page.get_by_role("button", name="Record the distribution").click()
    expect(page.get_by_text("Distribution recorded.")).to_be_visible()
    expect(page.locator("table", has_text="Facility").last).to_contain_text("330")
    shoot(page, "shipment-detail")
    assert page.url == shipment_url

    page.get_by_role("link", name=f"{dossier.reference} shipments").click()
    page.get_by_text("Record a visit", exact=True).click()
    fill(
        page,
        {
            "Visited on": arrive.isoformat(),
            "Site": "Sanatorium No. 3",
            "Monitor": "WFP field office",
            "Access": "Access granted",
            "Findings": "Stock cards match the delivery; patients confirmed receipt.",
        },
        within="#record-visit",
    )
    page.get_by_role("button", name="Record the visit").click()
    expect(page.get_by_text("Monitoring visit recorded.")).to_be_visible()
    expect(page.locator(".shipments-used")).to_contain_text("Shipments: 1 of 3 (2 left)")

    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").first.click()
    text = PdfReader(download.value.path()).pages[0].extract_text()
    assert "People planned: 400; reached: 330" in text

    page.goto(f"/filings/{approval.reference}/")
    page.locator('form[data-action="file_report"] button[type=submit]').click()  # one click: the records speak
    expect(page.get_by_text("File the end-use report: done.")).to_be_visible()
    expect(page.get_by_role("link", name=f"{approval.reference}-end-use-report.pdf")).to_be_visible()
    assert Filing.objects.get(pk=approval.pk).state.terminal

    board = open_as(applicant)
    board.goto("/monitoring/")
    expect(board.get_by_text("330 / 400").first).to_be_visible()
    shoot(board, "monitoring-dashboard")
