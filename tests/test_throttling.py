"""Throttles count the real client: a made-up X-Forwarded-For resets nothing, every worker process shares one
count through the cache, and the password-reset page is limited per address and per account."""

import copy
import random
import subprocess

import pytest
from django.conf import settings as configured
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

from exemptions import tokens
from exemptions.web.password_reset import OVER_THE_LIMIT
from tests.api.conftest import assert_error
from tests.live import PYTHON, ROOT, child_env, free_port

# The production cache, read before tests/conftest.py swaps in a per-process one for the other tests.
PRODUCTION_CACHES = copy.deepcopy(configured.CACHES)


@pytest.fixture
def anon_limit_of_two(monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})


def register_status(address, forwarded_for=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return APIClient(REMOTE_ADDR=address).get("/api/v1/register/", **headers).status_code


def test_made_up_forwarded_for_does_not_reset_the_anonymous_limit(db, anon_limit_of_two):
    assert register_status("203.0.113.5", "10.0.0.1") == 200
    assert register_status("203.0.113.5", "10.0.0.2") == 200
    assert register_status("203.0.113.5", "10.0.0.3") == 429
    assert register_status("203.0.113.6") == 200  # another real address has its own count


def test_made_up_forwarded_for_does_not_reset_the_token_endpoints_limit(db, anon_limit_of_two):
    for n in range(2):
        response = APIClient(REMOTE_ADDR="203.0.113.5").post(
            "/api/v1/auth/token/", {"username": "x", "password": "y"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"
        )
        assert response.status_code == 400
    spoofed = APIClient(REMOTE_ADDR="203.0.113.5").post(
        "/api/v1/auth/token/", {"username": "x", "password": "y"}, HTTP_X_FORWARDED_FOR="10.9.9.9"
    )
    assert_error(spoofed, 429)


def test_behind_a_trusted_proxy_the_address_it_saw_is_counted(db, anon_limit_of_two, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "192.0.2.1"
    # The client may write anything before the address the proxy appends; only the latter counts.
    assert register_status(proxy, "1.1.1.1, 203.0.113.5") == 200
    assert register_status(proxy, "2.2.2.2, 203.0.113.5") == 200
    assert register_status(proxy, "3.3.3.3, 203.0.113.5") == 429
    assert register_status(proxy, "203.0.113.6") == 200


def test_trusted_proxy_count_follows_the_setting():
    assert configured.REST_FRAMEWORK["NUM_PROXIES"] == configured.TRUSTED_PROXY_COUNT == 0
    assert configured.AXES_IPWARE_PROXY_COUNT == configured.TRUSTED_PROXY_COUNT


def test_two_processes_share_one_limit_through_the_redis_cache(db, anon_limit_of_two, settings):
    """A count per worker process would let N workers allow N times the limit: here a second Python process
    (another worker) and this one together reach the limit of two, through Redis."""
    assert PRODUCTION_CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    settings.CACHES = PRODUCTION_CACHES
    address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    cache.delete(f"throttle_anon_{address}")
    try:
        assert register_status(address) == 200
        other_worker = subprocess.run(
            [PYTHON, "-c", OTHER_WORKER, address],
            cwd=ROOT,
            env=child_env(API_THROTTLE_ANON="2/minute"),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert other_worker.stdout.strip() == "200", other_worker.stderr
        assert register_status(address) == 429
    finally:
        cache.delete(f"throttle_anon_{address}")


OTHER_WORKER = """
import sys, django
django.setup()
from django.test import Client
print(Client(REMOTE_ADDR=sys.argv[1]).get("/api/v1/register/").status_code)
"""


# --- password reset ------------------------------------------------------------------------------


def ask_for_reset(email, address="203.0.113.5", forwarded_for=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return Client(REMOTE_ADDR=address).post(reverse("password_reset"), {"email": email}, **headers)


def test_password_reset_is_limited_per_account(applicant, settings):
    settings.PASSWORD_RESET_RATE_PER_ACCOUNT = "2/h"
    assert ask_for_reset(applicant.email, "203.0.113.5").status_code == 302
    assert ask_for_reset(applicant.email.upper(), "203.0.113.6").status_code == 302
    refused = ask_for_reset(applicant.email, "203.0.113.7")
    assert refused.status_code == 429
    assert OVER_THE_LIMIT in refused.content.decode()
    assert len(mail.outbox) == 2


def test_password_reset_is_limited_per_address_whatever_the_account(applicant, settings):
    settings.PASSWORD_RESET_RATE_PER_ADDRESS = "2/h"
    assert ask_for_reset("someone@example.org", forwarded_for="10.0.0.1").status_code == 302
    assert ask_for_reset("someone-else@example.org", forwarded_for="10.0.0.2").status_code == 302
    refused = ask_for_reset(applicant.email, forwarded_for="10.0.0.3")
    assert refused.status_code == 429
    assert OVER_THE_LIMIT in refused.content.decode()
    assert mail.outbox == []
    assert ask_for_reset(applicant.email, address="203.0.113.9").status_code == 302  # another address
    assert len(mail.outbox) == 1


def test_password_reset_under_the_limits_still_sends_the_link(applicant):
    assert ask_for_reset(applicant.email).status_code == 302
    assert len(mail.outbox) == 1


# --- Redis away ----------------------------------------------------------------------------------


@pytest.fixture
def cache_unreachable(settings):
    settings.CACHES = {**PRODUCTION_CACHES, "default": {**PRODUCTION_CACHES["default"]}}
    settings.CACHES["default"]["LOCATION"] = f"redis://127.0.0.1:{free_port()}/0"  # nobody listens there


def test_api_answers_when_the_throttle_counters_are_unreachable(applicant, cache_unreachable, caplog):
    assert register_status("203.0.113.5") == 200
    signed_in = APIClient()
    signed_in.credentials(HTTP_AUTHORIZATION=f"Token {tokens.issue(applicant)[1]}")
    assert signed_in.get("/api/v1/filings/").status_code == 200
    assert "Throttle counters unreachable" in caplog.text


def test_password_reset_still_sends_the_link_when_its_counters_are_unreachable(applicant, cache_unreachable, caplog):
    assert ask_for_reset(applicant.email).status_code == 302
    assert len(mail.outbox) == 1
    assert "Password-reset counters unreachable" in caplog.text
