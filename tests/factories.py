"""Small builders for test data. Each returns saved objects built through the services, as users would."""

import datetime as dt
import itertools
from contextlib import contextmanager
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from exemptions import demo, engine, services, tokens
from exemptions.models import Authority, Filing, Membership, Organization, Role

_counter = itertools.count(1)


def web_client(user=None) -> Client:
    """A browser session, signed in as `user` when one is given."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def api_client(user=None) -> APIClient:
    """An API client that authenticates as `user` with a real token, as an integration would."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens.issue(user, 'tests')[1]}")
    return client


def organization(name=None, **fields):
    """A UN agency unless told otherwise: IAN 7 lets it file directly with the 1718 Committee, so tests that are
    not about submission channels file directly; the channel tests make NGOs."""
    n = next(_counter)
    defaults = dict(kind="un_agency", country="CH", contact_email=f"org{n}@example.org")
    return Organization.objects.create(name=name or f"Relief Org {n}", **{**defaults, **fields})


def user(username=None, **fields):
    n = next(_counter)
    return get_user_model().objects.create_user(
        username=username or f"user{n}", email=f"user{n}@example.org", password="pw", **fields
    )


def applicant_of(org, username=None):
    member = user(username)
    Membership.objects.create(user=member, role=Role.APPLICANT, organization=org)
    return member


def authority_member(code, role=Role.REVIEWER, username=None):
    member = user(username)
    Membership.objects.create(user=member, role=role, authority=Authority.objects.get(code=code))
    return member


def complete_dossier(org, by, **overrides):
    """A dossier with every IAN 7 element present, so it may be filed."""
    fields = dict(
        title="TB drugs for provincial sanatoria",
        purpose="Treat tuberculosis patients.",
        justification="Syringes fall under a banned HS chapter.",
        beneficiaries={"patients": 1200, "children_under_5": 300},
        selection_criteria="All patients of the three sanatoria.",
        destinations="South Pyongan, Sanatorium No. 3",
        ship_from_on=dt.date(2027, 3, 1),
        ship_until_on=dt.date(2027, 6, 30),
        monitoring_arrangements="Monthly site visits.",
        financial_channel="Payments from Geneva to the supplier only.",
        items=[
            dict(
                description="Rifampicin tablets",
                hs_code="300490",
                quantity=Decimal("100"),
                unit="boxes",
                unit_value=Decimal("12.50"),
                currency="USD",
                category="medical",
            ),
        ],
        parties=[dict(role="supplier", name="Helvetic Pharma SA", country="CH", address="Geneva")],
    )
    fields.update(overrides)
    return services.create_application(org, by, **fields)


def filing(application, code, by, **link):
    """A draft filing; `follows=…, link=…` link it to an earlier one (an extension, an amendment, a new request)."""
    return services.create_filing(application, Authority.objects.get(code=code), by, **link)


def submitted_filing(application, code, by):
    f = filing(application, code, by)
    engine.apply(f, "submit", by)
    return f


def member_of(code, role):
    """The first member with that role at the authority, created on first use."""
    found = Membership.objects.filter(authority__code=code, role=role).select_related("user").first()
    return found.user if found else authority_member(code, role)


def approved_filing(application, code, by, valid_from_on, valid_until_on, **link):
    """A filing approved for the given validity, along its procedure's real path to approval (today). Where the
    authority counts validity from its own approval (UN 1718: months from the day of approval), the dates the test
    needs are then written over the computed ones."""
    approved = demo.drive(
        filing(application, code, by, **link),
        "approved",
        applicant=by,
        reviewer=member_of(code, Role.REVIEWER),
        staff=member_of(code, Role.STAFF),
        valid_from_on=valid_from_on,
        valid_until_on=valid_until_on,
    )
    if (approved.valid_from_on, approved.valid_until_on) != (valid_from_on, valid_until_on):
        Filing.objects.filter(pk=approved.pk).update(valid_from_on=valid_from_on, valid_until_on=valid_until_on)
        approved.valid_from_on, approved.valid_until_on = valid_from_on, valid_until_on
    return approved


def prerequisites_approved(application, code, by):
    """The approvals a filing with `code` must wait on, granted first (EU: the dossier's UN 1718 approval)."""
    today = timezone.localdate()
    for key in Authority.objects.get(code=code).procedure.requires_approval_from:
        needed = Authority.objects.filter(workflow_key=key).order_by("pk").first()
        approved_filing(application, needed.code, by, today, today + dt.timedelta(days=180))


@contextmanager
def behind_the_engines_back():
    """A database superuser at work: no trigger fires while the block runs (the append-only ones included)."""
    replica = connection.vendor == "postgresql"
    if replica:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        if replica:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
