"""Uploads are judged by their bytes, stored under names we choose, and a rejected file leaves nothing."""

import datetime as dt
import io
import os
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from exemptions import engine, services, tokens
from exemptions.models import Document
from tests import factories

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def stored_files(settings) -> list[str]:
    root = settings.STORAGES["default"]["OPTIONS"]["location"]
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


@pytest.mark.parametrize(
    ("name", "content", "expected_type"),
    [
        ("letter.pdf", PDF, "application/pdf"),
        ("photo.png", PNG, "image/png"),
        ("statement.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("items.csv", b"item,qty\nRice (5 kg),400\nLentils <2% broken,10\n", "text/plain"),
        ("notes.txt", "Hamhŭng clinic, 평양".encode(), "text/plain"),
    ],
)
def test_accepted_types_are_stored_with_the_type_their_content_shows(
    dossier, applicant, settings, name, content, expected_type
):
    application = dossier
    document = services.attach_document(
        by=applicant, uploaded_file=SimpleUploadedFile(name, content, "application/x-anything"), application=application
    )
    assert document.content_type == expected_type
    assert document.original_name == name
    assert document.size == len(content)
    with document.file.open("rb") as stored:
        assert stored.read() == content


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00 this is a Windows executable"),  # exe posing as PDF
        ("report.pdf", b"<html><script>alert(1)</script></html>"),  # HTML posing as PDF
        ("readme.txt", b"<!DOCTYPE html><html><body onload=x()>"),  # HTML posing as text
        ("image.png", b"\x7fELF\x02\x01\x01" + b"\x00" * 32),  # ELF binary posing as PNG
        ("data.csv", b"a,b\x00\x00\x01binary"),  # NUL bytes are not text
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 40),  # a bare zip is not an office document
    ],
)
def test_disguised_types_are_rejected_and_nothing_is_saved(dossier, applicant, settings, name, content):
    application = dossier
    with pytest.raises(ValidationError) as error:
        services.attach_document(by=applicant, uploaded_file=SimpleUploadedFile(name, content), application=application)
    assert "not a file type we accept" in str(error.value)
    assert name in str(error.value)
    assert not Document.objects.exists()
    assert stored_files(settings) == []


def test_oversize_upload_is_rejected_with_the_limit_in_the_message(dossier, applicant, settings):
    application = dossier
    settings.FILE_UPLOAD_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (1024 * 1024))
    with pytest.raises(ValidationError, match="larger than the 1 MB limit"):
        services.attach_document(by=applicant, uploaded_file=big, application=application)
    assert not Document.objects.exists()
    assert stored_files(settings) == []


def test_empty_upload_is_rejected(dossier, applicant, settings):
    application = dossier
    with pytest.raises(ValidationError, match="empty"):
        services.attach_document(by=applicant, uploaded_file=SimpleUploadedFile("x.pdf", b""), application=application)
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("sent_name", "kept_name"),
    [
        ("../../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system32\\x.pdf", "x.pdf"),
        ("/absolute/path/letter.pdf", "letter.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("line\nbreak\x00.pdf", "linebreak.pdf"),
    ],
)
def test_path_traversal_names_never_reach_the_storage_path(
    dossier, applicant, settings, sent_name, kept_name, tmp_path
):
    application = dossier
    upload = ContentFile(PDF, name="placeholder")
    upload.name = sent_name  # ContentFile would normalise it; a raw multipart name does not
    document = services.attach_document(by=applicant, uploaded_file=upload, application=application)
    assert document.original_name == kept_name
    stored = os.path.realpath(document.file.path)
    assert stored.startswith(os.path.realpath(tmp_path) + os.sep)
    assert kept_name not in document.file.name and ".." not in document.file.name
    assert document.sha256 in document.file.name


# --- a too-large upload is refused before it is read (issue 16) --------------------------------------

SIXTY_MB = 60 * 1024 * 1024


class BodyThatMustNotBeRead(io.BytesIO):
    def read(self, *args):
        raise AssertionError("the upload was read before it was refused")

    readline = read


def upload_paths(dossier, applicant):
    """Every way a person sends a file: the dossier's documents page, an action's form, the API."""
    filing = factories.approved_filing(dossier, "OFAC", applicant, dt.date(2027, 1, 1), dt.date(2027, 6, 30))
    (report,) = [t for t in engine.available_actions(filing, applicant) if any(f.kind == "document" for f in t.payload)]
    return {
        "web documents page": reverse("application_edit", args=[dossier.reference, "documents"]),
        "web action form": reverse("filing_action", args=[filing.reference, report.name]),
        "api documents": f"/api/v1/filings/{filing.reference}/documents/",
    }


def signed_in(applicant, path):
    if path.startswith("/api/"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens.issue(applicant, 'tests')[1]}")
        return client
    client = Client()
    client.force_login(applicant)
    return client


@pytest.mark.parametrize("face", ["web documents page", "web action form", "api documents"])
def test_a_declared_60_mb_upload_is_refused_with_413_before_a_byte_is_read(dossier, applicant, face):
    path = upload_paths(dossier, applicant)[face]
    response = signed_in(applicant, path).post(
        path, {}, CONTENT_LENGTH=str(SIXTY_MB), **{"wsgi.input": BodyThatMustNotBeRead()}
    )
    assert response.status_code == 413
    text = response.json()["detail"] if face.startswith("api") else response.content.decode()
    assert "larger than the 20 MB limit" in text
    assert not Document.objects.exists()


def test_a_body_really_larger_than_the_limit_is_refused_unparsed(dossier, applicant, settings):
    settings.FILE_UPLOAD_MAX_BYTES = 1024 * 1024
    path = upload_paths(dossier, applicant)["api documents"]
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (3 * 1024 * 1024))
    response = signed_in(applicant, path).post(path, {"file": big, "kind": "cover_letter"}, format="multipart")
    assert response.status_code == 413 and "1 MB limit" in response.json()["detail"]
    assert not Document.objects.exists()


@pytest.mark.parametrize("declared", ["lots", "-5", "1e9"])
def test_a_content_length_that_is_not_a_number_of_bytes_is_400(dossier, applicant, declared):
    path = upload_paths(dossier, applicant)["api documents"]
    response = signed_in(applicant, path).post(
        path, {}, CONTENT_LENGTH=declared, **{"wsgi.input": BodyThatMustNotBeRead()}
    )
    assert response.status_code == 400 and "Content-Length" in response.json()["detail"]


def test_a_file_within_the_limit_still_gets_past_the_size_check(dossier, applicant):
    path = upload_paths(dossier, applicant)["api documents"]
    upload = SimpleUploadedFile("letter.pdf", PDF)
    response = signed_in(applicant, path).post(path, {"file": upload, "kind": "cover_letter"}, format="multipart")
    assert response.status_code == 201, response.content
