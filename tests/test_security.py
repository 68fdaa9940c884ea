"""Production settings pass Django's deployment checks; logins are throttled; every response carries the
security headers and a Content-Security-Policy without inline scripts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from config import settings as project_settings
from exemptions import tokens

PRODUCTION_BACKENDS = project_settings.AUTHENTICATION_BACKENDS
ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "x7#Gq!v2Lr9@kPz$4mWn8^tYb1&cHs6*eJf3(dUa5)oKi0-pXl_Q=wR+yTgZ",
    "ALLOWED_HOSTS": "clearance.example.org",
    "SITE_URL": "https://clearance.example.org",
    "EMAIL_HOST": "smtp.example.org",
    "AUDIT_KEY": "q8Vd2mX0tLr7Zb4Nw1Kc9Hs6Jf3Pa5Ge-audit-seal-key",
}


def test_check_deploy_is_clean_with_production_settings():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECURE_COOKIES", "SECURE_SSL_REDIRECT", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**env, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_development_settings_would_fail_the_deploy_check():
    """The check above is meaningful: the same command flags the development defaults."""
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**env, "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr  # DEBUG on


@pytest.fixture
def real_login_backends(settings):
    settings.AUTHENTICATION_BACKENDS = PRODUCTION_BACKENDS  # undo conftest's shortcut
    settings.AXES_FAILURE_LIMIT = 3


def test_repeated_wrong_passwords_lock_the_account_on_that_address(client, applicant, real_login_backends):
    url = reverse("login")
    for _ in range(2):
        response = client.post(url, {"username": "applicant", "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    locked = client.post(url, {"username": "applicant", "password": "wrong"})
    assert locked.status_code == 429
    assert b"Too many sign-in attempts" in locked.content
    # Even the right password is refused while the lock holds.
    response = client.post(url, {"username": "applicant", "password": "pw"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_right_password_after_a_few_mistakes_signs_in(client, applicant, real_login_backends):
    url = reverse("login")
    client.post(url, {"username": "applicant", "password": "wrong"})
    response = client.post(url, {"username": "applicant", "password": "pw"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(applicant.pk)


def test_pages_carry_security_headers_and_a_strict_csp(client, applicant):
    client.force_login(applicant)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_production_api_answers_only_in_json():
    """The browsable HTML API is for development: with DEBUG off the API has one renderer, JSON."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    show = (
        "from rest_framework.settings import api_settings\n"
        "print([r.__name__ for r in api_settings.DEFAULT_RENDERER_CLASSES])"
    )
    renderers = {}
    for debug in ("false", "true"):
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", show],
            cwd=ROOT,
            env={**env, **PRODUCTION_ENV, "DEBUG": debug},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        renderers[debug] = result.stdout.strip().splitlines()[-1]  # after the shell's own greeting
    assert renderers == {"false": "['JSONRenderer']", "true": "['JSONRenderer', 'BrowsableAPIRenderer']"}


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@override_settings(DEBUG=False)
def test_signed_in_pages_and_api_answers_are_not_stored_in_production(client, applicant, dossier):
    client.force_login(applicant)
    assert no_store(client.get(reverse("home")))
    assert no_store(client.get(f"/applications/{dossier.reference}/"))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {tokens.issue(applicant, 'tests')[1]}")
    response = api.get(f"/api/v1/applications/{dossier.reference}/")
    assert response.status_code == 200 and no_store(response)


@override_settings(DEBUG=False)
def test_anonymous_and_public_answers_stay_cacheable_in_production(client, applicant):
    assert not no_store(client.get(reverse("workflow_list")))
    assert not no_store(APIClient().get("/api/v1/register/"))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {tokens.issue(applicant, 'tests')[1]}")
    register = api.get("/api/v1/register/")  # the same for everyone: the view's public caching holds
    assert register.status_code == 200 and "public" in register["Cache-Control"] and not no_store(register)
