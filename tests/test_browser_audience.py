"""Issue 14 in real headless Chromium: the applicant answers an information request in the obvious box with a
PDF, the reviewer approves with the licence PDF and the applicant downloads it, and the public register
shows only what the UN publishes and is valid today, searchable by the authority's own number."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from exemptions import engine
from exemptions.models import Document
from tests import factories
from tests.test_browser import shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_the_applicant_replies_in_the_obvious_box_with_a_pdf_and_the_review_resumes(
    open_as, dossier, applicant, reviewer_ofac
):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    engine.apply(filing, "request_information", reviewer_ofac, "Please send the signed end-user statement.")

    page = open_as(applicant)
    page.goto("/")
    expect(page.locator("td", has_text=filing.reference)).to_contain_text("New message")
    page.goto(f"/filings/{filing.reference}/")
    reply = page.locator("#reply")
    expect(reply.get_by_role("heading", name="Send your reply")).to_be_visible()
    expect(reply).to_contain_text("Please send the signed end-user statement.")
    expect(page.get_by_label("Message (does not answer the information request)")).to_be_visible()
    reply.get_by_label("Your answer").fill("The signed statement is attached.")
    reply.get_by_label("Attach files").set_input_files(
        {"name": "end-user-statement.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    shoot(page, "reply-form")
    reply.get_by_role("button", name="Send your reply").click()
    expect(page.locator("#filing-status")).to_have_text("Under review")
    expect(page.locator("#documents")).to_contain_text("end-user-statement.pdf")

    reviewer = open_as(reviewer_ofac)
    reviewer.goto("/review/")
    expect(reviewer.locator("tr", has_text=filing.reference)).to_contain_text("New message")
    reviewer.get_by_role("link", name=filing.reference).click()
    expect(reviewer.locator("#documents")).to_contain_text("end-user-statement.pdf")
    expect(reviewer.locator("#thread")).to_contain_text("The signed statement is attached.")


def test_the_reviewer_approves_with_a_licence_pdf_and_the_applicant_downloads_it(
    open_as, dossier, applicant, reviewer_ofac
):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)

    reviewer = open_as(reviewer_ofac)
    reviewer.goto(f"/filings/{filing.reference}/")
    form = reviewer.locator('form[data-action="approve"]')
    form.locator("summary").click()
    form.get_by_label("Licence or approval letter (file)").set_input_files(
        {"name": "licence-DPRK-2027-0042.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    form.get_by_label("Internal note (optional)").fill("Panel of Experts cleared the consignee.")
    for label, value in {
        "Valid from": "2027-01-15",
        "Valid until": "2027-12-31",
        "Licence number": "DPRK-2027-0042",
    }.items():
        form.get_by_label(label, exact=True).fill(value)
    form.get_by_role("button", name="Issue the licence").click()
    expect(reviewer.locator("#filing-status")).to_have_text("Approved")
    assert Document.objects.get(filing=filing).kind == Document.Kind.LICENCE

    page = open_as(applicant)
    page.goto(f"/filings/{filing.reference}/")
    expect(page.locator("#filing-status")).to_have_text("Approved")
    expect(page.locator("body")).not_to_contain_text("Panel of Experts")
    with page.expect_download() as download:
        page.locator("#documents").get_by_role("link", name="licence-DPRK-2027-0042.pdf").click()
    assert download.value.suggested_filename == "licence-DPRK-2027-0042.pdf"
    assert download.value.path().read_bytes() == PDF


def test_the_register_shows_what_the_un_publishes_valid_today_and_finds_it_by_letter_number(
    open_as, org, applicant, live_server
):
    today = timezone.localdate()  # the register's day
    un = factories.approved_filing(
        factories.complete_dossier(org, applicant, title="Vaccines"), "UN1718", applicant, today,
        today + dt.timedelta(days=90),
    )  # fmt: skip
    later = factories.approved_filing(
        factories.complete_dossier(org, applicant, title="Later"), "UN1718", applicant,
        today + dt.timedelta(days=20), today + dt.timedelta(days=120),
    )  # fmt: skip
    ofac = factories.approved_filing(
        factories.complete_dossier(org, applicant, title="Seeds"), "OFAC", applicant, today,
        today + dt.timedelta(days=90),
    )  # fmt: skip

    page = open_as(None)
    page.goto("/register/")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(un.reference)
    for hidden in (later.reference, ofac.reference, ofac.authority_reference, "OFAC"):
        expect(page.locator("tbody")).not_to_contain_text(hidden)
    page.get_by_label("Organization, reference or licence number").fill(un.authority_reference)
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(un.authority_reference)
    shoot(page, "register")

    api = page.request.get(f"{live_server.url}/api/v1/register/?search={un.authority_reference}").json()
    assert [e["reference"] for e in api["results"]] == [un.reference]
    everything = page.request.get(f"{live_server.url}/api/v1/register/").json()
    assert [e["reference"] for e in everything["results"]] == [un.reference]
