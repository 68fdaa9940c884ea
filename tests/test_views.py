"""The web UI through Django's test client: who may open what (404 for the wrong organization or
authority), form errors beside fields, buttons equal to available_actions, and constant query counts."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exemptions import engine, procedures, services
from exemptions.demo import drive
from exemptions.models import Application, Authority, Document, Filing, Role
from exemptions.web.dossiers import SECTIONS
from tests import factories


def attach(application, by, content: bytes):
    return services.attach_document(
        by=by, uploaded_file=SimpleUploadedFile("cover.pdf", content), kind="cover_letter", application=application
    )


def client_for(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def filing_url(filing):
    return reverse("filing_detail", args=[filing.reference])


def action_url(filing, action):
    return reverse("filing_action", args=[filing.reference, action])


def rendered_actions(response) -> list[str]:
    return re.findall(r'data-action="([a-z_]+)"', response.content.decode())


@pytest.fixture
def un_filing(dossier, applicant):
    return factories.submitted_filing(dossier, "UN1718", applicant)


@pytest.fixture
def bis_reviewer(db):
    return factories.authority_member("BIS", Role.REVIEWER, "reviewer-bis")


# --- access matrix ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, expected",
    [
        ("applicant", 200),
        ("applicant_other", 404),
        ("reviewer_un", 200),
        ("staff_un", 200),
        ("reviewer_ofac", 404),
        ("anonymous", 302),
    ],
)
def test_filing_page_opens_only_for_its_organization_and_authority(request, un_filing, who, expected):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    response = client_for(user).get(filing_url(un_filing))
    assert response.status_code == expected
    if expected == 302:
        assert response.url.startswith(reverse("login"))
    if expected == 404:
        assert un_filing.reference not in response.content.decode()


def test_reviewers_never_see_a_draft_filing(dossier, applicant, reviewer_un):
    draft = factories.filing(dossier, "UN1718", applicant)
    assert client_for(reviewer_un).get(filing_url(draft)).status_code == 404
    assert client_for(applicant).get(filing_url(draft)).status_code == 200


@pytest.mark.parametrize(
    "who, expected", [("applicant", 200), ("applicant_other", 404), ("reviewer_un", 404), ("anonymous", 302)]
)
@pytest.mark.parametrize("page", ["detail", "basics", "items", "documents"])
def test_dossier_pages_open_only_for_its_organization(request, dossier, un_filing, who, expected, page):
    dossier = Application.objects.create(organization=dossier.organization, title="Fresh draft")
    user = None if who == "anonymous" else request.getfixturevalue(who)
    if page == "detail":
        url = reverse("application_detail", args=[dossier.reference])
    else:
        url = reverse("application_edit", args=[dossier.reference, page])
    assert client_for(user).get(url).status_code == expected


def test_queue_is_for_authority_members_and_shows_only_their_authority(dossier, applicant, reviewer_un, reviewer_ofac):
    un = factories.submitted_filing(dossier, "UN1718", applicant)
    ofac = factories.submitted_filing(dossier, "OFAC", applicant)
    assert client_for(applicant).get(reverse("review_queue")).status_code == 404
    assert client_for().get(reverse("review_queue")).status_code == 302
    page = client_for(reviewer_un).get(reverse("review_queue")).content.decode()
    assert un.reference in page and ofac.reference not in page


def test_dashboard_is_for_staff_of_that_authority_only(un_filing, staff_un, reviewer_un, staff_ofac):
    assert client_for(staff_un).get(reverse("staff_dashboard")).status_code == 200
    assert client_for(reviewer_un).get(reverse("staff_dashboard")).status_code == 404
    assert client_for(staff_ofac).get(reverse("staff_dashboard_for", args=["UN1718"])).status_code == 404
    assert client_for(staff_ofac).get(reverse("staff_dashboard_for", args=["OFAC"])).status_code == 200


def test_documents_download_only_for_the_organization_and_authorities_it_was_filed_with(
    dossier, applicant, applicant_other, reviewer_un, reviewer_ofac
):
    document = attach(dossier, applicant, b"%PDF-1.4 cover letter")
    url = reverse("document_download", args=[document.pk])
    assert client_for(reviewer_un).get(url).status_code == 404  # not filed yet
    factories.submitted_filing(dossier, "UN1718", applicant)
    response = client_for(reviewer_un).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 cover letter"
    assert client_for(applicant).get(url).status_code == 200
    assert client_for(applicant_other).get(url).status_code == 404
    assert client_for(reviewer_ofac).get(url).status_code == 404


def test_a_document_whose_file_left_storage_is_a_404_not_a_500(dossier, applicant):
    document = attach(dossier, applicant, b"%PDF-1.4 cover letter")
    document.file.storage.delete(document.file.name)
    response = client_for(applicant).get(reverse("document_download", args=[document.pk]))
    assert response.status_code == 404


def test_public_pages_need_no_sign_in(dossier, applicant):
    approved = factories.approved_filing(dossier, "UN1718", applicant, dt.date(2027, 3, 1), dt.date(2027, 9, 30))
    pending = factories.submitted_filing(dossier, "OFAC", applicant)
    with time_machine.travel(dt.datetime(2027, 6, 1, 12, tzinfo=dt.UTC)):  # within its validity
        register = client_for().get(reverse("register"))
    assert register.status_code == 200
    assert approved.reference in register.content.decode() and pending.reference not in register.content.decode()
    assert "Medical" in register.content.decode()  # item categories from the frozen dossier
    diagram = client_for().get(reverse("workflow_detail", args=["UN1718"]))
    assert diagram.status_code == 200
    for state in procedures.UN1718.states:
        assert state.staff_label in diagram.content.decode()


# --- the applicant's path -----------------------------------------------------------------------


def test_applicant_creates_edits_and_files_a_dossier(applicant, org):
    client = client_for(applicant)
    response = client.post(
        reverse("application_new"),
        {
            "organization": org.pk,
            "title": "Insulin for Pyongyang",
            "purpose": "Treat diabetes.",
            "justification": "Syringes.",
        },
    )
    application = Application.objects.get(title="Insulin for Pyongyang")
    assert response.url == reverse("application_edit", args=[application.reference, "beneficiaries"])
    edit = lambda section: reverse("application_edit", args=[application.reference, section])  # noqa: E731
    client.post(
        edit("beneficiaries"),
        {
            "count_patients": "900",
            "selection_criteria": "All diabetic patients.",
            "destinations": "Pyongyang, Hospital 1",
        },
    )
    client.post(
        edit("shipment"), {"ship_from_on": "2027-03-01", "ship_until_on": "2027-06-30", "route_origin": "Geneva"}
    )
    client.post(edit("monitoring"), {"monitoring_arrangements": "Visits.", "financial_channel": "Geneva bank."})
    client.post(edit("items"), items_formset([ITEM, {**ITEM, "description": "Syringes", "hs_code": "9018.31"}]))
    client.post(edit("parties"), parties_formset([{"role": "supplier", "name": "Pharma SA", "country": "ch"}]))
    application.refresh_from_db()
    assert application.beneficiaries == {"patients": 900}
    assert [i.hs_code for i in application.items.all()] == ["300431", "901831"]
    assert application.missing_elements() == []

    un, ofac = Authority.objects.get(code="UN1718"), Authority.objects.get(code="OFAC")
    response = client.post(reverse("application_file", args=[application.reference]), {"authorities": [un.pk, ofac.pk]})
    assert response.status_code == 302
    assert sorted(application.filings.values_list("authority__code", "status")) == [
        ("OFAC", "submitted"),
        ("UN1718", "submitted"),
    ]
    locked = client.get(edit("basics"))
    assert locked.status_code == 302 and locked.url == reverse("application_detail", args=[application.reference])


ITEM = {
    "description": "Insulin",
    "hs_code": "300431",
    "quantity": "10",
    "unit": "boxes",
    "unit_value": "5",
    "currency": "usd",
    "category": "medical",
}


def formset_data(prefix, rows, initial=0):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial)}
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def items_formset(rows, initial=0):
    return formset_data("items", rows, initial)


def parties_formset(rows, initial=0):
    return formset_data("parties", rows, initial)


def test_item_errors_are_shown_beside_the_field_and_nothing_is_saved(dossier, applicant):
    url = reverse("application_edit", args=[dossier.reference, "items"])
    existing = dossier.items.get()
    rows = [{"id": existing.pk, **ITEM}, {**ITEM, "hs_code": "12ab", "quantity": "-1"}]
    response = client_for(applicant).post(url, items_formset(rows, initial=1))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter the Harmonized System code as 6 to 10 digits" in page
    assert "Must be greater than zero." in page
    assert dossier.items.count() == 1 and dossier.items.get().description == "Rifampicin tablets"


def test_items_rows_are_added_and_removed(dossier, applicant):
    client = client_for(applicant)
    url = reverse("application_edit", args=[dossier.reference, "items"])
    existing = dossier.items.get()
    response = client.post(url, {**items_formset([{"id": existing.pk, **ITEM}], initial=1), "add_row": ""})
    assert response.status_code == 302 and "blank=1" in response.url
    assert client.get(response.url).content.decode().count('name="items-') > 8  # a second, blank row
    response = client.post(url, {**items_formset([{"id": existing.pk, **ITEM}], initial=1), "remove_row": "items-0"})
    assert response.status_code == 302
    assert dossier.items.count() == 0


def test_shipment_window_that_ends_before_it_starts_is_refused_beside_the_field(dossier, applicant):
    url = reverse("application_edit", args=[dossier.reference, "shipment"])
    response = client_for(applicant).post(url, {"ship_from_on": "2027-06-01", "ship_until_on": "2027-05-01"})
    assert response.status_code == 400
    assert "The shipment window must end on or after its first day" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.ship_until_on == dt.date(2027, 6, 30)


def test_basics_without_a_title_show_the_error(dossier, applicant):
    url = reverse("application_edit", args=[dossier.reference, "basics"])
    response = client_for(applicant).post(url, {"title": "", "purpose": "x"})
    assert response.status_code == 400
    assert 'class="field has-error"' in response.content.decode()


def test_filing_an_incomplete_dossier_lists_what_is_missing(org, applicant):
    application = Application.objects.create(organization=org, title="Half done", purpose="Food.")
    un = Authority.objects.get(code="UN1718")
    response = client_for(applicant).post(
        reverse("application_file", args=[application.reference]), {"authorities": [un.pk]}
    )
    assert response.status_code == 400
    assert "The dossier is missing" in response.content.decode()
    assert not application.filings.exists()


def test_documents_upload_and_refuse_empty_files(dossier, applicant):
    url = reverse("application_edit", args=[dossier.reference, "documents"])
    client = client_for(applicant)
    response = client.post(url, {"kind": "cover_letter", "file": SimpleUploadedFile("letter.pdf", b"%PDF")})
    assert response.status_code == 302
    assert dossier.documents.get().original_name == "letter.pdf"
    response = client.post(url, {"kind": "cover_letter", "file": SimpleUploadedFile("empty.pdf", b"")})
    assert response.status_code == 400 and dossier.documents.count() == 1


# --- actions on a filing ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state, who",
    [
        ("submitted", "reviewer_un"),
        ("submitted", "staff_un"),
        ("submitted", "applicant"),
        ("in_review", "reviewer_un"),
        ("information_requested", "applicant"),
        ("approval_proposed", "staff_un"),
        ("in_review", "staff_un"),
        ("approved", "applicant"),
    ],
)
def test_buttons_are_exactly_the_available_actions(request, dossier, applicant, reviewer_un, staff_un, state, who):
    filing = factories.filing(dossier, "UN1718", applicant)
    drive(filing, state, applicant=applicant, reviewer=reviewer_un, staff=staff_un, started_at=dt.datetime.now(dt.UTC))
    user = request.getfixturevalue(who)
    response = client_for(user).get(filing_url(filing))
    expected = [t.name for t in engine.available_actions(Filing.objects.get(pk=filing.pk), user)]
    assert expected, "every case in this table has something to do"
    assert rendered_actions(response) == expected


def test_reviewer_requests_information_and_applicant_answers(un_filing, applicant, reviewer_un):
    reviewer = client_for(reviewer_un)
    reviewer.post(action_url(un_filing, "take"), {"take-version": un_filing.version})
    un_filing.refresh_from_db()
    response = reviewer.post(
        action_url(un_filing, "request_information"),
        {"request_information-version": un_filing.version, "request_information-note": "Which hospitals?"},
    )
    assert response.status_code == 302
    un_filing.refresh_from_db()
    assert un_filing.status == "information_requested"
    page = client_for(applicant).get(filing_url(un_filing)).content.decode()
    assert "Information requested — your reply is needed" in page and "Which hospitals?" in page
    client_for(applicant).post(
        action_url(un_filing, "respond"), {"respond-version": un_filing.version, "respond-note": "Hospitals 1 and 2."}
    )
    un_filing.refresh_from_db()
    assert un_filing.status == "in_review"


def test_an_action_without_its_required_fields_shows_errors_and_changes_nothing(dossier, applicant, reviewer_ofac):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    response = client_for(reviewer_ofac).post(
        action_url(filing, "approve"),
        {
            "approve-version": filing.version,
            "approve-valid_from_on": "2027-05-01",
            "approve-valid_until_on": "2027-01-01",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Validity must end on or after the day it starts." in page or "This field is required." in page
    filing.refresh_from_db()
    assert filing.status == "in_review"


def test_approval_with_validity_dates_records_them(dossier, applicant, reviewer_ofac):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    response = client_for(reviewer_ofac).post(
        action_url(filing, "approve"),
        {
            "approve-version": filing.version,
            "approve-valid_from_on": "2027-01-01",
            "approve-valid_until_on": "2027-12-31",
            "approve-authority_reference": "DPRK-2027-77",
            "approve-conditions": "Report each shipment.",
        },
    )
    assert response.status_code == 302
    filing.refresh_from_db()
    assert (filing.status, filing.valid_from_on, filing.valid_until_on) == (
        "approved",
        dt.date(2027, 1, 1),
        dt.date(2027, 12, 31),
    )
    assert filing.authority_reference == "DPRK-2027-77"


def test_a_lost_race_shows_a_message_not_an_error(un_filing, reviewer_un, staff_un):
    stale_version = un_filing.version
    engine.apply(un_filing, "take", staff_un)  # someone else took it first
    response = client_for(reviewer_un).post(action_url(un_filing, "take"), {"take-version": stale_version}, follow=True)
    assert response.status_code == 200
    assert "“Take this case” was not recorded" in response.content.decode()
    un_filing.refresh_from_db()
    assert un_filing.assigned_to == staff_un


def test_acting_on_a_stale_page_is_refused_even_when_the_action_is_still_possible(un_filing, reviewer_un, staff_un):
    engine.apply(un_filing, "take", reviewer_un)
    stale_version = un_filing.version
    engine.apply(un_filing, "assign", staff_un, "", None, reviewer=staff_un.username)
    response = client_for(reviewer_un).post(
        action_url(un_filing, "request_information"),
        {"request_information-version": stale_version, "request_information-note": "Need more."},
        follow=True,
    )
    assert "was changed by someone else" in response.content.decode()
    un_filing.refresh_from_db()
    assert un_filing.status == "in_review"


def test_an_applicant_cannot_run_a_reviewer_action(un_filing, applicant):
    response = client_for(applicant).post(action_url(un_filing, "take"), {"take-version": un_filing.version})
    assert response.status_code == 403
    un_filing.refresh_from_db()
    assert un_filing.status == "submitted"


def test_actions_on_another_authoritys_filing_are_404(un_filing, reviewer_ofac):
    response = client_for(reviewer_ofac).post(action_url(un_filing, "take"), {"take-version": un_filing.version})
    assert response.status_code == 404


def test_staff_confirm_a_system_proposed_approval_from_the_dashboard(dossier, applicant, reviewer_un, staff_un):
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    engine.apply(filing, "take", reviewer_un)
    engine.apply(filing, "circulate", reviewer_un)
    engine.apply(filing, "propose_approval", engine.SYSTEM)
    proposed_on = filing.status_changed_at.astimezone(ZoneInfo("America/New_York")).date()
    dashboard = client_for(staff_un).get(reverse("staff_dashboard"))
    assert 'data-action="confirm_approval"' in dashboard.content.decode()
    response = client_for(staff_un).post(
        action_url(filing, "confirm_approval") + "?next=" + reverse("staff_dashboard"),
        {"confirm_approval-version": filing.version},
    )
    assert response.url == reverse("staff_dashboard")
    filing.refresh_from_db()
    # Six months (the Committee's default) from the day the Committee approved by silence.
    assert (filing.status, filing.valid_until_on) == ("approved", proposed_on + relativedelta(months=6))


def test_staff_assign_a_reviewer_from_the_dashboard(un_filing, staff_un, reviewer_un):
    response = client_for(staff_un).post(
        action_url(un_filing, "assign"), {"assign-version": un_filing.version, "assign-reviewer": "reviewer-un"}
    )
    assert response.status_code == 302
    un_filing.refresh_from_db()
    assert (un_filing.status, un_filing.assigned_to) == ("in_review", reviewer_un)


def test_filing_the_report_closes_the_approval_with_the_report_generated_from_the_records(dossier, applicant):
    filing = factories.approved_filing(dossier, "OFAC", applicant, dt.date(2027, 1, 1), dt.date(2027, 6, 30))
    response = client_for(applicant).post(
        action_url(filing, "file_report"),
        {
            "file_report-version": filing.version,
            "file_report-note": "No shipment left in the end.",
            "file_report-annex": SimpleUploadedFile("waybills.pdf", b"%PDF-1.4 signed waybills"),
        },
    )
    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.status == "closed"
    reports = filing.documents.filter(kind=Document.Kind.DELIVERY_REPORT).order_by("id")
    names = [d.original_name for d in reports]
    assert names == ["waybills.pdf", f"{filing.reference}-end-use-report.csv", f"{filing.reference}-end-use-report.pdf"]
    closing = filing.events.get(action="file_report")
    assert closing.payload["report_sha256"] == reports.last().sha256  # the generated report, not the annex


def test_messages_post_into_the_thread_and_htmx_gets_the_thread_back(un_filing, applicant, reviewer_un):
    response = client_for(reviewer_un).post(
        reverse("filing_message", args=[un_filing.reference]), {"body": "We are looking at it."}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<section class="card" aria-labelledby="thread-title"')
    assert "We are looking at it." in client_for(applicant).get(filing_url(un_filing)).content.decode()
    empty = client_for(applicant).post(reverse("filing_message", args=[un_filing.reference]), {"body": "  "})
    assert empty.status_code == 400


def test_applicant_home_shows_clearance_and_what_needs_action(dossier, applicant, reviewer_un):
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    engine.apply(filing, "take", reviewer_un)
    engine.apply(filing, "request_information", reviewer_un, "Which hospitals?")
    page = client_for(applicant).get(reverse("home")).content.decode()
    assert "Not cleared to ship" in page
    assert "UN1718 filing not approved yet" in page
    needs = page.split('id="needs-action"')[1].split("</section>")[0]
    assert filing.reference in needs


def test_authority_members_land_on_their_queue(reviewer_un):
    response = client_for(reviewer_un).get(reverse("home"))
    assert response.url == reverse("review_queue")


def test_queue_filters_by_search_status_overdue_and_assignee(org, applicant, reviewer_un, staff_un):
    mine = factories.submitted_filing(factories.complete_dossier(org, applicant), "UN1718", applicant)
    engine.apply(mine, "take", reviewer_un)
    other_org = factories.organization("Water For All")
    other_applicant = factories.applicant_of(other_org)
    theirs = factories.submitted_filing(
        factories.complete_dossier(other_org, other_applicant), "UN1718", other_applicant
    )
    client = client_for(reviewer_un)
    page = lambda **q: client.get(reverse("review_queue"), q).content.decode()  # noqa: E731
    assert mine.reference not in page(search="water") and theirs.reference in page(search="water")
    assert mine.reference in page(assigned_to="me") and theirs.reference not in page(assigned_to="me")
    assert mine.reference in page(status="in_review") and theirs.reference not in page(status="in_review")
    Filing.objects.filter(pk=theirs.pk).update(due_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    overdue = page(overdue="on")
    assert theirs.reference in overdue and mine.reference not in overdue
    assert "row-overdue" in overdue
    partial = client.get(reverse("review_queue"), {"search": "water"}, HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div id="queue-results">')


def test_queue_sorts_by_due_date(org, applicant, reviewer_un):
    filings = [
        factories.submitted_filing(factories.complete_dossier(org, applicant), "UN1718", applicant) for _ in range(3)
    ]
    for days, filing in zip([5, 1, 3], filings, strict=True):
        Filing.objects.filter(pk=filing.pk).update(due_at=dt.datetime(2030, 1, days, tzinfo=dt.UTC))
    page = client_for(reviewer_un).get(reverse("review_queue")).content.decode()
    order = sorted(filings, key=lambda f: page.index(f.reference))
    assert order == [filings[1], filings[2], filings[0]]
    page = client_for(reviewer_un).get(reverse("review_queue"), {"sort": "-due"}).content.decode()
    assert sorted(filings, key=lambda f: page.index(f.reference)) == [filings[0], filings[2], filings[1]]


def test_password_reset_sends_a_working_link(applicant):
    client = client_for()
    response = client.post(reverse("password_reset"), {"email": applicant.email})
    assert response.status_code == 302
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url  # Django swaps the token for a session marker
    client.post(form_url, {"new_password1": "a-long-new-pass-42", "new_password2": "a-long-new-pass-42"})
    assert client.login(username=applicant.username, password="a-long-new-pass-42")


def test_sign_in_and_out(applicant):
    client = client_for()
    response = client.post(reverse("login"), {"username": "applicant", "password": "pw"})
    assert response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


# --- cost and hardening ---------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_home_costs_the_same_queries_for_2_or_12_applications(org, applicant, django_assert_max_num_queries):
    client = client_for(applicant)
    for _ in range(2):
        factories.submitted_filing(factories.complete_dossier(org, applicant), "OFAC", applicant)
    few = count_queries(client, reverse("home"))
    for _ in range(10):
        factories.submitted_filing(factories.complete_dossier(org, applicant), "OFAC", applicant)
    with django_assert_max_num_queries(few):
        client.get(reverse("home"))


def test_queue_costs_the_same_queries_for_3_or_25_rows(org, applicant, reviewer_un, django_assert_max_num_queries):
    client = client_for(reviewer_un)
    for _ in range(3):
        factories.submitted_filing(factories.complete_dossier(org, applicant), "UN1718", applicant)
    few = count_queries(client, reverse("review_queue"))
    for _ in range(22):
        factories.submitted_filing(factories.complete_dossier(org, applicant), "UN1718", applicant)
    with django_assert_max_num_queries(few):
        response = client.get(reverse("review_queue"))
    assert response.content.decode().count('href="/filings/') == 25


def test_queue_pages_by_cursor_keeping_its_filters(org, applicant, reviewer_un, monkeypatch):
    made = [
        factories.submitted_filing(factories.complete_dossier(org, applicant), "UN1718", applicant) for _ in range(5)
    ]
    client = client_for(reviewer_un)
    link = re.compile(r'<a href="([^"]+)"[^>]*rel="(next|prev)"')

    def visit(url, params=None):
        url = reverse("review_queue") + url if url.startswith("?") else url  # links carry only the query string
        page = client.get(url, params).content.decode().replace("&amp;", "&")
        return re.findall(r'href="/filings/([^/"]+)/"', page), {rel: href for href, rel in link.findall(page)}, page

    seen, links, page = visit(reverse("review_queue"), {"page_size": 2, "search": "TB"})
    assert "5 cases" in page and "prev" not in links and "First page" not in page
    while "next" in links:
        assert "search=TB" in links["next"] and "page_size=2" in links["next"]
        refs, links, page = visit(links["next"])
        seen += refs
    assert seen == [f.reference for f in sorted(made, key=lambda f: (f.due_at, f.pk))]
    back, _, _ = visit(links["prev"])
    assert back == seen[2:4]
    _, _, page = visit(reverse("review_queue"), {"cursor": "garbage"})
    assert "This page link is not valid" in page and page.count('href="/filings/') == 5
    monkeypatch.setattr("exemptions.pagination.COUNT_LIMIT", 3)
    assert "3+ cases" in visit(reverse("review_queue"))[2]


INLINE_CODE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=", re.IGNORECASE)


def test_pages_carry_no_inline_script_style_or_handlers(dossier, applicant, reviewer_un, staff_un):
    """A strict Content-Security-Policy comes later; nothing inline may break under it."""
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    pages = [
        (applicant, reverse("home")),
        (applicant, reverse("application_detail", args=[dossier.reference])),
        (applicant, filing_url(filing)),
        (reviewer_un, reverse("review_queue")),
        (reviewer_un, filing_url(filing)),
        (staff_un, reverse("staff_dashboard")),
        (None, reverse("register")),
        (None, reverse("workflow_detail", args=["OFAC"])),
        (None, reverse("login")),
    ]
    draft = Application.objects.create(organization=dossier.organization, title="Draft")
    pages += [(applicant, reverse("application_edit", args=[draft.reference, s])) for s, _ in SECTIONS]
    for user, url in pages:
        html = client_for(user).get(url).content.decode()
        assert not INLINE_CODE.search(html), f"{url}: {INLINE_CODE.search(html).group(0)}"
        assert html.count('method="post"') == html.count('name="csrfmiddlewaretoken"')
