from tests import factories
from tests.api.conftest import assert_error


def test_token_is_exchanged_for_username_and_password_and_authenticates(anon, applicant):
    response = anon.post("/api/v1/auth/token/", {"username": "applicant", "password": "pw"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    anon.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anon.get("/api/v1/filings/").status_code == 200


def test_second_token_request_returns_the_same_token(anon, applicant):
    first = anon.post("/api/v1/auth/token/", {"username": "applicant", "password": "pw"}).json()["token"]
    second = anon.post("/api/v1/auth/token/", {"username": "applicant", "password": "pw"}).json()["token"]
    assert first == second


def test_wrong_password_is_400_in_the_error_shape(anon, applicant):
    response = anon.post("/api/v1/auth/token/", {"username": "applicant", "password": "nope"}, format="json")
    assert_error(response, 400, "non_field_errors")


def test_missing_credentials_name_each_field(anon, db):
    assert_error(anon.post("/api/v1/auth/token/", {}, format="json"), 400, "username", "password")


def test_anonymous_caller_gets_401_with_token_challenge(anon, db):
    response = anon.get("/api/v1/filings/")
    assert_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Token")


def test_invalid_token_is_401(anon, db):
    anon.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(anon.get("/api/v1/authorities/"), 401)


def test_session_login_works_for_the_api(client, applicant):
    client.login(username="applicant", password="pw")
    assert client.get("/api/v1/filings/").status_code == 200


def test_schema_and_docs_are_served_without_a_cdn(anon, db):
    schema = anon.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/filings/{reference}/actions/{action}/" in schema.content
    docs = anon.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower() and "//unpkg" not in html


def test_options_and_unsupported_methods_answer_cleanly(client_for, applicant, dossier):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    client = client_for(applicant)
    paths = [
        "/api/v1/authorities/",
        "/api/v1/applications/",
        f"/api/v1/applications/{dossier.reference}/",
        f"/api/v1/applications/{dossier.reference}/filings/",
        "/api/v1/filings/",
        f"/api/v1/filings/{filing.reference}/",
        f"/api/v1/filings/{filing.reference}/actions/withdraw/",
        f"/api/v1/filings/{filing.reference}/events/",
        f"/api/v1/filings/{filing.reference}/messages/",
        f"/api/v1/filings/{filing.reference}/documents/",
        "/api/v1/register/",
    ]
    for path in paths:
        assert client.options(path).status_code == 200, path
        response = client.put(path, {}, format="json")
        assert response.status_code == 405, path
        assert set(response.json()) == {"detail", "errors"}
