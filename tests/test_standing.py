"""A user's standing (memberships and time zone) is kept in the shared cache between requests, yet a change is seen
on the very next request; token and session callers read times in the same zone; sessions live in the cache with
the database as their record, and keep working while Redis is unreachable."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from redis.exceptions import RedisError

from exemptions.models import Authority, Membership, Profile, Role
from tests import factories

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing listens there
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@pytest.fixture
def ofac_filing(dossier, applicant):
    return factories.submitted_filing(dossier, "OFAC", applicant)


def listed_references(client):
    response = client.get("/api/v1/filings/")
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


@pytest.mark.parametrize("make_client", [factories.api_client, factories.web_client])
def test_a_membership_change_is_seen_on_the_next_request(ofac_filing, make_client):
    reviewer = factories.user("newcomer")
    client = make_client(reviewer)
    assert listed_references(client) == []  # cached: no seat anywhere
    seat = Membership.objects.create(user=reviewer, role=Role.REVIEWER, authority=Authority.objects.get(code="OFAC"))
    assert listed_references(client) == [ofac_filing.reference]
    seat.delete()
    assert listed_references(client) == []


def test_the_standing_is_read_from_the_cache_after_the_first_request(ofac_filing, reviewer_ofac):
    client = factories.api_client(reviewer_ofac)
    listed_references(client)
    with CaptureQueriesContext(connection) as captured:
        listed_references(client)
    tables = " ".join(q["sql"] for q in captured.captured_queries)
    assert "exemptions_membership" not in tables and "exemptions_profile" not in tables


def test_a_seat_given_while_the_cache_is_unreachable_is_refused_not_left_unseen(reviewer_ofac):
    with override_settings(CACHES=UNREACHABLE_REDIS), pytest.raises(RedisError), transaction.atomic():
        Membership.objects.create(user=reviewer_ofac, role=Role.STAFF, authority=Authority.objects.get(code="OFAC"))
    assert not Membership.objects.filter(user=reviewer_ofac, role=Role.STAFF).exists()


def test_with_the_cache_unreachable_the_database_answers(ofac_filing, reviewer_ofac):
    client = factories.web_client(reviewer_ofac)
    with override_settings(CACHES=UNREACHABLE_REDIS):
        assert listed_references(client) == [ofac_filing.reference]
        assert client.get("/review/").status_code == 200


def test_token_and_session_clients_read_the_same_times(ofac_filing, reviewer_ofac):
    Profile.objects.update_or_create(user=reviewer_ofac, defaults={"time_zone": "America/New_York"})
    by_token, by_session = factories.api_client(reviewer_ofac), factories.web_client(reviewer_ofac)
    for path in (
        "/api/v1/filings/",
        f"/api/v1/filings/{ofac_filing.reference}/",
        f"/api/v1/filings/{ofac_filing.reference}/events/",
    ):
        token_body, session_body = by_token.get(path).json(), by_session.get(path).json()
        assert token_body == session_body
    row = by_token.get("/api/v1/filings/").json()["results"][0]
    offset = dt.datetime.fromisoformat(row["submitted_at"]).utcoffset()
    assert offset in {dt.timedelta(hours=-5), dt.timedelta(hours=-4)}  # New York, not UTC


def test_a_changed_time_zone_is_seen_on_the_next_request(ofac_filing, reviewer_ofac):
    client = factories.api_client(reviewer_ofac)
    assert client.get("/api/v1/filings/").json()["results"][0]["submitted_at"].endswith("Z")
    Profile.objects.update_or_create(user=reviewer_ofac, defaults={"time_zone": "Asia/Tokyo"})
    assert client.get("/api/v1/filings/").json()["results"][0]["submitted_at"].endswith("+09:00")


def test_sessions_are_read_from_the_cache_and_kept_in_the_database(reviewer_ofac):
    client = factories.web_client(reviewer_ofac)
    key = client.cookies["sessionid"].value
    assert Session.objects.filter(session_key=key).exists()
    assert cache.get(f"django.contrib.sessions.cached_db{key}") is not None
    cache.clear()  # a flushed or restarted Redis
    assert client.get("/review/").status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/review/").status_code == 200
    assert not any('FROM "django_session"' in q["sql"] for q in captured.captured_queries)


def test_sessions_go_on_from_the_database_while_redis_is_unreachable(reviewer_ofac):
    client = factories.web_client(reviewer_ofac)
    with override_settings(CACHES=UNREACHABLE_REDIS):
        assert client.get("/review/").status_code == 200
        response = client.post("/accounts/logout/")
        assert response.status_code in {200, 302}
    assert not Session.objects.exists()
    assert client.get("/review/").status_code == 302  # signed out
