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
from exemptions.models import Authority, Filing, Role
from tests import factories
from tests.test_triage import US_FRIDGES, US_INSULIN, dprk_dossier

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMMITTEE_LETTER = "Committee letter SCA/2/27(04) approving the insulin."


def shipping_in(org, applicant, items, days=60):
    """A DPRK dossier shipping `days` from today: the pages run on today's clock, not a travelled one."""
    today = timezone.localdate()
    dossier = dprk_dossier(org, applicant, items)
    dossier.ship_from_on, dossier.ship_until_on = today + dt.timedelta(days=days), today + dt.timedelta(days=200)
    dossier.save(update_fields=["ship_from_on", "ship_until_on"])
    return dossier


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
    expect(staff.locator("body")).to_contain_text(COMMITTEE_LETTER)
    expect(staff.locator("body")).to_contain_text("objection")

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
