"""The public register: approvals valid today, of the authorities that publish theirs (the UN 1718 Committee by
default; OFAC, BIS, EU and UK authorities only if an administrator says so), searchable by the authority's own
number, the same on the web page and in the API."""

import datetime as dt

import pytest
from django.utils import timezone

from exemptions.models import Authority
from tests import factories

TODAY = dt.date(2027, 6, 1)


@pytest.fixture
def approvals(org, applicant, time_machine):
    """An approval in force at every authority, one UN approval not valid until next month, one ended."""
    time_machine.move_to(dt.datetime(2027, 6, 1, 16, tzinfo=dt.UTC), tick=False)
    made = {}
    for code in ("UN1718", "OFAC", "BIS", "UK-ECJU", "UK-OFSI"):
        dossier = factories.complete_dossier(org, applicant, title=f"Medicines via {code}")
        made[code] = factories.approved_filing(dossier, code, applicant, TODAY, TODAY + dt.timedelta(days=120))
    made["not_yet"] = factories.approved_filing(
        factories.complete_dossier(org, applicant, title="Later"), "UN1718", applicant,
        TODAY + dt.timedelta(days=10), TODAY + dt.timedelta(days=200),
    )  # fmt: skip
    return made


def web_register(query="") -> list[str]:
    response = factories.web_client().get(f"/register/{query}")
    assert response.status_code == 200
    return [filing.reference for filing in response.context["page"]]


def api_register(query="") -> list[str]:
    response = factories.api_client().get(f"/api/v1/register/{query}")
    assert response.status_code == 200
    return [entry["reference"] for entry in response.json()["results"]]


def test_only_the_un_publishes_by_default_and_only_what_is_valid_today(approvals):
    published = Authority.objects.filter(publishes_register=True).values_list("code", flat=True)
    assert list(published) == ["UN1718"]
    assert approvals["not_yet"].valid_from_on > timezone.localdate()
    assert web_register() == api_register() == [approvals["UN1718"].reference]


def test_the_web_page_shows_when_validity_starts(approvals):
    page = factories.web_client().get("/register/").content.decode()
    assert "Valid from" in page and "1 Jun 2027" in page
    assert "OFAC" not in page.split("<tbody>")[1]


def test_search_by_the_authoritys_own_number_finds_the_un_approval_on_both_faces(approvals):
    un = approvals["UN1718"]
    assert un.authority_reference
    query = f"?search={un.authority_reference.lower()}"
    assert web_register(query) == api_register(query) == [un.reference]
    ofac_number = f"?search={approvals['OFAC'].authority_reference}"
    assert web_register(ofac_number) == api_register(ofac_number) == []


def test_an_authority_set_to_publish_in_the_admin_appears_on_both_faces(approvals, admin_client):
    ofac = Authority.objects.get(code="OFAC")
    page = admin_client.get(f"/admin/exemptions/authority/{ofac.pk}/change/").content.decode()
    assert 'name="publishes_register"' in page
    Authority.objects.filter(pk=ofac.pk).update(publishes_register=True)
    expected = {approvals["UN1718"].reference, approvals["OFAC"].reference}
    assert set(web_register()) == set(api_register()) == expected
    assert web_register("?authority=OFAC") == api_register("?authority=OFAC") == [approvals["OFAC"].reference]
