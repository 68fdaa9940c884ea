"""Processing-time analytics (issue 21): medians and percentiles against hand-computed figures, net of the
applicant's wait; the staff page for their own authority; the public page's suppression and anonymity."""

import datetime as dt

import pytest
from django.utils import timezone

from exemptions import analytics, engine
from exemptions.models import Authority, Filing, Role
from tests import factories
from tests.factories import web_client

DAY = dt.timedelta(days=1)


@pytest.fixture
def bis_people(db):
    return factories.member_of("BIS", Role.REVIEWER), factories.member_of("BIS", Role.STAFF)


def case(org, applicant, reviewer, moves, title):
    """A BIS filing moved by `moves`: (action, days after filing, payload) at explicit moments."""
    start = timezone.now() - 90 * DAY
    application = factories.complete_dossier(org, applicant, title=title)
    filing = factories.filing(application, "BIS", applicant)
    for action, days, payload in [("submit", 0, {}), *moves]:
        by = applicant if action in ("submit", "respond") else reviewer
        note = "Please send the end-user statement." if action in ("request_information", "respond") else ""
        filing.refresh_from_db()
        engine.apply(filing, action, by, note, start + days * DAY, **payload)
    return filing


def approve(days):
    today = timezone.localdate()
    return ("approve", days, {"valid_from_on": today, "valid_until_on": today + 30 * DAY})


@pytest.fixture
def bis_cases(org, applicant, bis_people):
    reviewer, _ = bis_people
    take = ("take", 0, {})
    plans = [
        [take, approve(10)],  # 10 days
        [take, ("request_information", 2, {}), ("respond", 6, {}), approve(20)],  # 20 − 4 waiting = 16
        [take, ("deny", 4, {"reasons": "End use not shown."})],  # 4
        [take, approve(30)],  # 30
        [take, approve(7)],  # 7
        [take],  # filed, not decided
    ]
    return [case(org, applicant, reviewer, moves, f"Case {n}") for n, moves in enumerate(plans)]


def test_figures_match_hand_computed_medians_percentiles_and_shares(bis_cases):
    figures = analytics.figures(Filing.objects.filter(authority__code="BIS"))

    # decided, net of the applicant's wait: 4, 7, 10, 16, 30
    assert figures.filed == 6 and figures.decided == 5
    assert figures.median_days == 10.0
    assert figures.p90_days == 30.0  # nearest rank: the 5th of 5
    assert figures.returned_share == round(1 / 6, 3)
    assert figures.denied_share == 0.2


def test_percentile_is_the_nearest_rank():
    assert analytics.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
    assert analytics.percentile([5], 0.9) == 5
    assert analytics.percentile([3, 1, 2], 0.5) == 2


def test_staff_see_their_authoritys_figures_and_nobody_else_does(bis_cases, bis_people, applicant):
    reviewer, staff = bis_people
    page = web_client(staff).get("/processing-times/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "BIS" in body and "10.0" in body and "30.0" in body
    assert web_client(reviewer).get("/processing-times/").status_code == 404
    assert web_client(applicant).get("/processing-times/").status_code == 404
    assert web_client(staff).get("/processing-times/OFAC/").status_code == 404


def test_public_page_shows_aggregates_only_and_suppresses_small_counts(bis_cases, org, applicant, reviewer_ofac):
    factories.submitted_filing(factories.complete_dossier(org, applicant, title="Lonely OFAC case"), "OFAC", applicant)
    page = web_client().get("/statistics/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "10.0" in body and "30.0" in body  # BIS: five decided cases
    ofac = Authority.objects.get(code="OFAC")
    ofac_row = body[body.index(f"({ofac.code})") :].split("</tr>")[0]
    assert "Fewer than 5 decided requests" in ofac_row
    for filing in Filing.objects.all():
        assert filing.reference not in body and filing.application.reference not in body
    assert org.name not in body and "Case 1" not in body
