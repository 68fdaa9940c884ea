"""The web UI and the API give one answer to one question: the reviewer queue and `GET /api/v1/filings/` read a
query string through one FilterSet, and both public registers list `Filing.objects.in_force(today)`."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from exemptions import engine
from exemptions.models import Filing, Organization, Role
from tests import factories


def queue_references(user, query: str) -> list[str]:
    response = factories.web_client(user).get(f"/review/?{query}&page_size=100")
    assert response.status_code == 200
    assert not response.context["filter"].errors, response.context["filter"].errors
    return [f.reference for f in response.context["page"].object_list]


def api_references(user, query: str) -> list[str]:
    response = factories.api_client(user).get(f"/api/v1/filings/?{query}&page_size=100")
    assert response.status_code == 200, response.content
    return [f["reference"] for f in response.json()["results"]]


@pytest.fixture
def un_cases(org, applicant, reviewer_un):
    """UN 1718 filings in several states: overdue and on time, assigned and not, open and closed."""
    dossier = lambda **fields: factories.complete_dossier(org, applicant, **fields)  # noqa: E731
    with time_machine.travel(timezone.now() - dt.timedelta(days=60), tick=False):
        late = factories.submitted_filing(dossier(title="Water pumps"), "UN1718", applicant)
    taken = factories.submitted_filing(dossier(), "UN1718", applicant)
    engine.apply(taken, "take", reviewer_un)
    waiting = factories.submitted_filing(dossier(), "UN1718", applicant)
    withdrawn = factories.submitted_filing(dossier(), "UN1718", applicant)
    engine.apply(withdrawn, "withdraw", applicant, "No longer needed.")
    factories.submitted_filing(dossier(), "OFAC", applicant)  # another authority's: in neither list
    return {"late": late, "taken": taken, "waiting": waiting, "withdrawn": withdrawn}


# The queue's one difference is its default: a URL without `status` shows the open cases (the form always sends
# `status`, empty for "All statuses"), so each query here names a status.
@pytest.mark.parametrize(
    "query",
    [
        "status=open",
        "status=",
        "status=withdrawn",
        "status=in_review",
        "status=&overdue=true",
        "status=&overdue=false",
        "status=open&overdue=false",
        "status=&assigned_to=me",
        "status=&search=water",
        "status=&authority=UN1718",
    ],
)
def test_queue_and_api_list_find_the_same_filings_for_the_same_query(un_cases, reviewer_un, query):
    assert queue_references(reviewer_un, query) == api_references(reviewer_un, query)


def test_open_leaves_out_final_states_and_overdue_false_leaves_out_late_cases_on_both_faces(un_cases, reviewer_un):
    for references in (queue_references, api_references):
        assert set(references(reviewer_un, "status=open")) == {
            un_cases[name].reference for name in ("late", "taken", "waiting")
        }
        assert un_cases["late"].reference not in references(reviewer_un, "status=&overdue=false")
        assert un_cases["withdrawn"].reference in references(reviewer_un, "status=&overdue=false")


def test_the_queue_without_a_status_shows_what_the_api_shows_for_open(un_cases, reviewer_un):
    assert queue_references(reviewer_un, "") == api_references(reviewer_un, "status=open")


def test_the_queue_still_reads_its_old_overdue_checkbox_links(un_cases, reviewer_un):
    assert queue_references(reviewer_un, "overdue=on") == [un_cases["late"].reference]


# --- the public register -----------------------------------------------------------------------------


def web_register() -> set[str]:
    found, page = set(), 1
    while True:
        response = factories.web_client().get("/register/", {"page": page})
        found |= {filing.reference for filing in response.context["page"]}
        if not response.context["page"].has_next():
            return found
        page += 1


def api_register() -> set[str]:
    found, url = set(), "/api/v1/register/?page_size=100"
    while url:
        body = factories.api_client().get(url).json()
        found |= {entry["reference"] for entry in body["results"]}
        url = body["next"]
    return found


def test_web_and_api_registers_list_the_same_approvals_in_force(db):
    call_command("seed_demo", force=True, verbosity=0)
    today = timezone.localdate()
    org = Organization.objects.filter(memberships__role=Role.APPLICANT).first()
    applicant = org.memberships.filter(role=Role.APPLICANT).first().user
    not_yet = factories.approved_filing(
        factories.complete_dossier(org, applicant),
        "OFAC",
        applicant,
        today + dt.timedelta(days=30),
        today.replace(year=today.year + 1),
    )
    with time_machine.travel(timezone.now() - dt.timedelta(days=400), tick=False):
        then = timezone.localdate()
        ended = factories.approved_filing(
            factories.complete_dossier(org, applicant), "OFAC", applicant, then, then + dt.timedelta(days=100)
        )
    assert ended.status == "approved"  # no sweep has run: only its dates say it has ended

    in_force = set(Filing.objects.on_register(today).values_list("reference", flat=True))
    assert in_force and not_yet.reference not in in_force and ended.reference not in in_force
    assert web_register() == in_force
    assert api_register() == in_force
