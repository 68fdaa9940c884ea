"""Documents after filing, both ways: the applicant answers a request with files, the authority sends the
licence or decision letter with its decision, either side adds a file to the case; each upload is checked as
any upload is and reaches only those who may see the filing, on the web and in the API alike."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import dateformat, timezone

from exemptions import engine, notifications, procedures
from exemptions.models import Document, Filing, Role
from tests import factories

PDF = b"%PDF-1.4\n% a licence\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


@pytest.fixture
def ofac_case(dossier, applicant, reviewer_ofac):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    return filing


def pdf(name="file.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_the_applicant_answers_a_request_with_text_and_several_files_on_the_web(ofac_case, applicant, reviewer_ofac):
    engine.apply(ofac_case, "request_information", reviewer_ofac, "Send the signed end-user statement.")
    response = factories.web_client(applicant).post(
        f"/filings/{ofac_case.reference}/actions/respond/",
        {
            "respond-version": ofac_case.version,
            "respond-note": "Attached, signed by the hospital director.",
            "respond-attachments": [pdf("statement.pdf"), pdf("annex.pdf", PDF + b"annex")],
        },
    )
    assert response.status_code == 302
    ofac_case.refresh_from_db()
    assert ofac_case.status == "in_review"
    names = sorted(ofac_case.documents.values_list("original_name", "uploaded_by__username"))
    assert names == [("annex.pdf", "applicant"), ("statement.pdf", "applicant")]


def test_a_rejected_file_stops_the_reply_and_stores_nothing(ofac_case, applicant, reviewer_ofac):
    engine.apply(ofac_case, "request_information", reviewer_ofac, "Send the signed end-user statement.")
    response = factories.web_client(applicant).post(
        f"/filings/{ofac_case.reference}/actions/respond/",
        {"respond-version": ofac_case.version, "respond-note": "Here.", "respond-attachments": [pdf("a.exe", EXE)]},
    )
    assert response.status_code == 400
    assert "not a file type we accept" in response.content.decode()
    ofac_case.refresh_from_db()
    assert ofac_case.status == "information_requested" and not ofac_case.documents.exists()


def test_the_reviewer_approves_with_a_licence_the_applicant_downloads_and_others_cannot(
    ofac_case, applicant, applicant_other, reviewer_ofac, reviewer_un
):
    response = factories.web_client(reviewer_ofac).post(
        f"/filings/{ofac_case.reference}/actions/approve/",
        {
            "approve-version": ofac_case.version,
            "approve-valid_from_on": "2027-01-15",
            "approve-valid_until_on": "2027-12-31",
            "approve-authority_reference": "DPRK-2027-0042",
            "approve-licence": [pdf("licence-DPRK-2027-0042.pdf")],
        },
    )
    assert response.status_code == 302, response.content.decode()
    [licence] = ofac_case.documents.all()
    assert (licence.kind, licence.uploaded_by, licence.sha256 != "") == (Document.Kind.LICENCE, reviewer_ofac, True)

    page = factories.web_client(applicant).get(f"/filings/{ofac_case.reference}/").content.decode()
    assert "licence-DPRK-2027-0042.pdf" in page and f"/documents/{licence.pk}/" in page
    download = factories.web_client(applicant).get(f"/documents/{licence.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    for outsider in (applicant_other, reviewer_un, None):
        assert factories.web_client(outsider).get(f"/documents/{licence.pk}/").status_code in (302, 404)

    event = ofac_case.events.last()
    mail.outbox.clear()
    notifications.send_event_notices(event.pk)
    [email] = [m for m in mail.outbox if applicant.email in m.to]
    assert "Licence: licence-DPRK-2027-0042.pdf" in email.body


def test_the_api_takes_documents_from_both_sides_with_their_kind(ofac_case, applicant, reviewer_ofac):
    url = f"/api/v1/filings/{ofac_case.reference}/documents/"
    mine = factories.api_client(applicant).post(
        url, {"file": pdf("statement.pdf"), "kind": "end_user_statement"}, format="multipart"
    )
    theirs = factories.api_client(reviewer_ofac).post(
        url, {"file": pdf("licence.pdf"), "kind": "licence"}, format="multipart"
    )
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert (mine.json()["kind"], mine.json()["uploaded_by"]) == ("end_user_statement", "applicant")
    assert (theirs.json()["kind"], theirs.json()["uploaded_by"]) == ("licence", "reviewer-ofac")
    refused = factories.api_client(applicant).post(
        url, {"file": pdf("fake.pdf"), "kind": "licence"}, format="multipart"
    )
    assert refused.status_code == 400 and "kind" in refused.json()["errors"]
    listed = factories.api_client(applicant).get(url).json()["results"]
    assert {d["name"] for d in listed} >= {"statement.pdf", "licence.pdf"}


def test_the_api_runs_an_action_with_its_files_in_one_multipart_request(ofac_case, applicant, reviewer_ofac):
    engine.apply(ofac_case, "request_information", reviewer_ofac, "Send the signed end-user statement.")
    response = factories.api_client(applicant).post(
        f"/api/v1/filings/{ofac_case.reference}/actions/respond/",
        {"note": "Attached.", "attachments": [pdf("one.pdf"), pdf("two.pdf", PDF + b"2")]},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_review"
    assert ofac_case.documents.count() == 2
    wrong = factories.api_client(reviewer_ofac).post(
        f"/api/v1/filings/{ofac_case.reference}/actions/approve/",
        {"authority_reference": "L-1", "valid_from_on": "2027-01-01", "valid_until_on": "2027-06-01",
         "attachments": [pdf()]},
        format="multipart",
    )  # fmt: skip
    assert wrong.status_code == 400 and "attachments" in wrong.json()["errors"]
    assert Filing.objects.get(pk=ofac_case.pk).status == "in_review"


def test_either_side_adds_a_document_on_the_case_page_listed_with_who_and_when(ofac_case, applicant, reviewer_ofac):
    client = factories.web_client(applicant)
    page = client.get(f"/filings/{ofac_case.reference}/").content.decode()
    assert 'data-form="document"' in page
    response = client.post(
        f"/filings/{ofac_case.reference}/documents/",
        {"document-kind": "end_user_statement", "document-file": pdf("eus.pdf")},
    )
    assert response.status_code == 302
    factories.web_client(reviewer_ofac).post(
        f"/filings/{ofac_case.reference}/documents/",
        {"document-kind": "decision_letter", "document-file": pdf("dl.pdf")},
    )
    assert sorted(ofac_case.documents.values_list("kind", flat=True)) == ["decision_letter", "end_user_statement"]
    seen = factories.web_client(applicant).get(f"/filings/{ofac_case.reference}/").content.decode()
    added = dateformat.format(timezone.localtime(ofac_case.documents.first().uploaded_at), "j M Y, H:i")
    assert "eus.pdf" in seen and "dl.pdf" in seen and added in seen
    assert "· OFAC, " in seen  # the authority's file reads as the authority's, not a named official's
    assert "· applicant, " in seen
    refused = client.post(
        f"/filings/{ofac_case.reference}/documents/", {"document-kind": "licence", "document-file": pdf("forged.pdf")}
    )
    assert refused.status_code == 400 and ofac_case.documents.count() == 2


def test_a_reviewer_of_another_authority_cannot_add_a_document(ofac_case, reviewer_un):
    response = factories.web_client(reviewer_un).post(
        f"/filings/{ofac_case.reference}/documents/", {"document-kind": "other", "document-file": pdf()}
    )
    assert response.status_code == 404 and not ofac_case.documents.exists()


def test_an_authority_member_sends_a_decision_letter_with_a_denial(ofac_case, reviewer_ofac):
    staff = factories.member_of("OFAC", Role.STAFF)
    response = factories.web_client(staff).post(
        f"/filings/{ofac_case.reference}/actions/deny/",
        {"deny-version": ofac_case.version, "deny-reasons": "Dual-use items.", "deny-decision_letter": [pdf("dl.pdf")]},
    )
    assert response.status_code == 302
    assert list(ofac_case.documents.values_list("kind", flat=True)) == ["decision_letter"]


def test_every_approval_of_the_demo_carries_its_licence(db):
    call_command("seed_demo", force=True, verbosity=0)
    approvals = Filing.objects.filter(status__in=procedures.states_where(grants_validity=True))
    assert approvals.exists()
    for filing in approvals:
        licence = filing.documents.get(kind=Document.Kind.LICENCE)
        assert licence.uploaded_at == filing.decided_at
        assert engine.roles_for(licence.uploaded_by, filing) & procedures.AUTHORITY_ROLES
