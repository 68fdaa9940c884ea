import pytest

from exemptions.models import Application, Filing, Membership, Role
from tests import factories
from tests.api.conftest import assert_error

ITEM = {
    "description": "Rifampicin tablets",
    "hs_code": "3004.90",
    "quantity": "100",
    "unit": "boxes",
    "unit_value": "12.50",
    "currency": "usd",
    "category": "medical",
}
PARTY = {"role": "supplier", "name": "Helvetic Pharma SA", "country": "ch", "address": "Geneva"}
DOSSIER = {
    "title": "TB drugs for provincial sanatoria",
    "purpose": "Treat tuberculosis patients.",
    "justification": "Syringes fall under a banned HS chapter.",
    "beneficiaries": {"patients": 1200},
    "selection_criteria": "All patients of the three sanatoria.",
    "destinations": "South Pyongan, Sanatorium No. 3",
    "ship_from_on": "2027-03-01",
    "ship_until_on": "2027-06-30",
    "monitoring_arrangements": "Monthly site visits.",
    "financial_channel": "Payments from Geneva to the supplier only.",
    "authorities": ["UN1718", "OFAC"],
    "items": [ITEM],
    "parties": [PARTY],
}


def test_applicant_creates_a_complete_dossier_with_items_and_parties(client_for, applicant, org):
    response = client_for(applicant).post("/api/v1/applications/", DOSSIER, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("APP-") and body["organization"] == org.pk
    assert body["missing_elements"] == [] and body["editable"] is True
    assert body["items"][0]["hs_code"] == "300490" and body["items"][0]["currency"] == "USD"
    assert body["parties"][0]["country"] == "CH"
    assert sorted(body["authorities"]) == ["OFAC", "UN1718"]
    assert body["cleared_to_ship"]["cleared"] is False
    application = Application.objects.get(reference=body["reference"])
    assert application.created_by == applicant and application.items.count() == 1


def test_invalid_nested_fields_are_named_with_their_row(client_for, applicant):
    bad = {
        **DOSSIER,
        "items": [ITEM, {**ITEM, "hs_code": "12", "quantity": "-1"}],
        "parties": [{**PARTY, "country": "XX"}],
    }
    body = assert_error(
        client_for(applicant).post("/api/v1/applications/", bad, format="json"), 400, "items", "parties"
    )
    assert set(body["errors"]["items"]) == {"1"}  # rows are keyed by their index
    assert set(body["errors"]["items"]["1"]) == {"hs_code", "quantity"}
    assert "country" in body["errors"]["parties"]["0"]
    assert body["detail"].startswith("items[1].hs_code: Enter the Harmonized System code")
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"beneficiaries": {"martians": 3}}, "beneficiaries"),
        ({"beneficiaries": {"patients": -1}}, "beneficiaries"),
        ({"beneficiaries": {"patients": 10**30}}, "beneficiaries"),
        ({"beneficiaries": ["patients"]}, "beneficiaries"),
        ({"ship_from_on": "2027-07-01"}, "ship_until_on"),
        ({"ship_from_on": "0001-01-01"}, "ship_from_on"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "nul\x00"}, "title"),
        ({"authorities": ["NOPE"]}, "authorities"),
        ({"items": [{**ITEM, "quantity": "1e40"}]}, "items"),
        ({"items": [{**ITEM, "unit_value": "NaN"}]}, "items"),
        ({"items": "not a list"}, "items"),
        ({"organization": 10**20}, "organization"),
    ],
)
def test_bad_dossier_fields_are_400_never_500(client_for, applicant, change, field):
    response = client_for(applicant).post("/api/v1/applications/", {**DOSSIER, **change}, format="json")
    assert_error(response, 400, field)


def test_member_of_two_organizations_must_choose_and_may_not_pick_a_foreign_one(client_for, applicant, other_org):
    second = factories.organization("Second Org")
    Membership.objects.create(user=applicant, role=Role.APPLICANT, organization=second)
    client = client_for(applicant)
    assert_error(client.post("/api/v1/applications/", DOSSIER, format="json"), 400, "organization")
    foreign = {**DOSSIER, "organization": other_org.pk}
    assert_error(client.post("/api/v1/applications/", foreign, format="json"), 400, "organization")
    chosen = client.post("/api/v1/applications/", {**DOSSIER, "organization": second.pk}, format="json")
    assert chosen.status_code == 201 and chosen.json()["organization"] == second.pk


def test_reviewers_may_not_create_dossiers(client_for, reviewer_un):
    assert_error(client_for(reviewer_un).post("/api/v1/applications/", DOSSIER, format="json"), 403)


def test_patch_edits_a_draft_and_replaces_items(client_for, applicant, dossier):
    new_items = [{**ITEM, "description": "Isoniazid"}, {**ITEM, "description": "Syringes", "hs_code": "901831"}]
    response = client_for(applicant).patch(
        f"/api/v1/applications/{dossier.reference}/", {"title": "Renamed", "items": new_items}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Renamed"
    assert [i["description"] for i in response.json()["items"]] == ["Isoniazid", "Syringes"]
    assert list(dossier.items.values_list("description", flat=True)) == ["Isoniazid", "Syringes"]
    assert dossier.parties.count() == 1  # not sent, not touched


def test_patch_cannot_move_a_dossier_to_another_organization(client_for, applicant, dossier):
    second = factories.organization("Second Org")
    Membership.objects.create(user=applicant, role=Role.APPLICANT, organization=second)
    response = client_for(applicant).patch(
        f"/api/v1/applications/{dossier.reference}/", {"organization": second.pk}, format="json"
    )
    assert_error(response, 400, "organization")


def test_a_filed_dossier_is_locked_409(client_for, applicant, dossier):
    factories.submitted_filing(dossier, "OFAC", applicant)
    client = client_for(applicant)
    detail = client.get(f"/api/v1/applications/{dossier.reference}/").json()
    assert detail["editable"] is False
    assert_error(client.patch(f"/api/v1/applications/{dossier.reference}/", {"title": "x"}, format="json"), 409)
    assert_error(client.delete(f"/api/v1/applications/{dossier.reference}/"), 409)
    dossier.refresh_from_db()
    assert dossier.title != "x"


def test_delete_removes_a_draft_dossier_and_its_draft_filings(client_for, applicant, dossier):
    factories.filing(dossier, "OFAC", applicant)
    assert client_for(applicant).delete(f"/api/v1/applications/{dossier.reference}/").status_code == 204
    assert not Application.objects.filter(pk=dossier.pk).exists() and not Filing.objects.exists()


def test_reviewer_reads_a_dossier_filed_with_them_but_may_not_change_it(client_for, applicant, dossier, reviewer_un):
    factories.submitted_filing(dossier, "UN1718", applicant)
    factories.filing(dossier, "OFAC", applicant)  # a draft with another authority: not theirs to know
    client = client_for(reviewer_un)
    body = client.get(f"/api/v1/applications/{dossier.reference}/").json()
    assert [f["authority"] for f in body["filings"]] == ["UN1718"]
    assert body["cleared_to_ship"] is None
    assert_error(client.patch(f"/api/v1/applications/{dossier.reference}/", {"title": "x"}, format="json"), 403)
    assert_error(client.delete(f"/api/v1/applications/{dossier.reference}/"), 403)
    assert_error(client.post(f"/api/v1/applications/{dossier.reference}/filings/", {"authority": "BIS"}), 403)


def test_creating_a_filing_makes_a_draft(client_for, applicant, dossier):
    response = client_for(applicant).post(
        f"/api/v1/applications/{dossier.reference}/filings/", {"authority": "OFAC"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["authority"] == "OFAC" and body["reference"].startswith("OFAC-")
    assert [a["name"] for a in body["allowed_actions"]] == ["submit", "withdraw"]


@pytest.mark.parametrize("payload", [{}, {"authority": "NOPE"}, {"authority": ["OFAC"]}, {"authority": None}])
def test_creating_a_filing_needs_a_known_authority(client_for, applicant, dossier, payload):
    response = client_for(applicant).post(f"/api/v1/applications/{dossier.reference}/filings/", payload, format="json")
    assert_error(response, 400, "authority")


def test_second_pending_filing_with_the_same_authority_is_400(client_for, applicant, dossier):
    factories.filing(dossier, "OFAC", applicant)
    response = client_for(applicant).post(
        f"/api/v1/applications/{dossier.reference}/filings/", {"authority": "OFAC"}, format="json"
    )
    assert_error(response, 400, "authority")


def test_submitting_an_incomplete_dossier_names_what_is_missing(client_for, applicant, org):
    application = factories.complete_dossier(org, applicant, purpose="", items=[])
    filing = factories.filing(application, "OFAC", applicant)
    response = client_for(applicant).post(f"/api/v1/filings/{filing.reference}/actions/submit/", {}, format="json")
    body = assert_error(response, 400, "application")
    assert "Nature of the assistance" in body["detail"]


def test_list_shows_own_organizations_dossiers_newest_first(client_for, applicant, org, other_org, applicant_other):
    older = factories.complete_dossier(org, applicant)
    newer = factories.complete_dossier(org, applicant)
    factories.complete_dossier(other_org, applicant_other)
    body = client_for(applicant).get("/api/v1/applications/").json()
    assert [a["reference"] for a in body["results"]] == [newer.reference, older.reference]


def test_cleared_to_ship_becomes_true_when_every_approval_covers_the_window(client_for, applicant, org):
    application = factories.complete_dossier(org, applicant)
    for code in ("UN1718", "OFAC"):
        factories.approved_filing(application, code, applicant, application.ship_from_on, application.ship_until_on)
    body = client_for(applicant).get(f"/api/v1/applications/{application.reference}/").json()
    assert body["cleared_to_ship"] == {"cleared": True, "blockers": []}
