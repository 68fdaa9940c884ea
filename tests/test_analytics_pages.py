"""The faces of the processing-time figures: authority staff see their own authority's, an applicant their own
organization's, anyone the anonymised public page; every table downloads as CSV under the same rules; the charts
are inline SVG that need nothing from elsewhere."""

import csv
import io
import re

import pytest

from exemptions import analytics
from exemptions.models import Filing, Role
from tests import factories
from tests.analytics_fixtures import approve, bis_cases, case
from tests.factories import web_client

TABLES = ("authorities", "legal_bases", "channels", "holds", "outcomes", "reasons", "shipments")


@pytest.fixture
def seeded(org, applicant, other_org, applicant_other):
    """Five decided BIS cases of `org` (and one pending), four decided UK-OFSI cases of `other_org`."""
    bis = bis_cases(org, applicant, prefix="Seeded BIS dossier")
    eu = [
        case(other_org, applicant_other, "UK-OFSI", [("take", 0, {}), approve(days)], f"Seeded UK dossier {days}")
        for days in (3, 5, 8, 13)
    ]
    return bis, eu


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode())))


def html_row(body: str, code: str) -> str:
    """The first table's row of the authority `code`."""
    return re.search(rf'<tr><td data-label="Authority">[^<]*\({code}\)</td>.*?</tr>', body, re.S).group(0)


def row_of(rows: list[list[str]], code: str) -> list[str]:
    return next(r for r in rows if r and r[0].endswith(f"({code})"))


def everything_public(client) -> str:
    page = client.get("/statistics/")
    assert page.status_code == 200
    return page.content.decode() + "".join(client.get(f"/statistics/?csv={key}").content.decode() for key in TABLES)


def test_the_public_page_suppresses_four_cases_and_shows_five_in_html_and_csv(seeded):
    client = web_client()
    body = client.get("/statistics/").content.decode()
    bis_row, eu_row = html_row(body, "BIS"), html_row(body, "UK-OFSI")
    assert ">6<" in bis_row and ">5<" in bis_row and ">10.0<" in bis_row and ">30.0<" in bis_row
    assert analytics.SUPPRESSED_TEXT not in bis_row
    assert eu_row.count(analytics.SUPPRESSED_TEXT) == 6 and "8.0" not in eu_row  # 4 filed, 4 decided
    rows = csv_rows(client.get("/statistics/?csv=authorities"))
    assert rows[0][:4] == ["Authority", "Filed", "Decided", "Median days to decision"]
    assert row_of(rows, "BIS")[1:5] == ["6", "5", "10.0", "30.0"]
    assert row_of(rows, "UK-OFSI")[1:] == [analytics.SUPPRESSED_TEXT] * 6


def test_the_public_page_and_its_csv_name_no_organization_and_no_case(seeded, org, other_org):
    everything = everything_public(web_client())
    secrets = [org.name, other_org.name, "Seeded BIS dossier", "Seeded UK dossier", "Helvetic Pharma SA", "Norway"]
    for filing in Filing.objects.select_related("application"):
        secrets += [filing.reference, filing.application.reference]
    assert [s for s in secrets if s in everything] == []
    assert "(BIS)" in everything  # the figures are there, only anonymous


def test_every_table_downloads_as_csv_and_an_unknown_one_is_a_404(seeded):
    client = web_client()
    for key in TABLES:
        rows = csv_rows(client.get(f"/statistics/?csv={key}"))
        assert rows[0] and all(len(r) == len(rows[0]) for r in rows)
    assert client.get("/statistics/?csv=nonsense").status_code == 404
    assert client.get("/statistics/?csv=").status_code == 404


def test_staff_see_only_their_authority_in_full_and_nobody_else_does(seeded, applicant):
    staff, reviewer = factories.member_of("BIS", Role.STAFF), factories.member_of("BIS", Role.REVIEWER)
    client = web_client(staff)
    body = client.get("/processing-times/").content.decode()
    assert "(BIS)" in body and "(UK-OFSI)" not in body and analytics.SUPPRESSED_TEXT not in body
    rows = csv_rows(client.get("/processing-times/?csv=authorities"))
    assert [r[0][-5:] for r in rows[1:]] == ["(BIS)"] and rows[1][1:5] == ["6", "5", "10.0", "30.0"]
    reasons = csv_rows(client.get("/processing-times/BIS/?csv=reasons"))
    assert reasons[1][1:4] == ["Denied", "End use or end users not shown", "1"]  # one case: staff see it
    assert client.get("/processing-times/EU/").status_code == 404
    assert client.get("/processing-times/EU/?csv=authorities").status_code == 404
    assert web_client(reviewer).get("/processing-times/?csv=authorities").status_code == 404
    assert web_client(applicant).get("/processing-times/").status_code == 404


def test_an_applicant_sees_only_their_organizations_figures(seeded, org, other_org, applicant, applicant_other):
    client = web_client(applicant)
    body = client.get("/statistics/ours/").content.decode()
    assert org.name in body and "(BIS)" in body and "(UK-OFSI)" not in body and other_org.name not in body
    rows = csv_rows(client.get("/statistics/ours/?csv=authorities"))
    assert [r[0][-5:] for r in rows[1:]] == ["(BIS)"] and rows[1][1:3] == ["6", "5"]
    other = csv_rows(web_client(applicant_other).get("/statistics/ours/?csv=authorities"))
    assert [r[0][-9:] for r in other[1:]] == ["(UK-OFSI)"] and other[1][1:5] == ["4", "4", "6.5", "13.0"]
    assert client.get(f"/statistics/ours/?organization={other_org.pk}").status_code == 404
    assert client.get("/statistics/ours/?organization=x").status_code == 404
    assert web_client(factories.member_of("BIS", Role.STAFF)).get("/statistics/ours/").status_code == 404


def test_charts_are_inline_svg_with_nothing_from_elsewhere_under_the_strict_csp(seeded, applicant):
    staff = factories.member_of("BIS", Role.STAFF)
    for client, url in ((web_client(), "/statistics/"), (web_client(staff), "/processing-times/")):
        response = client.get(url)
        body = response.content.decode()
        assert "<svg" in body and 'role="img"' in body and "median" in body
        svg = "".join(re.findall(r"<svg.*?</svg>", body, re.S))
        assert "style=" not in svg and "<script" not in svg and "href" not in svg
        assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?(https?:)?//""", body)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
    first_chart = web_client().get("/statistics/").content.decode().split("</svg>")[0]
    assert "(BIS)" in first_chart and "(EU)" not in first_chart  # the suppressed EU figures draw no bar


def test_a_page_takes_the_same_number_of_queries_however_many_cases(org, applicant, django_assert_max_num_queries):
    client = web_client()
    client.get("/statistics/")  # warm what is read once per process
    with django_assert_max_num_queries(3):
        assert client.get("/statistics/?csv=authorities").status_code == 200  # no case yet: one query
    bis_cases(org, applicant)
    with django_assert_max_num_queries(3):
        assert client.get("/statistics/").status_code == 200  # the filings, their trails, their shipments
