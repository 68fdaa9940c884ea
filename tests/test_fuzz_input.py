"""Property: nothing a client sends reaches a 500. Hypothesis generates paths, query strings, form fields and
JSON bodies full of what once did (NUL bytes, lone surrogates, deep nesting, numbers past every range) and
sends them to web pages and API endpoints as an anonymous visitor, an applicant and a reviewer; every answer
must be below 500. A few seconds per run; a failure prints the example that caused it."""

import json
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from exemptions import tokens
from tests import factories

# What PostgreSQL cannot store (NUL, unpaired surrogates), and what once tripped a parser: escapes, percent signs,
# line separators, non-ASCII digits, a number past Python's 4300-digit conversion limit.
UNSTORABLE = ["\x00", "\ud800", "\udfff"]
ODD = ["%00", "%ff", "%", "'", '"', "\\", "\u2028", "\ufffd", "٣", "9" * 5000]


def hidden(characters):
    """One of `characters`, alone or inside ordinary text."""
    return st.tuples(st.text(max_size=4), st.sampled_from(characters), st.text(max_size=4)).map("".join)


text = st.one_of(
    hidden(UNSTORABLE),
    hidden(ODD),
    st.text(st.characters(codec=None), max_size=20),  # surrogates included
)
huge_numbers = st.one_of(st.integers(), st.integers(min_value=10**18, max_value=10**300), st.floats())
json_values = st.recursive(
    st.none() | st.booleans() | huge_numbers | text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=8,
)
FIELDS = [
    "authority", "title", "purpose", "items", "parties", "beneficiaries", "note", "body", "username", "password",
    "organization", "valid_until_on", "valid_from_on", "hs_code", "quantity", "unit_value", "currency", "country",
    "expected_version", "assigned_to", "kind", "remove_document", "remove_row", "authorities", "next",
]  # fmt: skip
QUERY_KEYS = ["search", "authority", "status", "overdue", "assigned_to", "page", "page_size", "cursor", "blank", "next"]


def _json_bodies():
    """JSON documents that name real fields, and raw bytes past what json.dumps would make."""
    document = st.dictionaries(st.sampled_from(FIELDS) | text, json_values, max_size=4).map(json.dumps)
    deep = st.integers(min_value=30, max_value=3000).map(lambda n: "[" * n + "]" * n)
    deep_objects = st.integers(min_value=30, max_value=1500).map(lambda n: '{"a":' * n + "1" + "}" * n)
    literals = st.sampled_from(['{"title": ' + "9" * 5000 + "}", "NaN", '{"x": 1e999}', "", "[" * 100_000])
    body = st.one_of(document, deep, deep_objects, literals).map(lambda b: b.encode("utf-8", "surrogatepass"))
    return body | body.map(lambda b: b"\xff\xfe" + b)  # and as bytes that are not UTF-8


json_bodies = _json_bodies()
WEB_PAGES = [
    "/", "/applications/new/", "/applications/{app}/", "/applications/{app}/edit/{section}/", "/filings/{filing}/",
    "/review/", "/dashboard/", "/dashboard/{code}/", "/workflows/", "/workflows/{code}/", "/register/", "/healthz",
    "/account/emails/", "/accounts/login/", "/accounts/password_reset/",
]  # fmt: skip
WEB_FORMS = [
    "/applications/new/", "/applications/{app}/edit/{section}/", "/applications/{app}/file/",
    "/filings/{filing}/actions/{action}/", "/filings/{filing}/messages/", "/account/emails/", "/accounts/login/",
]  # fmt: skip
API_READS = [
    "/api/v1/authorities/", "/api/v1/applications/", "/api/v1/applications/{app}/", "/api/v1/filings/",
    "/api/v1/filings/{filing}/", "/api/v1/filings/{filing}/events/", "/api/v1/filings/{filing}/messages/",
    "/api/v1/filings/{filing}/documents/", "/api/v1/register/",
]  # fmt: skip
API_WRITES = [
    ("post", "/api/v1/auth/token/"), ("post", "/api/v1/applications/"), ("patch", "/api/v1/applications/{app}/"),
    ("post", "/api/v1/applications/{app}/filings/"), ("post", "/api/v1/filings/{filing}/actions/{action}/"),
    ("post", "/api/v1/filings/{filing}/messages/"),
]  # fmt: skip
PERSONAS = ["anonymous", "applicant", "reviewer"]
# A few examples for each route: every route meets fuzzed input, and the whole file takes seconds.
FUZZ = settings(
    max_examples=8, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def world(org, applicant, reviewer_un):
    """Clients per persona (session and token both), and real references so fuzzed input reaches the views."""
    draft = factories.complete_dossier(org, applicant)
    filing = factories.submitted_filing(factories.complete_dossier(org, applicant), "UN1718", applicant)
    clients = {"anonymous": Client()}
    for persona, user in (("applicant", applicant), ("reviewer", reviewer_un)):
        client = Client(HTTP_AUTHORIZATION=f"Token {tokens.issue(user, 'tests')[1]}")
        client.force_login(user)
        clients[persona] = client
    real = {"app": draft.reference, "filing": filing.reference, "code": "UN1718"}
    return clients, real


NAMES = ("app", "filing", "code", "section", "action")
DEFAULTS = {"section": "basics", "action": "withdraw"}
# Each placeholder is fuzzed text or None, the real value, so that fuzzed input elsewhere reaches the view.
route_values = st.fixed_dictionaries({name: st.none() | text.filter(bool) for name in NAMES})
query_pairs = st.lists(st.tuples(st.sampled_from(QUERY_KEYS) | text, text), max_size=3)
form_data = st.dictionaries(st.sampled_from(FIELDS) | text, text, max_size=4)
REAL = dict.fromkeys(NAMES)
NUL = dict.fromkeys(NAMES, "\x00")  # issue 16's probe, on every route whatever the generator finds


def fill(route, real, values):
    """The route with its placeholders filled, percent-encoded as a client would."""
    real = {**DEFAULTS, **real}
    return route.format(
        **{
            name: real[name] if value is None else quote(value, safe="", errors="surrogatepass")
            for name, value in values.items()
        }
    )


def encoded(pairs):
    return "&".join(f"{quote(k, errors='surrogatepass')}={quote(v, errors='surrogatepass')}" for k, v in pairs)


def assert_no_server_error(response, what):
    assert response.status_code < 500, f"{what} answered {response.status_code}: {response.content[:500]!r}"


@pytest.mark.parametrize("route", WEB_PAGES + API_READS)
@FUZZ
@example(persona="anonymous", values=NUL, pairs=[])
@example(persona="applicant", values=REAL, pairs=[(key, "\x00") for key in QUERY_KEYS])
@example(persona="reviewer", values=REAL, pairs=[(key, "\x00") for key in QUERY_KEYS])
@given(persona=st.sampled_from(PERSONAS), values=route_values, pairs=query_pairs)
def test_no_path_or_query_reaches_a_server_error(world, route, persona, values, pairs):
    clients, real = world
    cache.clear()  # no throttling between examples
    path = f"{fill(route, real, values)}?{encoded(pairs)}"
    assert_no_server_error(clients[persona].get(path), f"GET {path}")


@pytest.mark.parametrize("route", WEB_FORMS)
@FUZZ
@example(persona="applicant", values=REAL, fields=dict.fromkeys(FIELDS, "\x00"))
@example(persona="reviewer", values=REAL, fields=dict.fromkeys(FIELDS, "\x00"))
@given(persona=st.sampled_from(PERSONAS), values=route_values, fields=form_data)
def test_no_form_reaches_a_server_error(world, route, persona, values, fields):
    clients, real = world
    cache.clear()
    path = fill(route, real, values)
    body = encoded(fields.items())
    response = clients[persona].post(path, body, content_type="application/x-www-form-urlencoded")
    assert_no_server_error(response, f"POST {path} {body[:200]!r}")


@pytest.mark.parametrize("method, route", API_WRITES)
@FUZZ
@example(persona="anonymous", values=REAL, body=b"[" * 929 + b"]" * 929)
@example(persona="applicant", values=REAL, body=b"[" * 929 + b"]" * 929)
@example(persona="applicant", values=REAL, body=json.dumps(dict.fromkeys(FIELDS, "O\x00FAC")).encode())
@example(persona="reviewer", values=REAL, body=json.dumps({"note": "\ud800", "body": "\x00"}).encode())
@given(persona=st.sampled_from(PERSONAS), values=route_values, body=json_bodies)
def test_no_json_body_reaches_a_server_error(world, method, route, persona, values, body):
    clients, real = world
    cache.clear()
    path = fill(route, real, values)
    response = getattr(clients[persona], method)(path, body, content_type="application/json")
    assert_no_server_error(response, f"{method.upper()} {path} {body[:200]!r}")
