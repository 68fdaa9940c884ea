"""Input a client can send that once answered 500 (issue 16's probe): a NUL byte in a path, a query, a form,
a header or a JSON string; deeply nested JSON; a document id that is not a number. Each is a 400 now, in the
API's JSON error shape under /api/ and as a plain page on the web, and nothing is written."""

import io
import json

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.exceptions import ParseError
from rest_framework.test import APIClient

from exemptions import services
from exemptions.api.parsers import BoundedJSONParser
from tests import factories
from tests.api.conftest import assert_error

# 929 levels in 1.8 KB: deep enough to exhaust Python's recursion once the serializer walks it.
DEEP_JSON = "[" * 929 + "]" * 929


def row_counts():
    """Rows per table of the app (and API tokens): equal before and after means the request wrote nothing."""
    models = list(apps.get_app_config("exemptions").get_models())
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def unchanged(db):
    """Call after signing in (which writes a session); fails the test if the probe wrote any row."""
    before = {}

    def start():
        before.update(row_counts())

    yield start
    assert before, "the test did not take its snapshot"
    assert row_counts() == before


def assert_plain_bad_request(response):
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/register/?search=%00", "/register/?authority=%00", "/workflows/%00/"])
def test_a_nul_byte_on_a_public_page_is_a_plain_400(db, unchanged, path):
    unchanged()
    assert_plain_bad_request(Client().get(path))


@pytest.mark.parametrize("path", ["/filings/%00/", "/applications/%00/"])
def test_a_nul_byte_in_a_signed_in_path_is_a_plain_400(unchanged, applicant, path):
    client = factories.web_client(applicant)
    unchanged()
    assert_plain_bad_request(client.get(path))


def test_a_nul_byte_in_a_form_field_is_refused_before_the_view_sees_it(unchanged, applicant, dossier):
    client = factories.web_client(applicant)
    unchanged()
    url = reverse("application_edit", args=[dossier.reference, "basics"])
    assert_plain_bad_request(client.post(url, {"title": "TB\x00drugs"}))


def test_a_nul_byte_in_a_cookie_or_header_is_a_400(db, unchanged):
    unchanged()
    client = Client()
    client.cookies["sessionid"] = "\x00" * 32
    assert_plain_bad_request(client.get("/register/"))
    response = APIClient().get("/api/v1/filings/", HTTP_AUTHORIZATION="Token \x00abc")
    assert_error(response, 400)


@pytest.mark.parametrize("path, fields", [("/api/v1/filings/%00/", []), ("/api/v1/register/?search=%00", ["search"])])
def test_a_nul_byte_in_an_api_path_or_query_is_a_json_400_naming_the_parameter(applicant, unchanged, path, fields):
    client = factories.api_client(applicant)
    unchanged()
    assert_error(client.get(path), 400, *fields)


def test_a_nul_byte_inside_a_json_authority_is_a_field_error(applicant, dossier, unchanged):
    client = factories.api_client(applicant)
    unchanged()
    response = client.post(
        f"/api/v1/applications/{dossier.reference}/filings/",
        '{"authority": "O\\u0000FAC"}',
        content_type="application/json",
    )
    body = assert_error(response, 400, "authority")
    assert "null" in body["detail"].lower()


def test_a_lone_surrogate_inside_a_json_string_is_a_field_error(applicant, dossier, unchanged):
    client = factories.api_client(applicant)
    unchanged()
    response = client.patch(
        f"/api/v1/applications/{dossier.reference}/",
        '{"items": [{"description": "ok"}, {"description": "bad \\ud800"}]}',
        content_type="application/json",
    )
    body = assert_error(response, 400, "items")
    assert body["detail"].startswith("items[1].description:")


def test_deeply_nested_json_is_a_400_for_an_anonymous_caller(db, unchanged):
    unchanged()
    response = APIClient().post("/api/v1/auth/token/", DEEP_JSON, content_type="application/json")
    body = assert_error(response, 400)
    assert "nested" in body["detail"]


def test_json_nested_beyond_the_limit_is_refused_but_up_to_it_is_read(db, settings):
    settings.API_JSON_MAX_DEPTH = 3
    post = APIClient().post
    assert_error(post("/api/v1/auth/token/", '{"username": [[["x"]]]}', content_type="application/json"), 400)
    response = post("/api/v1/auth/token/", '{"username": [["x"]]}', content_type="application/json")
    assert "nested" not in response.json()["detail"]


def test_a_json_body_over_the_size_limit_is_a_400(db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    body = json.dumps({"username": "x" * 200, "password": "demo"})
    response = APIClient().post("/api/v1/auth/token/", body, content_type="application/json")
    assert "DATA_UPLOAD_MAX_MEMORY_SIZE" in assert_error(response, 400)["detail"]


def test_the_parser_reads_no_more_than_the_size_limit_even_without_a_content_length(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    with pytest.raises(ParseError, match="larger than the 100 bytes"):
        BoundedJSONParser().parse(io.BytesIO(json.dumps(["x" * 200]).encode()))


def json_endpoints(dossier, filing):
    """(method, path) of every API endpoint that reads a JSON body."""
    return [
        ("post", "/api/v1/applications/"),
        ("patch", f"/api/v1/applications/{dossier.reference}/"),
        ("post", f"/api/v1/applications/{dossier.reference}/filings/"),
        ("post", f"/api/v1/filings/{filing.reference}/actions/withdraw/"),
        ("post", f"/api/v1/filings/{filing.reference}/messages/"),
    ]


def test_deeply_nested_json_is_a_400_on_every_json_endpoint(applicant, org, unchanged):
    draft = factories.complete_dossier(org, applicant)
    filing = factories.submitted_filing(factories.complete_dossier(org, applicant), "UN1718", applicant)
    client = factories.api_client(applicant)
    unchanged()
    for method, path in json_endpoints(draft, filing):
        response = getattr(client, method)(path, DEEP_JSON, content_type="application/json")
        assert_error(response, 400)


def test_removing_a_document_that_is_not_a_number_is_a_400(applicant, dossier, unchanged):
    services.attach_document(
        by=applicant, uploaded_file=SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan"), application=dossier
    )
    client = factories.web_client(applicant)
    unchanged()
    url = reverse("application_edit", args=[dossier.reference, "documents"])
    response = client.post(url, {"remove_document": "abc"})
    assert response.status_code == 400
    assert dossier.documents.count() == 1


def test_an_unexpected_fault_in_the_api_is_a_logged_500_in_the_error_shape(applicant, dossier, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(services, "create_filing", broken)
    response = factories.api_client(applicant).post(
        f"/api/v1/applications/{dossier.reference}/filings/", {"authority": "OFAC"}, format="json"
    )
    assert "a bug" not in assert_error(response, 500)["detail"]
    assert "a bug of ours" in caplog.text
    assert not dossier.filings.exists()
