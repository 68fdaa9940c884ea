"""The web UI in real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, against
pytest-django's live server. Every page must arrive with the app's strict Content-Security-Policy, and the
tests fail on any violation the browser reports. With UPDATE_SCREENSHOTS=1 they also rewrite the
screenshots in docs/screenshots/ that the README shows."""

import datetime as dt
import os
import tempfile
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from exemptions import committee, engine, procedures
from exemptions.demo import drive
from exemptions.models import Filing, Profile
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
WINDOW = (dt.date(2027, 3, 1), dt.date(2027, 6, 30))


FULL_NAMES = {
    "applicant": ("Leila", "Haddad"),
    "reviewer_un": ("Tomás", "Ruiz"),
    "staff_un": ("Mei", "Park"),
    "reviewer_ofac": ("Grace", "Walker"),
}


@pytest.fixture(autouse=True)
def people_have_names(request):
    """The pages show people's names (their usernames only when they have none): give the personas names."""
    for fixture, (first, last) in FULL_NAMES.items():
        if fixture in request.fixturenames:
            person = request.getfixturevalue(fixture)
            person.first_name, person.last_name = first, last
            person.save(update_fields=["first_name", "last_name"])


def shoot(page, name, full_page=True):
    """Screenshots for the README; they are rewritten only when asked (UPDATE_SCREENSHOTS=1), since
    timestamps on the pages would otherwise change the committed images on every run."""
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else Path(tempfile.gettempdir()) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / f"{name}.png", full_page=full_page)


def submit_action(page, action, fields=None):
    """Open an action's form (when it has fields), fill it by label, and press its button."""
    form = page.locator(f'form[data-action="{action}"]')
    if fields:
        if form.locator("summary").count():  # a folded form opens first; the reply form is always open
            form.locator("summary").click()
        for label, value in fields.items():
            form.get_by_label(label, exact=True).fill(value)
    form.locator("button[type=submit]").click()


def fill_row(page, row, values):
    for label, value in values.items():
        field = page.get_by_label(f"{label}, row {row}", exact=True)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)


EARLIER_WORK = [
    # (title, state, days ago the case began): gives the queue and dashboard overdue rows, decisions and history
    ("Clean water kits for flooded counties", "in_review", 120),
    ("Seeds and greenhouse film for cooperative farms", "information_requested", 20),
    ("Insulin and syringes for diabetic patients", "approved", 60),
    ("Maternal health kits for county maternity wards", "denied", 45),
    ("Hand pumps and pipes for rural water systems", "approved", 30),
    ("Surgical consumables for provincial hospitals", "submitted", 3),
]


def earlier_work(org, applicant, reviewer, staff, code):
    """Cases of other dossiers moved through real transitions at past dates, as the demo seed does."""
    now = dt.datetime.now(dt.UTC)
    for title, state, days_ago in EARLIER_WORK:
        filing = factories.filing(factories.complete_dossier(org, applicant, title=title), code, applicant)
        if state not in {s.name for s in filing.procedure.states}:  # UN 1718 refuses by a member's objection
            state = filing.procedure.with_effect(procedures.RECORD_REFUSAL)[-1].target
        drive(
            filing,
            state,
            applicant=applicant,
            reviewer=reviewer,
            staff=staff,
            started_at=now - dt.timedelta(days=days_ago),
        )


def test_applicant_creates_a_dossier_with_two_items_and_files_it_with_un1718_and_ofac(open_as, live_server, applicant):
    page = open_as(None)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("applicant")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My applications")).to_be_visible()

    page.get_by_role("link", name="New application").first.click()
    page.get_by_label("Title").fill("Therapeutic food for children's hospitals")
    page.get_by_label("Purpose (nature of the assistance)").fill("Treat severe acute malnutrition in children.")
    page.get_by_label("Why an exemption is needed").fill("Packaging machinery parts fall under banned HS chapters.")
    page.get_by_role("button", name="Create draft").click()

    expect(page.get_by_role("heading", name="Beneficiaries and destinations")).to_be_visible()
    page.get_by_label("Children under 5").fill("18000")
    page.get_by_label("Criteria used to select beneficiaries").fill("Hospitals chosen by malnutrition prevalence.")
    page.get_by_label("Destinations", exact=True).fill("North Hwanghae, Sariwon Children's Hospital")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name="Items", exact=True)).to_be_visible()
    item = {"Description": "Ready-to-use therapeutic food", "HS code": "2106.90", "Quantity": "12000", "Unit": "cartons",
            "Unit value": "54", "Currency": "USD", "Category": "Food and nutrition"}  # fmt: skip
    fill_row(page, 1, item)
    page.get_by_role("button", name="+ Add a row").click()
    expect(page.get_by_label("Description, row 2", exact=True)).to_be_visible()
    fill_row(page, 2, {**item, "Description": "Rifampicin tablets", "HS code": "300490", "Category": "Medical"})
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.", exact=True)).to_be_visible()
    shoot(page, "dossier-editor")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name="Parties", exact=True)).to_be_visible()
    fill_row(page, 1, {"Role": "Supplier", "Name": "Helvetic Nutrition SA", "Country (ISO code)": "CH"})
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_label("Ship from").fill("2027-03-01")
    page.get_by_label("Ship until").fill("2027-06-30")
    page.get_by_label("Origin").fill("Rotterdam")
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_label("Monitoring arrangements").fill("Monthly visits to every hospital.")
    page.get_by_label("Financial transactions involved").fill("Payments from Geneva to the supplier only.")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name="Documents", exact=True)).to_be_visible()
    page.get_by_label("File").set_input_files(
        {"name": "cover.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Uploaded cover.pdf.")).to_be_visible()
    page.get_by_role("link", name="Review and file →").first.click()

    page.get_by_label("UN1718", exact=False).check()
    page.get_by_label("OFAC", exact=False).check()
    page.get_by_role("button", name="Check your answers").click()
    expect(page.get_by_role("heading", name="Check your answers before filing")).to_be_visible()
    expect(page.get_by_text("Ready-to-use therapeutic food")).to_be_visible()
    assert not Filing.objects.filter(application__title="Therapeutic food for children's hospitals").exists()
    page.get_by_label("How the request reaches the UN 1718 Committee").select_option("member_state")
    page.get_by_label("Forwarding Member State").fill("Switzerland")
    shoot(page, "check-your-answers")
    page.get_by_role("button", name="File the dossier").click()
    expect(page.get_by_text("Filed with OFAC (")).to_be_visible()
    filings = Filing.objects.filter(application__title="Therapeutic food for children's hospitals")
    assert sorted(filings.values_list("authority__code", "status")) == [
        ("OFAC", "submitted"),
        ("UN1718", "with_forwarder"),  # until Switzerland transmits it to the Committee
    ]
    assert filings.first().application.items.count() == 2


def test_reviewer_requests_information_applicant_answers_reviewer_approves(
    open_as, org, applicant, dossier, reviewer_ofac
):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    earlier_work(org, applicant, reviewer_ofac, factories.member_of("OFAC", "staff"), "OFAC")
    reviewer = open_as(reviewer_ofac)
    reviewer.goto("/review/")
    expect(reviewer.get_by_role("link", name=filing.reference)).to_be_visible()
    shoot(reviewer, "reviewer-queue")
    reviewer.get_by_label("Reference or organization").fill(filing.reference)
    expect(reviewer.locator("#queue-results tbody tr")).to_have_count(1)  # htmx swapped the results in place
    reviewer.get_by_role("link", name=filing.reference).click()

    submit_action(reviewer, "take")
    expect(reviewer.locator("#filing-status")).to_have_text("In review")
    submit_action(
        reviewer, "request_information", {"What do you need from the applicant?": "Which hospitals receive the drugs?"}
    )
    expect(reviewer.locator("#filing-status")).to_have_text("Waiting on applicant")

    applicant_page = open_as(applicant)
    applicant_page.goto(f"/filings/{filing.reference}/")
    expect(applicant_page.locator("#filing-status")).to_have_text("Information requested — your reply is needed")
    expect(applicant_page.get_by_text("Which hospitals receive the drugs?").first).to_be_visible()
    submit_action(applicant_page, "respond", {"Your answer": "Sanatoria No. 3 and No. 7 in South Pyongan."})
    expect(applicant_page.locator("#filing-status")).to_have_text("Under review")

    reviewer.reload()
    submit_action(reviewer, "approve", {"Valid from": "2027-01-15", "Valid until": "2027-12-31", "Licence number": "DPRK-2027-0042",
                                        "Conditions": "Report each shipment within 14 days."})  # fmt: skip
    expect(reviewer.locator("#filing-status")).to_have_text("Approved")
    expect(reviewer.locator(".summary-strip")).to_contain_text("15 Jan 2027 – 31 Dec 2027")
    shoot(reviewer, "filing-page")
    filing.refresh_from_db()
    assert (filing.status, filing.valid_from_on, filing.valid_until_on, filing.authority_reference) == (
        "approved", dt.date(2027, 1, 15), dt.date(2027, 12, 31), "DPRK-2027-0042"
    )  # fmt: skip


def test_applicant_sees_cleared_to_ship_once_both_approvals_cover_the_window(
    open_as, org, applicant, reviewer_un, staff_un, reviewer_ofac
):
    dossier = factories.complete_dossier(org, applicant, ship_from_on=WINDOW[0], ship_until_on=WINDOW[1])
    un = factories.submitted_filing(dossier, "UN1718", applicant)
    engine.apply(un, "take", reviewer_un)
    engine.apply(un, "circulate", reviewer_un)
    engine.apply(un, "propose_approval", engine.SYSTEM)  # the sweep's job when the no-objection period ends
    ofac = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(ofac, "take", reviewer_ofac)
    other = factories.complete_dossier(org, applicant, title="Winter shelter kits for displaced households")
    factories.submitted_filing(other, "UN1718", applicant)
    earlier_work(org, applicant, reviewer_un, staff_un, "UN1718")

    home = open_as(applicant)
    home.goto("/")
    card = home.locator("article", has_text=dossier.title)
    expect(card.locator(".clearance")).to_contain_text("Not cleared to ship")
    expect(card.locator(".clearance")).to_contain_text("UN1718 filing not approved yet")

    staff = open_as(staff_un)
    staff.goto("/dashboard/")
    expect(staff.get_by_role("heading", name="Approvals proposed by the system — confirm")).to_be_visible()
    shoot(staff, "staff-dashboard")
    # Six months from today would end before the window does: staff grant nine, with the justification.
    submit_action(
        staff,
        "confirm_approval",
        {
            "Validity in months from the approval": "9",
            "Justification for the longer validity": "Winter closes the rail route for three months.",
        },
    )
    expect(
        staff.get_by_text(f"{un.reference}: The approval is confirmed and the applicant is notified.")
    ).to_be_visible()

    home.reload()
    expect(card.locator(".clearance")).to_contain_text("Not cleared to ship")
    expect(card.locator(".clearance")).to_contain_text("OFAC filing not approved yet")
    expect(card.locator(".clearance")).not_to_contain_text("UN1718")

    reviewer = open_as(reviewer_ofac)
    reviewer.goto(f"/filings/{ofac.reference}/")
    submit_action(
        reviewer,
        "approve",
        {"Valid from": "2027-02-01", "Valid until": "2027-08-31", "Licence number": "DPRK-2027-0099"},
    )
    expect(reviewer.locator("#filing-status")).to_have_text("Approved")

    home.reload()
    expect(card.locator(".clearance")).to_contain_text("Cleared to ship")
    expect(home.locator("article", has_text=other.title).locator(".clearance")).to_contain_text("Not cleared to ship")
    shoot(home, "applicant-home")

    phone = open_as(applicant, width=375)
    phone.goto("/")
    expect(phone.get_by_text("Cleared to ship").first).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    too_wide = phone.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 376 && !e.closest('thead'))"
        ".map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 40))"
    )
    assert width <= 375, f"the page scrolls sideways on a phone: {too_wide}"
    shoot(phone, "applicant-home-phone", full_page=False)


def test_a_reviewer_of_another_authority_cannot_open_the_filing(open_as, dossier, applicant, reviewer_ofac):
    un = factories.submitted_filing(dossier, "UN1718", applicant)
    page = open_as(reviewer_ofac)
    response = page.goto(f"/filings/{un.reference}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    assert un.reference not in page.content()
    page.goto("/review/")
    expect(page.get_by_text("No cases match these filters.")).to_be_visible()


def test_staff_confirm_sees_the_committee_validity_and_grants_longer_with_a_justification(
    open_as, org, applicant, reviewer_un, staff_un
):
    dossier = factories.complete_dossier(org, applicant, ship_from_on=WINDOW[0], ship_until_on=WINDOW[1])
    un = drive(factories.filing(dossier, "UN1718", applicant), "approval_proposed", applicant=applicant,
               reviewer=reviewer_un, staff=staff_un)  # fmt: skip
    approved_on = committee.approval_day(un, timezone.now())

    staff = open_as(staff_un)
    staff.goto(f"/filings/{un.reference}/")
    form = staff.locator('form[data-action="confirm_approval"]')
    form.locator("summary").click()
    expect(form.locator(".decision-facts")).to_contain_text("Validity by default")
    expect(form.locator(".decision-facts")).to_contain_text("Shipment window")
    expect(form.get_by_label("Validity in months from the approval", exact=True)).to_have_value("")
    shoot(staff, "staff-confirm")
    form.get_by_label("Validity in months from the approval", exact=True).fill("9")
    form.get_by_label("Justification for the longer validity", exact=True).fill("Winter closes the rail route.")
    form.get_by_label("Committee letter number", exact=True).fill("S/AC.49/2027/OC.7")
    form.locator("button[type=submit]").click()
    expect(staff.get_by_text(f"{un.reference}: The approval is confirmed")).to_be_visible()
    un.refresh_from_db()
    assert (un.valid_from_on, un.valid_until_on, un.authority_reference) == (
        approved_on, approved_on + relativedelta(months=9), "S/AC.49/2027/OC.7"
    )  # fmt: skip


def test_an_extension_request_shows_the_requested_date_to_the_reviewer(open_as, org, applicant, reviewer_ofac):
    dossier = factories.complete_dossier(org, applicant, ship_from_on=WINDOW[0], ship_until_on=WINDOW[1])
    approved = factories.approved_filing(dossier, "OFAC", applicant, dt.date(2027, 1, 1), dt.date(2027, 6, 30))
    assert approved.assigned_to == reviewer_ofac

    holder = open_as(applicant)
    holder.goto(f"/filings/{approved.reference}/")
    submit_action(holder, "request_extension", {"Extend until": "2027-09-30",
                                                "Why is more time needed?": "Port congestion delayed the second shipment."})  # fmt: skip
    expect(holder.get_by_text("Your extension request was sent to the authority.")).to_be_visible()
    expect(holder.locator("#requested-extension")).to_contain_text("30 Sep 2027")

    reviewer = open_as(reviewer_ofac)
    reviewer.goto(f"/filings/{approved.reference}/")
    expect(reviewer.locator("#requested-extension")).to_contain_text("30 Sep 2027")
    form = reviewer.locator('form[data-action="approve_extension"]')
    form.locator("summary").click()
    expect(form.get_by_label("New end of validity", exact=True)).to_have_value("2027-09-30")
    expect(form.locator(".decision-facts")).to_contain_text("Extension requested until")
    shoot(reviewer, "extension-review")
    form.locator("button[type=submit]").click()
    expect(reviewer.get_by_text("The extension is granted")).to_be_visible()
    approved.refresh_from_db()
    assert approved.valid_until_on == dt.date(2027, 9, 30)


def test_copy_a_filed_dossier_into_a_new_draft(open_as, dossier, applicant):
    filed = factories.submitted_filing(dossier, "UN1718", applicant)
    page = open_as(applicant)
    page.goto(f"/applications/{dossier.reference}/")
    expect(page.get_by_text("This dossier has been filed and is locked")).to_be_visible()
    page.get_by_role("button", name="Copy into a new draft").click()
    expect(page.get_by_role("heading", name=f"{dossier.title} (copy)")).to_be_visible()
    expect(page.get_by_text(f"Copied {dossier.reference} into a new draft")).to_be_visible()
    expect(page.get_by_text("Rifampicin tablets")).to_be_visible()
    expect(page.get_by_text("Helvetic Pharma SA")).to_be_visible()
    page.get_by_role("link", name="Edit dossier").click()
    page.get_by_label("Title").fill("TB drugs for provincial sanatoria, second consignment")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.", exact=True)).to_be_visible()
    filed.refresh_from_db()
    dossier.refresh_from_db()
    assert dossier.title == "TB drugs for provincial sanatoria" and filed.snapshot["title"] == dossier.title


def test_email_settings_pick_geneva_from_the_time_zone_list(open_as, applicant):
    page = open_as(applicant)
    page.goto("/account/emails/")
    expect(page.get_by_label("Send me the daily digest", exact=False)).to_have_count(0)  # staff only
    page.get_by_label("Your time zone").select_option(label="Geneva (Europe/Zurich)")
    shoot(page, "email-settings")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Your email settings are saved.")).to_be_visible()
    expect(page.get_by_label("Your time zone")).to_have_value("Europe/Zurich")
    assert Profile.objects.get(user=applicant).time_zone == "Europe/Zurich"


# --- after approval (issue 19) --------------------------------------------------------------------


def fill(page, values, within=None):
    scope = page.locator(within) if within else page
    for label, value in values.items():
        field = scope.get_by_label(label, exact=True)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)


def test_applicant_walks_from_approval_to_shipment_delivery_distribution_visit_and_report(open_as, dossier, applicant):
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
    report_form = page.locator('form[data-action="file_report"]')
    report_form.locator("summary").click()
    report_form.locator("button[type=submit]").click()  # nothing to write: the records speak
    expect(page.get_by_role("link", name=f"{approval.reference}-end-use-report.pdf")).to_be_visible()
    assert Filing.objects.get(pk=approval.pk).state.terminal

    board = open_as(applicant)
    board.goto("/monitoring/")
    expect(board.get_by_text("330 / 400").first).to_be_visible()
    shoot(board, "monitoring-dashboard")
