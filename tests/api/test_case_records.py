"""Events, messages, documents and the public register."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from exemptions import engine
from exemptions.models import Document
from tests import factories
from tests.api.conftest import assert_error


@pytest.fixture
def ofac_filing(dossier, applicant):
    return factories.submitted_filing(dossier, "OFAC", applicant)


def test_events_are_the_audit_trail_in_order(client_for, ofac_filing, reviewer_ofac, applicant):
    engine.apply(ofac_filing, "take", reviewer_ofac)
    events = client_for(applicant).get(f"/api/v1/filings/{ofac_filing.reference}/events/").json()["results"]
    assert [(e["sequence"], e["action"], e["actor"]) for e in events] == [
        (1, "submit", "applicant"),
        (2, "take", "reviewer-ofac"),
    ]
    assert events[1]["prev_hash"] == events[0]["hash"]


def test_messages_thread_between_applicant_and_authority(client_for, ofac_filing, reviewer_ofac, applicant):
    url = f"/api/v1/filings/{ofac_filing.reference}/messages/"
    posted = client_for(applicant).post(url, {"body": "  When will you decide?  "}, format="json")
    assert posted.status_code == 201, posted.content
    assert posted.json()["body"] == "When will you decide?" and posted.json()["author"] == "applicant"
    client_for(reviewer_ofac).post(url, {"body": "Within the month."}, format="json")
    thread = client_for(applicant).get(url).json()["results"]
    assert [(m["author"], m["kind"]) for m in thread] == [("applicant", "message"), ("reviewer-ofac", "message")]


@pytest.mark.parametrize("body", [{}, {"body": ""}, {"body": "   "}, {"body": "x\x00"}, {"body": "x" * 20_001}])
def test_empty_or_invalid_messages_are_400(client_for, ofac_filing, applicant, body):
    response = client_for(applicant).post(f"/api/v1/filings/{ofac_filing.reference}/messages/", body, format="json")
    assert_error(response, 400, "body")


def upload(client, filing, content=b"%PDF-1.4 cover letter", name="cover.pdf", kind="cover_letter"):
    file = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(
        f"/api/v1/filings/{filing.reference}/documents/", {"file": file, "kind": kind}, format="multipart"
    )


def test_document_upload_and_permission_checked_download(client_for, ofac_filing, applicant, reviewer_ofac):
    response = upload(client_for(applicant), ofac_filing)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "cover.pdf" and body["size"] == 21 and body["kind"] == "cover_letter"
    assert body["attached_to"] == "filing" and len(body["sha256"]) == 64
    listed = client_for(reviewer_ofac).get(f"/api/v1/filings/{ofac_filing.reference}/documents/").json()["results"]
    assert [d["id"] for d in listed] == [body["id"]]
    download = client_for(reviewer_ofac).get(body["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment") and "cover.pdf" in download["Content-Disposition"]
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == b"%PDF-1.4 cover letter"


def test_dossier_documents_are_listed_with_the_filing(client_for, dossier, applicant):
    from exemptions import services

    services.attach_document(
        by=applicant, uploaded_file=SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan"), application=dossier
    )
    ofac_filing = factories.submitted_filing(dossier, "OFAC", applicant)
    listed = client_for(applicant).get(f"/api/v1/filings/{ofac_filing.reference}/documents/").json()["results"]
    assert [(d["name"], d["attached_to"]) for d in listed] == [("plan.pdf", "application")]


def test_download_is_404_to_outsiders_and_for_other_filings_documents(
    client_for, ofac_filing, applicant, applicant_other, reviewer_un, org
):
    document_id = upload(client_for(applicant), ofac_filing).json()["id"]
    url = f"/api/v1/filings/{ofac_filing.reference}/documents/{document_id}/download/"
    assert_error(client_for(applicant_other).get(url), 404)
    assert_error(client_for(reviewer_un).get(url), 404)
    elsewhere = factories.filing(factories.complete_dossier(org, applicant), "OFAC", applicant)
    assert_error(
        client_for(applicant).get(f"/api/v1/filings/{elsewhere.reference}/documents/{document_id}/download/"), 404
    )
    assert_error(client_for(applicant).get(f"/api/v1/filings/{elsewhere.reference}/documents/{10**20}/download/"), 404)


def test_download_of_a_file_missing_from_storage_is_404(client_for, ofac_filing, applicant):
    document = Document.objects.get(pk=upload(client_for(applicant), ofac_filing).json()["id"])
    document.file.storage.delete(document.file.name)
    url = f"/api/v1/filings/{ofac_filing.reference}/documents/{document.pk}/download/"
    assert_error(client_for(applicant).get(url, HTTP_ACCEPT="application/octet-stream"), 404)


@pytest.mark.parametrize(
    "data, field",
    [
        ({"kind": "cover_letter"}, "file"),
        ({"file": "not a file", "kind": "cover_letter"}, "file"),
        ({"file": SimpleUploadedFile("empty.pdf", b""), "kind": "cover_letter"}, "file"),
        ({"file": SimpleUploadedFile("a.pdf", b"x"), "kind": "love_letter"}, "kind"),
    ],
)
def test_missing_empty_or_mislabelled_uploads_are_400(client_for, ofac_filing, applicant, data, field):
    response = client_for(applicant).post(
        f"/api/v1/filings/{ofac_filing.reference}/documents/", data, format="multipart"
    )
    assert_error(response, 400, field)


def test_oversized_upload_is_400(client_for, ofac_filing, applicant, settings):
    settings.FILE_UPLOAD_MAX_BYTES = 10
    assert_error(upload(client_for(applicant), ofac_filing, content=b"x" * 11), 400, "file")


def test_json_upload_is_415(client_for, ofac_filing, applicant):
    response = client_for(applicant).post(
        f"/api/v1/filings/{ofac_filing.reference}/documents/", {"file": "x"}, format="json"
    )
    assert_error(response, 415)


# --- the public register ---------------------------------------------------------------------------


def test_register_lists_approved_exemptions_publicly_and_is_cacheable(anon, org, applicant, dossier):
    approved = factories.approved_filing(dossier, "UN1718", applicant, dt.date(2027, 3, 1), dt.date(2027, 9, 30))
    factories.submitted_filing(dossier, "OFAC", applicant)  # pending: not in the register
    with time_machine.travel(dt.datetime(2027, 6, 1, 12, tzinfo=dt.UTC)):  # within its validity
        response = anon.get("/api/v1/register/")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    [entry] = response.json()["results"]
    assert entry == {
        "reference": approved.reference,
        "organization": org.name,
        "authority": "UN1718",
        "authority_reference": approved.authority_reference,  # the letter number the approval recorded
        "approved_on": approved.decided_at.date().isoformat(),
        "valid_from_on": "2027-03-01",
        "expires_on": "2027-09-30",
        "item_categories": ["medical"],
    }


def test_anonymous_callers_are_throttled(anon, db, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    assert anon.get("/api/v1/register/").status_code == 200
    assert anon.get("/api/v1/register/").status_code == 200
    response = anon.get("/api/v1/register/")
    assert_error(response, 429)
    assert "Cache-Control" not in response or "public" not in response["Cache-Control"]
    assert int(response["Retry-After"]) > 0


def test_signed_in_callers_are_throttled_per_user(client_for, applicant, applicant_other, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "1/minute"})
    first, other = client_for(applicant), client_for(applicant_other)
    assert first.get("/api/v1/filings/").status_code == 200
    assert_error(first.get("/api/v1/filings/"), 429)
    assert other.get("/api/v1/filings/").status_code == 200


@pytest.mark.parametrize(
    "name, content_type",
    [
        ("a" * 300 + ".pdf", "application/pdf"),
        ("report.pdf", "application/" + "x" * 200),
        ("ünïcødé \u202e fdp.pdf", "application/pdf"),
        ("../../etc/passwd.txt", "text/plain"),
    ],
)
def test_odd_file_names_and_content_types_are_stored_safely(client_for, ofac_filing, applicant, name, content_type):
    content = b"root:x:0:0" if name.endswith(".txt") else b"%PDF-1.4 content"
    file = SimpleUploadedFile(name, content, content_type=content_type)
    response = client_for(applicant).post(
        f"/api/v1/filings/{ofac_filing.reference}/documents/", {"file": file, "kind": "other"}, format="multipart"
    )
    assert response.status_code == 201, response.content
    document = Document.objects.get(pk=response.json()["id"])
    assert len(document.original_name) <= 255 and len(document.content_type) <= 100
    assert "/" not in document.original_name and ".." not in document.file.name
    assert "\u202e" not in document.original_name  # no right-to-left override to disguise the extension
    # Judged by content, whatever the client claimed.
    assert document.content_type == ("text/plain" if name.endswith(".txt") else "application/pdf")
    download = client_for(applicant).get(response.json()["download_url"])
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")


def test_non_utf8_query_strings_do_not_break_filters(client_for, applicant):
    response = client_for(applicant).get("/api/v1/filings/?search=%FF%FE&status=%C3%28")
    assert_error(response, 400, "status")
    assert client_for(applicant).get("/api/v1/filings/?search=%FF%FE").status_code == 200
