"""What people write and attach (issue 16): one limit per thing on every face, document kinds by role, no new
correspondence on a finished case, and downloads typed by their content, never by the sender's file name."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exemptions import demo, engine, procedures, services
from exemptions.models import (
    MAX_ITEMS_PER_DOSSIER,
    MAX_PARTIES_PER_DOSSIER,
    MESSAGE_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    Document,
    Message,
    Role,
)
from tests import factories

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def api_upload(user, filing, kind, name="letter.pdf", content=PDF):
    return factories.api_client(user).post(
        f"/api/v1/filings/{filing.reference}/documents/",
        {"file": SimpleUploadedFile(name, content), "kind": kind},
        format="multipart",
    )


@pytest.fixture
def ofac_filing(dossier, applicant):
    return factories.submitted_filing(dossier, "OFAC", applicant)


# --- one limit per thing, the same on every face ----------------------------------------------------


def test_a_message_over_the_limit_is_refused_by_the_web_and_the_api_alike(ofac_filing, applicant):
    too_long = "x" * (MESSAGE_MAX_LENGTH + 1)
    page = factories.web_client(applicant).post(
        reverse("filing_message", args=[ofac_filing.reference]), {"body": too_long}
    )
    assert page.status_code == 400
    answer = factories.api_client(applicant).post(
        f"/api/v1/filings/{ofac_filing.reference}/messages/", {"body": too_long}
    )
    assert answer.status_code == 400 and "body" in answer.json()["errors"]
    with pytest.raises(ValidationError, match="the limit is 20,000 characters"):
        services.post_message(ofac_filing, applicant, too_long)
    assert not Message.objects.exists()


def test_a_message_at_the_limit_is_accepted_by_the_web_and_the_api_alike(ofac_filing, applicant):
    longest = "x" * MESSAGE_MAX_LENGTH
    assert (
        factories.web_client(applicant)
        .post(reverse("filing_message", args=[ofac_filing.reference]), {"body": longest})
        .status_code
        == 302
    )
    answer = factories.api_client(applicant).post(
        f"/api/v1/filings/{ofac_filing.reference}/messages/", {"body": longest}
    )
    assert answer.status_code == 201
    assert Message.objects.count() == 2


def test_a_note_over_the_limit_is_refused_by_the_web_the_api_and_the_engine_alike(ofac_filing, applicant):
    (withdraw,) = [t for t in engine.available_actions(ofac_filing, applicant) if t.target in closed_states()]
    before = ofac_filing.status
    too_long = "x" * (NOTE_MAX_LENGTH + 1)
    data = {f"{withdraw.name}-version": ofac_filing.version, f"{withdraw.name}-note": too_long}
    page = factories.web_client(applicant).post(
        reverse("filing_action", args=[ofac_filing.reference, withdraw.name]), data
    )
    assert page.status_code == 400
    answer = factories.api_client(applicant).post(
        f"/api/v1/filings/{ofac_filing.reference}/actions/{withdraw.name}/", {"note": too_long}, format="json"
    )
    assert answer.status_code == 400 and "note" in answer.json()["errors"]
    with pytest.raises(ValidationError, match="at most 20,000 characters"):
        engine.apply(ofac_filing, withdraw.name, applicant, too_long)
    ofac_filing.refresh_from_db()
    assert ofac_filing.status == before


ROWS = {
    "items": (
        MAX_ITEMS_PER_DOSSIER,
        dict(
            description="Rice",
            hs_code="100630",
            quantity="1",
            unit="kg",
            unit_value="1",
            currency="USD",
            category="food",
        ),
    ),
    "parties": (MAX_PARTIES_PER_DOSSIER, dict(role="supplier", name="Helvetic Pharma SA", country="CH", address="")),
}


@pytest.mark.parametrize("related", ROWS)
def test_one_row_too_many_is_refused_by_the_web_the_api_and_the_services_alike(dossier, applicant, related):
    limit, row = ROWS[related]
    answer = factories.api_client(applicant).patch(
        f"/api/v1/applications/{dossier.reference}/", {related: [row] * (limit + 1)}, format="json"
    )
    assert answer.status_code == 400 and related in answer.json()["errors"]
    with pytest.raises(ValidationError, match=f"at most {limit} {related}"):
        services.update_dossier(dossier, applicant, **{related: [row] * (limit + 1)})
    services.update_dossier(dossier, applicant, **{related: [row] * limit})  # the limit itself is fine
    assert (
        factories.api_client(applicant)
        .patch(f"/api/v1/applications/{dossier.reference}/", {related: [row] * limit}, format="json")
        .status_code
        == 200
    )
    existing = list(getattr(dossier, related).all())
    data = {f"{related}-TOTAL_FORMS": limit, f"{related}-INITIAL_FORMS": limit, f"{related}-MAX_NUM_FORMS": limit}
    for i, instance in enumerate(existing):
        data.update({f"{related}-{i}-id": instance.pk, **{f"{related}-{i}-{k}": v for k, v in row.items()}})
    url = reverse("application_edit", args=[dossier.reference, related])
    assert factories.web_client(applicant).post(url, data).status_code == 302  # the web editor saves a full dossier
    data.update({f"{related}-TOTAL_FORMS": limit + 1, **{f"{related}-{limit}-{k}": v for k, v in row.items()}})
    page = factories.web_client(applicant).post(url, data)
    assert page.status_code == 400 and f"at most {limit}" in page.content.decode()
    with pytest.raises(ValidationError, match=f"at most {limit} {related}"):
        (services.add_item if related == "items" else services.add_party)(dossier, **row)
    assert getattr(dossier, related).count() == limit


@pytest.mark.parametrize("typed", ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"])
def test_an_implausible_shipment_date_is_refused_by_the_web_and_the_api_alike(dossier, applicant, typed):
    page = factories.web_client(applicant).post(
        reverse("application_edit", args=[dossier.reference, "shipment"]),
        {"ship_from_on": typed, "ship_until_on": "2027-06-30"},
    )
    assert page.status_code == 400 and "Enter a date between 01 Jan 2000 and 31 Dec 2100" in page.content.decode()
    answer = factories.api_client(applicant).patch(
        f"/api/v1/applications/{dossier.reference}/", {"ship_from_on": typed}, format="json"
    )
    assert answer.status_code == 400 and "ship_from_on" in answer.json()["errors"]
    dossier.refresh_from_db()
    assert str(dossier.ship_from_on) != typed


def test_date_pickers_offer_only_plausible_dates(dossier, applicant):
    page = (
        factories.web_client(applicant)
        .get(reverse("application_edit", args=[dossier.reference, "shipment"]))
        .content.decode()
    )
    pickers = re.findall(r'<input type="date"[^>]*>', page)
    assert len(pickers) == 2
    assert all('min="2000-01-01"' in p and 'max="2100-12-31"' in p for p in pickers)


# --- who attaches which kind of document -----------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "kind", "status"),
    [
        ("applicant", "cover_letter", 201),
        ("applicant", "delivery_report", 201),
        ("applicant", "other", 201),
        ("applicant", "decision_letter", 400),
        ("reviewer", "decision_letter", 201),
        ("reviewer", "other", 201),
        ("reviewer", "delivery_report", 400),
        ("reviewer", "cover_letter", 400),
        ("staff", "decision_letter", 201),
        ("staff", "end_user_statement", 400),
    ],
)
def test_each_role_attaches_only_its_own_kinds_of_document(ofac_filing, applicant, who, kind, status):
    user = applicant if who == "applicant" else factories.member_of("OFAC", Role(who))
    answer = api_upload(user, ofac_filing, kind)
    assert answer.status_code == status, answer.content
    if status == 400:
        assert "kind" in answer.json()["errors"] and not Document.objects.exists()


def test_an_applicants_decision_letter_never_reaches_the_decision_email(ofac_filing, applicant):
    with pytest.raises(ValidationError, match="Decision letter"):
        services.attach_document(
            by=applicant,
            uploaded_file=SimpleUploadedFile("decision.pdf", PDF),
            kind=Document.Kind.DECISION_LETTER,
            filing=ofac_filing,
        )
    assert not ofac_filing.documents.exists()


def test_the_dossier_upload_form_offers_only_the_applicants_kinds(dossier, applicant):
    url = reverse("application_edit", args=[dossier.reference, "documents"])
    page = factories.web_client(applicant).get(url).content.decode()
    offered = set(re.findall(r'<option value="([a-z_]+)"', page))
    assert offered == set(Document.kinds_for({procedures.APPLICANT}))
    assert Document.Kind.DECISION_LETTER not in offered
    refused = factories.web_client(applicant).post(
        url, {"kind": "decision_letter", "file": SimpleUploadedFile("d.pdf", PDF)}
    )
    assert refused.status_code == 400 and not Document.objects.exists()


# --- a finished case takes no new messages or documents ----------------------------------------------

CODES = {"UN1718": procedures.UN1718, "OFAC": procedures.OFAC, "UK-OFSI": procedures.GENERIC}


def closed_states():
    return procedures.states_where(accepts_correspondence=False)


def test_by_default_exactly_the_terminal_states_take_no_correspondence():
    for procedure in procedures.PROCEDURES.values():
        assert procedure.states_where(accepts_correspondence=False) == procedure.states_where(terminal=True)


@pytest.mark.parametrize(
    ("code", "state"),
    [
        (code, state)
        for code, procedure in CODES.items()
        for state in procedure.states_where(accepts_correspondence=False)
    ],
)
def test_a_finished_case_takes_no_message_or_document_on_any_face(dossier, applicant, code, state):
    reviewer, staff = factories.member_of(code, Role.REVIEWER), factories.member_of(code, Role.STAFF)
    filing = demo.drive(
        factories.filing(dossier, code, applicant), state, applicant=applicant, reviewer=reviewer, staff=staff
    )
    filing.refresh_from_db()
    assert filing.status == state
    page = factories.web_client(applicant).get(reverse("filing_detail", args=[filing.reference])).content.decode()
    assert reverse("filing_message", args=[filing.reference]) not in page
    sent = factories.web_client(applicant).post(
        reverse("filing_message", args=[filing.reference]), {"body": "One more thing."}, follow=True
    )
    assert "takes no new messages or documents" in sent.content.decode()
    answer = factories.api_client(applicant).post(
        f"/api/v1/filings/{filing.reference}/messages/", {"body": "One more thing."}
    )
    assert answer.status_code == 409 and "takes no new messages or documents" in answer.json()["detail"]
    uploaded = api_upload(applicant, filing, "other")
    assert uploaded.status_code == 409 and "takes no new messages or documents" in uploaded.json()["detail"]
    with pytest.raises(services.ClosedToCorrespondence):
        services.post_message(filing, staff, "Closing remark.")
    assert not filing.messages.filter(body__in=["One more thing.", "Closing remark."]).exists()
    assert not filing.documents.filter(kind=Document.Kind.OTHER).exists()


# --- downloads are typed by their content ----------------------------------------------------------


def download_from(face, document, user):
    if face == "web":
        return factories.web_client(user).get(reverse("document_download", args=[document.pk]))
    return factories.api_client(user).get(
        f"/api/v1/filings/{document.filing.reference}/documents/{document.pk}/download/"
    )


@pytest.mark.parametrize("face", ["web", "api"])
def test_a_download_is_typed_by_its_content_not_by_the_name_it_was_sent_under(ofac_filing, applicant, face):
    document = services.attach_document(
        by=applicant, uploaded_file=SimpleUploadedFile("photo.html", PNG), filing=ofac_filing
    )
    response = download_from(face, document, applicant)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'attachment; filename="photo.html"'


@pytest.mark.parametrize("face", ["web", "api"])
def test_a_row_with_an_unaccepted_type_or_a_hostile_name_is_served_as_bare_bytes(ofac_filing, applicant, face):
    document = services.attach_document(
        by=applicant, uploaded_file=SimpleUploadedFile("a.pdf", PDF), filing=ofac_filing
    )
    Document.objects.filter(pk=document.pk).update(
        content_type="text/html", original_name='../x"\r\nSet-Cookie: a=b.html'
    )
    document.refresh_from_db()
    response = download_from(face, document, applicant)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\r" not in disposition and "\n" not in disposition
    assert "/" not in disposition.split("filename", 1)[1]
