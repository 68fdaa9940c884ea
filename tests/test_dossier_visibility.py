"""A dossier filed with several authorities shows each authority only its own part: a UN reviewer must not learn
that OFAC (or anyone else) holds a case on the same dossier, on a web page or through the API. Its organization
sees every filing. One rule decides it (Application.filings_visible_to / authorities_visible_to)."""

import pytest

from exemptions import services
from exemptions.models import Authority, Filing, Role
from tests import factories


@pytest.fixture
def filed_twice(dossier, applicant):
    """Filed with UN1718 and OFAC; UK-OFSI is needed too but not yet filed with."""
    un, ofac = services.file_with(dossier, list(Authority.objects.filter(code__in=["UN1718", "OFAC"])), applicant)
    dossier.required_authorities.add(Authority.objects.get(code="UK-OFSI"))
    return (un, ofac) if un.authority.code == "UN1718" else (ofac, un)


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.STAFF])
def test_un_member_reads_only_un_filing_and_authority_of_the_dossier_in_the_api(dossier, filed_twice, role):
    un, ofac = filed_twice
    response = factories.api_client(factories.authority_member("UN1718", role)).get(
        f"/api/v1/applications/{dossier.reference}/"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["authorities"] == ["UN1718"]
    assert [f["reference"] for f in body["filings"]] == [un.reference]
    assert body["cleared_to_ship"] is None
    text = response.content.decode()
    assert ofac.reference not in text and "OFAC" not in text and "UK-OFSI" not in text


def test_un_reviewer_sees_no_trace_of_ofac_on_the_filing_page(dossier, filed_twice, reviewer_un):
    un, ofac = filed_twice
    response = factories.web_client(reviewer_un).get(f"/filings/{un.reference}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert ofac.reference not in text and "OFAC" not in text
    assert "Other filings of this dossier" not in text


def test_un_reviewer_sees_an_earlier_un_filing_of_the_same_dossier_as_a_sibling(dossier, filed_twice, applicant):
    un, _ = filed_twice
    # Withdraw the pending request, then file with the Committee again: both are UN cases of one dossier.
    services.run_action(un, "withdraw", applicant, "Wrong quantities.")
    again = factories.submitted_filing(dossier, "UN1718", applicant)
    text = (
        factories.web_client(factories.member_of("UN1718", Role.REVIEWER)).get(f"/filings/{again.reference}/").content
    )
    assert un.reference in text.decode() and "OFAC" not in text.decode()


def test_applicant_sees_every_filing_and_authority_of_their_dossier(dossier, filed_twice, applicant):
    un, ofac = filed_twice
    filing_page = factories.web_client(applicant).get(f"/filings/{un.reference}/").content.decode()
    assert f'href="/filings/{ofac.reference}/"' in filing_page
    overview = factories.web_client(applicant).get(f"/applications/{dossier.reference}/").content.decode()
    assert un.reference in overview and ofac.reference in overview
    body = factories.api_client(applicant).get(f"/api/v1/applications/{dossier.reference}/").json()
    assert body["authorities"] == ["OFAC", "UK-OFSI", "UN1718"]
    assert {f["reference"] for f in body["filings"]} == {un.reference, ofac.reference}
    assert body["cleared_to_ship"] is not None


def test_the_dossier_shows_each_persona_exactly_the_filings_it_may_open(
    dossier, filed_twice, applicant, applicant_other, reviewer_un, staff_ofac
):
    # A draft with the EU: its applicant sees it, the EU's reviewers must not.
    draft = factories.filing(dossier, "EU", applicant)
    eu_reviewer = factories.authority_member("EU", Role.REVIEWER)
    admin = factories.user(is_superuser=True)
    for user in (applicant, applicant_other, reviewer_un, staff_ofac, eu_reviewer, admin):
        dossier.refresh_from_db()
        openable = set(Filing.objects.visible_to(user).filter(application=dossier))
        assert set(dossier.filings_visible_to(user)) == openable, user
    assert draft in dossier.filings_visible_to(applicant) and not dossier.filings_visible_to(eu_reviewer)
