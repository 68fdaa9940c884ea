"""The filing list builds its rows from plain columns (exemptions/api/listing.py); FilingSerializer stays its
schema and its oracle: on the demo data, which holds a filing in every state of every workflow, the list's JSON
equals the serializer's for every caller, in a zone far from UTC, page after page, with and without filters."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exemptions import procedures
from exemptions.api import listing
from exemptions.api.serializers import FilingSerializer
from exemptions.models import Filing, Profile
from tests import factories

ZONE = "Pacific/Kiritimati"  # UTC+14: dates and times differ from UTC for half of every day
CALLERS = ["applicant", "applicant-other", "reviewer-un", "staff-un", "reviewer-ofac", "staff-ofac", "admin"]


@pytest.fixture
def seeded(db):
    call_command("seed_demo", force=True, verbosity=0)
    # A deadline no zone east of UTC can express (only a row forced past the engine holds one): shown in UTC.
    Filing.objects.filter(pk=Filing.objects.exclude(due_at=None).order_by("id").values("pk")[:1]).update(
        due_at=dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
    )
    for profile in Profile.objects.filter(user__username__in=CALLERS):  # saved one by one: the cached zone follows
        profile.time_zone = ZONE
        profile.save()


def listed(client, query="") -> list[dict]:
    rows, url = [], f"/api/v1/filings/?page_size=7{query}"  # small pages: cursors in both directions get used
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        rows += response.json()["results"]
        url = response.json()["next"]
    return rows


def serialized(user, filings) -> list[dict]:
    with timezone.override(ZONE):
        context = {"request": SimpleNamespace(user=user)}
        return FilingSerializer(filings.for_listing().by_deadline(), many=True, context=context).data


def test_the_fast_path_writes_every_field_of_the_serializer():
    # A field added to FilingSerializer that is not a column of the filing needs its writer in api/listing.py;
    # until it has one, the list falls back to the serializer (correct, but at the old cost).
    assert listing.UNCOVERED == [] and listing.COMPLETE


@pytest.mark.parametrize("username", CALLERS)
def test_the_list_writes_what_the_serializer_writes_for_every_caller(seeded, username):
    user = get_user_model().objects.get(username=username)
    rows = listed(factories.api_client(user))
    expected = serialized(user, Filing.objects.visible_to(user))
    assert len(rows) == len(expected) > 0
    for row, oracle in zip(rows, expected, strict=True):
        assert list(row) == list(oracle)  # the same fields in the same order
        assert row == oracle, row["reference"]


def test_every_state_of_every_workflow_and_every_optional_value_is_compared(seeded):
    admin = get_user_model().objects.get(username="admin")
    rows = listed(factories.api_client(admin))
    shown = {(row["authority"], row["status"]) for row in rows}
    for authority in {row["authority"] for row in rows}:
        procedure = Filing.objects.filter(authority__code=authority).first().procedure
        assert {(authority, state.name) for state in procedure.states} <= shown
    for field in ("due_at", "assigned_to", "submitted_at", "decided_at", "valid_from_on", "valid_until_on"):
        assert {row[field] is None for row in rows} == {True, False}, field  # both shapes met
    assert any(row["due_at"] == "9999-12-31T23:59:59Z" for row in rows)
    assert any(row["due_at"] and row["due_at"].endswith("+14:00") for row in rows)
    assert {row["overdue"] for row in rows} == {True, False}
    assert any(row["allowed_actions"] for row in rows) and any(not row["allowed_actions"] for row in rows)


@pytest.mark.parametrize(
    "query", ["&status=open", "&overdue=true", "&authority=ofac", "&search=2026", "&assigned_to=me"]
)
def test_filtered_lists_agree_with_the_serializer_too(seeded, query):
    user = get_user_model().objects.get(username="staff-ofac")
    rows = listed(factories.api_client(user), query)
    references = [row["reference"] for row in rows]
    expected = serialized(user, Filing.objects.filter(reference__in=references))
    assert rows == expected


def test_a_filter_narrows_the_list(seeded):
    user = get_user_model().objects.get(username="staff-ofac")
    client = factories.api_client(user)
    final = set(procedures.states_where(terminal=True))
    everything, open_ones = listed(client), listed(client, "&status=open")
    assert {row["status"] for row in open_ones}.isdisjoint(final)
    assert len(open_ones) < len(everything)
    assert client.get("/api/v1/filings/?overdue=maybe").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_the_planner_settings_stay_inside_the_lists_transaction(org, applicant, reviewer_ofac):
    factories.submitted_filing(factories.complete_dossier(org, applicant), "OFAC", applicant)
    client = factories.api_client(reviewer_ofac)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/filings/")
    assert response.status_code == 200 and len(response.json()["results"]) == 1
    assert any("join_collapse_limit" in q["sql"] for q in captured.captured_queries)
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        assert cursor.fetchone()[0] == "8"  # the default again, after the list's transaction


def test_previous_links_walk_back_through_the_same_pages(seeded):
    client = factories.api_client(get_user_model().objects.get(username="staff-un"))
    pages, url = [], "/api/v1/filings/?page_size=4"
    while url:
        body = client.get(url).json()
        pages.append(body["results"])
        url = body["next"]
    assert len(pages) > 2
    back, url = [], body["previous"]
    while url:
        body = client.get(url).json()
        back.append(body["results"])
        url = body["previous"]
    assert back == pages[-2::-1]


def test_the_fallback_to_the_serializer_writes_the_same_pages(seeded, monkeypatch):
    client = factories.api_client(get_user_model().objects.get(username="reviewer-ofac"))
    fast = listed(client)
    monkeypatch.setattr(listing, "COMPLETE", False)
    assert listed(client) == fast
