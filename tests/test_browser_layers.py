"""Issue 18's layers walked together in headless Chromium, as the people would: an NGO's US-origin insulin for the
DPRK notified to OFAC under the general licence and cleared by silence, a BIS case registered and approved in
part, and an EU request that waits on the dossier's UN 1718 approval, with the emails each person reads."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from exemptions import engine, notifications
from exemptions.models import Role
from tests import factories
from tests.test_bis import ITEMS as EQUIPMENT
from tests.test_triage import FRIDGES, US_INSULIN, dprk_dossier

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMMITTEE_LETTER = "Committee letter SCA/2/27(04) approving the insulin."


def shipping_in(org, applicant, items, days=60):
    """A DPRK dossier shipping `days` from today: the pages run on today's clock, not a travelled one."""
    today = timezone.localdate()
    dossier = dprk_dossier(org, applicant, items)
    dossier.ship_from_on, dossier.ship_until_on = today + dt.timedelta(days=days), today + dt.timedelta(days=200)
    dossier.save(update_fields=["ship_from_on", "ship_until_on"])
    return dossier


def proposed_un(dossier, applicant, reviewer_un, un):
    """The Committee's no-objection period ends without objection: staff have only to confirm."""
    engine.apply(un, "take", reviewer_un)
    engine.apply(un, "circulate", reviewer_un)
    engine.apply(un, "propose_approval", engine.SYSTEM, "", un.due_at + dt.timedelta(minutes=5))


def sent_to(person, reference):
    return [m for m in mail.outbox if person.email in m.to and reference in m.subject]


def test_an_ngo_notifies_ofac_under_the_general_licence_and_the_sweep_clears_it(
    open_as, org, applicant, reviewer_ofac, staff_ofac, eager_celery
):
    dossier = shipping_in(org, applicant, [US_INSULIN])
    page = open_as(applicant)
    page.goto(f"/applications/{dossier.reference}/")
    triage = page.locator("#triage")
    expect(triage.locator('tr[data-authority="UN1718"]')).to_contain_text("Required")
    expect(triage.locator('tr[data-authority="OFAC"]')).to_contain_text("general licence")
    expect(triage.locator("tr[data-authority]")).to_have_count(2)

    # The Committee approved the dossier already: only OFAC is left to file with, and comes ticked.
    factories.approved_filing(dossier, "UN1718", applicant, dossier.ship_from_on, dossier.ship_until_on)
    page.reload()
    file_with = page.locator("form.file-form")
    expect(file_with.get_by_role("checkbox", name="OFAC", exact=False)).to_be_checked()
    expect(file_with.get_by_role("checkbox", name="UN1718", exact=False)).to_have_count(0)
    file_with.get_by_role("button", name="Check your answers").click()
    expect(page.get_by_role("heading", name="Check your answers before filing")).to_be_visible()
    route = page.get_by_label("Procedure with OFAC")
    expect(route).to_be_visible()
    route.select_option("ofac_gl")
    page.get_by_label("The UN 1718 Committee approved it").check()
    page.get_by_label("UN approval or request reference", exact=False).fill(COMMITTEE_LETTER)
    mail.outbox.clear()
    page.get_by_role("button", name="File the dossier").click()
    expect(page.locator("body")).to_contain_text("OFAC")
    notification = dossier.filings.get(authority__code="OFAC")
    assert (notification.route, notification.status) == ("ofac_gl", "notified")
    (announced,) = sent_to(staff_ofac, notification.reference)
    assert announced.subject.startswith("Objection window closes on ")
    assert "Record any objection from the State Department before the window closes" in announced.body
    assert not sent_to(reviewer_ofac, notification.reference)  # reviewers have nothing to do on a notification

    staff = open_as(staff_ofac)
    staff.goto("/")
    staff.get_by_role("link", name="Review queue").click()
    staff.get_by_role("link", name=notification.reference).click()
    expect(staff.locator("#request dd").first).to_have_text("Notification")
    expect(staff.locator("main")).to_contain_text("The UN 1718 Committee approved it")
    expect(staff.locator("main")).to_contain_text(COMMITTEE_LETTER)
    expect(staff.locator('form[data-action="record_objection"]')).to_contain_text(
        "Record the State Department's objection"
    )

    page.goto(f"/applications/{dossier.reference}/")
    expect(page.locator(".clearance")).to_contain_text(  # the window is still open: not yet cleared
        "OFAC filing not approved yet (notified — the State Department may object until the window closes)."
    )
    expect(page.locator(".clearance")).not_to_contain_text("Cleared")

    mail.outbox.clear()
    closed = notification.due_at + dt.timedelta(hours=1)
    with time_machine.travel(closed, tick=False):
        notifications.sweep()
    notification.refresh_from_db()
    assert notification.status == "notification_cleared"
    (told,) = sent_to(applicant, notification.reference)
    assert told.subject.startswith("Cleared — no objection from the State Department")
    assert "Office of Foreign Assets Control" in told.body and f"/filings/{notification.reference}/" in told.body

    page.goto(f"/applications/{dossier.reference}/")
    expect(page.locator(".clearance")).to_contain_text("Cleared")


def test_a_bis_reviewer_registers_and_approves_in_part_and_the_applicant_reads_the_quantities(
    open_as, org, applicant, eager_celery
):
    reviewer = factories.member_of("BIS", Role.REVIEWER)
    dossier = factories.complete_dossier(org, applicant, items=EQUIPMENT)
    filing = factories.submitted_filing(dossier, "BIS", applicant)
    page = open_as(reviewer)
    page.goto(f"/filings/{filing.reference}/")
    register = page.locator('form[data-action="register_application"]')
    if register.locator("summary").count():
        register.locator("summary").click()
    register.get_by_label("Registration number").fill("12-3456")
    register.locator("button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("one capital letter and six digits, e.g. Z123456")
    register = page.locator('form[data-action="register_application"]')
    if register.locator("summary").count() and not register.get_by_label("Registration number").is_visible():
        register.locator("summary").click()
    register.get_by_label("Registration number").fill("Z123456")
    register.locator("button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("Z123456")
    filing.refresh_from_db()
    assert filing.status == "in_review"

    today = timezone.localdate()
    decide = page.locator('form[data-action="approve_in_part"]')
    if decide.locator("summary").count():
        decide.locator("summary").click()
    decide.get_by_label("Valid from").fill(today.isoformat())
    decide.get_by_label("Valid until").fill((today + dt.timedelta(days=365)).isoformat())
    decide.get_by_label("Solar vaccine refrigerator: approved quantity (units)").fill("25")
    decide.get_by_label("Diesel generator 10 kVA: approved quantity (units)").fill("0")
    mail.outbox.clear()
    decide.locator("button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("Approved")
    filing.refresh_from_db()
    assert filing.status == "approved"

    mine = open_as(applicant)
    mine.goto(f"/filings/{filing.reference}/")
    expect(mine.get_by_role("heading", name="Approved in part: what may ship")).to_be_visible()
    approved = mine.locator("#approved-quantities tbody tr")
    expect(approved.nth(0)).to_have_text("Solar vaccine refrigerator25 units50 units")
    expect(approved.nth(1)).to_have_text("Diesel generator 10 kVA0 units8 units")
    (decision,) = sent_to(applicant, filing.reference)
    assert decision.subject.startswith("Approved in part, valid until ")
    assert "Solar vaccine refrigerator: 25 units approved of 50 asked" in decision.body
    assert "Diesel generator 10 kVA: 0 units approved of 8 asked" in decision.body


def test_an_eu_request_waits_on_the_un_approval_and_is_filed_from_the_ready_to_file_email(
    open_as, org, applicant, reviewer_un, staff_un, eager_celery
):
    dossier = shipping_in(org, applicant, [FRIDGES])
    page = open_as(applicant)
    page.goto(f"/applications/{dossier.reference}/")
    file_with = page.locator("form.file-form")
    file_with.get_by_role("checkbox", name="UN1718", exact=False).check()
    file_with.get_by_role("checkbox", name="EU — EU Member State", exact=False).check()
    file_with.get_by_role("button", name="Check your answers").click()
    expect(page.locator("body")).to_contain_text(
        "the EU request is kept as a draft, and we email you when it can be filed"
    )
    page.get_by_role("button", name="File the dossier").click()
    un, eu = (dossier.filings.get(authority__code=code) for code in ("UN1718", "EU"))
    expect(page.locator("body")).to_contain_text(f"{eu.reference} cannot be filed before {un.reference}")
    expect(page.locator(".clearance")).to_contain_text("EU")
    page.goto(f"/filings/{eu.reference}/")
    expect(page.locator("main")).to_contain_text(un.reference)

    mail.outbox.clear()
    proposed_un(dossier, applicant, reviewer_un, un)
    engine.apply(un, "confirm_approval", staff_un, "", None, authority_reference="S/AC.49/2027/OC.12")
    (ready,) = [m for m in mail.outbox if m.subject.startswith("Ready to file") and applicant.email in m.to]
    assert eu.reference in ready.subject and un.reference in ready.subject
    assert "It is ready to file now." in ready.body and "2017/1509" in ready.body
    link = next(w for w in ready.body.split() if f"/filings/{eu.reference}/" in w)

    page = page.context.new_page()  # the email's link opens a new tab (the old one still shows the waiting draft)
    page.goto(link.replace("http://127.0.0.1:8000", ""))
    page.locator('form[data-action="submit"] button[type=submit]').click()
    expect(page.locator("body")).to_contain_text(eu.reference)
    eu.refresh_from_db()
    assert eu.submitted_at is not None
