import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from exemptions.models import ApiToken
from tests import factories
from tests.api.conftest import assert_error


def sign_in(client, name=None, password="pw"):
    body = {"username": "applicant", "password": password} | ({"name": name} if name is not None else {})
    response = client.post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def with_token(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_token_is_exchanged_for_username_and_password_and_authenticates(anon, applicant):
    body = sign_in(anon)
    assert with_token(body["token"]).get("/api/v1/filings/").status_code == 200


def test_token_expires_after_the_configured_number_of_days(anon, applicant, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(days=7)}
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        body = sign_in(anon, name="exporter")
        assert body["name"] == "exporter"
        assert parse_datetime(body["expiry"]) == start + timedelta(days=7)
        clock.shift(timedelta(days=6, hours=23))
        assert with_token(body["token"]).get("/api/v1/filings/").status_code == 200
        clock.shift(timedelta(hours=2))
        assert_error(with_token(body["token"]).get("/api/v1/filings/"), 401)


def test_default_token_lifetime_is_thirty_days(anon, applicant):
    expiry = parse_datetime(sign_in(anon)["expiry"])
    assert abs(expiry - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)


def test_each_sign_in_makes_a_new_token_and_both_work(anon, applicant):
    first, second = sign_in(anon, name="laptop")["token"], sign_in(anon, name="ci")["token"]
    assert first != second
    assert with_token(first).get("/api/v1/filings/").status_code == 200
    assert with_token(second).get("/api/v1/filings/").status_code == 200
    assert sorted(ApiToken.objects.filter(user=applicant).values_list("name", flat=True)) == ["ci", "laptop"]


def test_delete_revokes_the_token_used_and_no_other(anon, applicant):
    revoked, kept = sign_in(anon)["token"], sign_in(anon)["token"]
    client = with_token(revoked)
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert_error(client.get("/api/v1/filings/"), 401)
    assert_error(client.delete("/api/v1/auth/token/"), 401)
    assert with_token(kept).get("/api/v1/filings/").status_code == 200


def test_delete_without_a_token_is_401(anon, client, applicant):
    assert_error(anon.delete("/api/v1/auth/token/"), 401)
    session = APIClient()
    session.force_login(applicant)
    assert_error(session.delete("/api/v1/auth/token/"), 401)


def test_token_notes_its_last_use_at_most_once_a_minute(anon, applicant):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client = with_token(sign_in(anon)["token"])
        assert ApiToken.objects.get(user=applicant).last_used_at is None
        client.get("/api/v1/filings/")
        clock.shift(timedelta(seconds=30))
        client.get("/api/v1/filings/")
        assert ApiToken.objects.get(user=applicant).last_used_at == start
        clock.shift(timedelta(seconds=31))
        client.get("/api/v1/filings/")
        assert ApiToken.objects.get(user=applicant).last_used_at == start + timedelta(seconds=61)


def test_password_change_on_the_web_revokes_every_token(anon, applicant):
    tokens = [sign_in(anon)["token"], sign_in(anon)["token"]]
    web = Client()
    web.force_login(applicant)
    new = "a-long-new-pass-42"
    response = web.post(reverse("password_change"), {"old_password": "pw", "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    for token in tokens:
        assert_error(with_token(token).get("/api/v1/filings/"), 401)
    assert with_token(sign_in(anon, password=new)["token"]).get("/api/v1/filings/").status_code == 200


def test_password_reset_revokes_every_token(anon, applicant):
    token = sign_in(anon)["token"]
    web = Client()
    web.post(reverse("password_reset"), {"email": applicant.email})
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    new = "a-long-new-pass-42"
    web.post(web.get(link).url, {"new_password1": new, "new_password2": new})
    assert_error(with_token(token).get("/api/v1/filings/"), 401)


def test_deactivating_the_account_revokes_every_token(anon, applicant):
    token = sign_in(anon)["token"]
    applicant.is_active = False
    applicant.save()
    assert not ApiToken.objects.filter(user=applicant).exists()
    applicant.is_active = True
    applicant.save()
    assert_error(with_token(token).get("/api/v1/filings/"), 401)


def test_an_unusable_password_revokes_every_token(anon, applicant):
    sign_in(anon)
    applicant.set_unusable_password()
    applicant.save()
    assert not ApiToken.objects.filter(user=applicant).exists()


def test_saving_the_user_for_other_reasons_keeps_the_tokens(anon, applicant):
    token = sign_in(anon)["token"]
    applicant.first_name = "Ada"
    applicant.save()
    applicant.save(update_fields=["last_login"])
    assert with_token(token).get("/api/v1/filings/").status_code == 200


def test_password_rehashed_on_sign_in_keeps_the_tokens(anon, applicant, settings):
    token = sign_in(anon)["token"]
    # A stronger hasher first: Django re-hashes the unchanged password at the next sign-in.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    before = User.objects.get(pk=applicant.pk).password
    sign_in(anon)
    assert User.objects.get(pk=applicant.pk).password != before
    assert with_token(token).get("/api/v1/filings/").status_code == 200


@pytest.mark.parametrize("header", ["Token zz-not-hex", "Token caf\u00e9", "Token", "Token a b"])
def test_malformed_token_is_401_not_a_crash(anon, db, header):
    anon.credentials(HTTP_AUTHORIZATION=header)
    assert_error(anon.get("/api/v1/authorities/"), 401)


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
