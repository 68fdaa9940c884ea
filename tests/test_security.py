"""Production settings pass Django's deployment checks; logins are throttled; every response carries the
security headers and a Content-Security-Policy without inline scripts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from config import settings as project_settings

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
