"""Which authorities a dossier needs: the triage proposes them with a route and a reason, the applicant may add
more and drop a required one only with a written reason reviewers see, and cleared-to-ship counts the set."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from exemptions import required_set, services, triage
from exemptions.clearance import cleared_to_ship
from exemptions.models import Application, Authority, Role
from tests import factories

TODAY = dt.date(2027, 1, 15)
DPRK_CONSIGNEE = dict(role="consignee", name="Hamhung Children's Hospital", country="KP", address="Hamhung")


def item(description, hs_code, category="other", **fields):
    return dict(
        description=description,
        hs_code=hs_code,
        quantity=Decimal("10"),
        unit="pieces",
        unit_value=Decimal("900"),
        currency="USD",
        category=category,
        **fields,
    )


FRIDGES = item("Vaccine refrigerators, solar direct drive", "841850", "medical")
US_FRIDGES = {**FRIDGES, "us_origin": True, "export_classification": "EAR99"}
FOOD = item("Fortified blended flour", "190190", "food")
US_INSULIN = item("Insulin pens", "300431", "medical", us_origin=True, export_classification="EAR99")


def dprk_dossier(org, by, items, parties=()):
    supplier = dict(role="supplier", name="Alpine Cold Chain AG", country="CH", address="Basel")
    return factories.complete_dossier(org, by, items=items, parties=[supplier, DPRK_CONSIGNEE, *parties])


def codes(application):
    return sorted(a.code for a in Application.objects.get(pk=application.pk).required_authorities.all())


def rows(application):
    return {r.authority.code: r for r in application.requirements.select_related("authority")}


def clearance(application):
    fresh = Application.objects.prefetch_related("filings__authority", "required_authorities").get(pk=application.pk)
    return cleared_to_ship(fresh, today=TODAY)


# --- the rules, without a database ---------------------------------------------------------------


def facts(*items, parties=(("consignee", "KP"), ("supplier", "CH")), country="CH", kind="ngo"):
    return triage.Facts(tuple(items), tuple(parties), country, kind)


def test_machinery_to_the_dprk_needs_the_committee_and_says_which_measure():
    result = triage.evaluate(facts(triage.ItemFacts("Refrigerators", "841850")))
    [un] = result.proposals
    assert (un.authority, un.route) == ("UN1718", "un1718")
    assert "Refrigerators (HS 841850)" in un.reason and "industrial machinery (resolution 2397 op. 7)" in un.reason


def test_us_origin_machinery_needs_bis_and_no_separate_ofac_licence():
    result = triage.evaluate(facts(triage.ItemFacts("Refrigerators", "841850", "medical", True, "EAR99")))
    assert result.codes() == ["UN1718", "BIS"]
    assert "EAR99" in result.proposals[1].reason


def test_us_origin_medicine_goes_to_ofac_by_the_general_licence_for_an_ngo_and_a_specific_one_otherwise():
    insulin = triage.ItemFacts("Insulin pens", "300431", "medical", True, "EAR99")
    ngo = triage.evaluate(facts(insulin, kind="ngo"))
    assert ngo.codes() == ["UN1718", "OFAC"] and ngo.proposals[1].route == "ofac_gl"
    assert (
        "510.512" in ngo.proposals[1].reason and "Insulin pens (HS 300431) is of US origin" in ngo.proposals[1].reason
    )
    agency = triage.evaluate(facts(insulin, kind="un_agency"))
    assert agency.proposals[1].route == "ofac"


def test_a_us_bank_is_a_us_nexus_even_for_foreign_goods():
    result = triage.evaluate(
        facts(triage.ItemFacts("Flour", "110100", "food"), parties=(("consignee", "KP"), ("bank", "US")))
    )
    assert result.codes() == ["UN1718", "OFAC"] and "A US bank" in result.proposals[1].reason


def test_the_eu_layer_is_proposed_only_for_prohibited_goods_exported_from_the_eu():
    pumps = triage.ItemFacts("Hand-operated water pumps", "841320")
    flour = triage.ItemFacts("Flour", "110100", "food")
    from_germany = (("consignee", "KP"), ("supplier", "DE"))
    assert triage.evaluate(facts(pumps, parties=from_germany)).codes() == ["UN1718", "EU"]
    assert triage.evaluate(facts(flour, parties=from_germany)).codes() == ["UN1718"]


def test_an_authority_missing_from_the_database_is_not_proposed():
    pumps = triage.ItemFacts("Water pumps", "841320")
    from_uk = (("consignee", "KP"), ("supplier", "GB"))
    assert triage.evaluate(facts(pumps, parties=from_uk)).codes() == ["UN1718", "UK-ECJU"]
    assert triage.evaluate(facts(pumps, parties=from_uk), {"UN1718", "OFAC", "BIS", "EU"}).codes() == ["UN1718"]


def test_without_a_dprk_consignee_the_triage_proposes_nothing_and_says_what_it_needs():
    result = triage.evaluate(facts(triage.ItemFacts("Flour", "110100"), parties=(("supplier", "CH"),)))
    assert result.proposals == [] and "KP" in result.notes[0]


# --- the required set on a dossier ---------------------------------------------------------------


def test_refrigerators_for_the_dprk_need_un1718_and_stay_red_until_approved(org, applicant):
    dossier = dprk_dossier(org, applicant, [FRIDGES])
    assert codes(dossier) == ["UN1718"]
    assert "Not yet filed with UN1718 (UN Security Council 1718 Committee)." in clearance(dossier).blockers[0]
    factories.approved_filing(dossier, "UN1718", applicant, dt.date(2027, 2, 1), dt.date(2027, 7, 31))
    assert clearance(dossier).cleared


def test_us_origin_refrigerators_need_bis_too_and_clearance_names_it_until_both_are_approved(org, applicant):
    dossier = dprk_dossier(org, applicant, [US_FRIDGES])
    assert codes(dossier) == ["BIS", "UN1718"]
    factories.approved_filing(dossier, "UN1718", applicant, dt.date(2027, 2, 1), dt.date(2027, 7, 31))
    verdict = clearance(dossier)
    assert not verdict.cleared and verdict.blockers == [
        "Not yet filed with BIS (US Commerce, Bureau of Industry and Security)."
    ]
    factories.approved_filing(dossier, "BIS", applicant, dt.date(2027, 1, 1), dt.date(2030, 12, 31))
    assert clearance(dossier).cleared


def test_food_only_needs_only_un1718(org, applicant):
    dossier = dprk_dossier(org, applicant, [FOOD])
    assert codes(dossier) == ["UN1718"]
    assert (
        rows(dossier)["UN1718"].source == "triage"
        and "None is in a banned HS category" in rows(dossier)["UN1718"].reason
    )


def test_an_ofac_only_choice_still_gets_the_un_exemption_it_needs(org, applicant):
    dossier = dprk_dossier(org, applicant, [FOOD])
    services.update_application(dossier, applicant, authorities=[Authority.objects.get(code="OFAC")])
    assert codes(dossier) == ["OFAC", "UN1718"]


def test_filing_with_ofac_takes_the_route_the_triage_proposed_unless_the_applicant_picks_another(org, applicant):
    org.kind = org.Kind.NGO
    org.save()
    dossier = dprk_dossier(org, applicant, [US_INSULIN])
    ofac = Authority.objects.get(code="OFAC")
    assert rows(dossier)["OFAC"].route == "ofac_gl"
    proposed = services.create_filing(dossier, ofac, applicant)
    assert proposed.route == "ofac_gl"
    proposed.delete()
    assert services.create_filing(dossier, ofac, applicant, route="ofac").route == "ofac"


def test_editing_the_items_retriages(org, applicant):
    dossier = dprk_dossier(org, applicant, [FOOD])
    services.add_item(dossier, **US_FRIDGES)
    assert codes(dossier) == ["BIS", "UN1718"]
    assert "banned for the DPRK" in rows(dossier)["UN1718"].reason


def test_the_applicant_adds_an_authority_and_may_remove_it_without_a_reason(org, applicant):
    dossier = dprk_dossier(org, applicant, [FOOD])
    eu = Authority.objects.get(code="EU")
    required_set.add(dossier, eu, applicant)
    assert codes(dossier) == ["EU", "UN1718"] and rows(dossier)["EU"].source == "applicant"
    assert required_set.drop(dossier, eu, applicant) is None
    assert codes(dossier) == ["UN1718"] and "EU" not in rows(dossier)


def test_dropping_a_required_authority_without_a_reason_is_refused(org, applicant):
    dossier = dprk_dossier(org, applicant, [FRIDGES])
    for reason in ("", "   ", "not needed"):
        with pytest.raises(ValidationError) as refused:
            required_set.drop(dossier, Authority.objects.get(code="UN1718"), applicant, reason)
        assert "reason" in refused.value.message_dict
    assert codes(dossier) == ["UN1718"]


def test_with_a_reason_it_is_dropped_no_longer_counted_and_survives_a_retriage(org, applicant):
    dossier = dprk_dossier(org, applicant, [US_FRIDGES])
    reason = "The refrigerators ship from our Geneva stock, made in Switzerland; the US label was a data error."
    required_set.drop(dossier, Authority.objects.get(code="BIS"), applicant, reason)
    assert codes(dossier) == ["UN1718"] and rows(dossier)["BIS"].drop_reason == reason
    required_set.retriage(dossier)
    assert codes(dossier) == ["UN1718"] and rows(dossier)["BIS"].dropped
    factories.approved_filing(dossier, "UN1718", applicant, dt.date(2027, 2, 1), dt.date(2027, 7, 31))
    assert clearance(dossier).cleared


def test_only_the_organization_changes_the_set(org, applicant, reviewer_un):
    dossier = dprk_dossier(org, applicant, [FOOD])
    with pytest.raises(Exception, match="Only the organization"):
        required_set.add(dossier, Authority.objects.get(code="EU"), reviewer_un)


# --- faces: the dossier page, the reviewer's filing page, the API --------------------------------

DROP_REASON = "Items are EAR99 medical refrigerators from EU stock; our counsel confirmed no BIS licence."


@pytest.fixture
def dropped_bis(org, applicant):
    dossier = dprk_dossier(org, applicant, [US_FRIDGES])
    required_set.drop(dossier, Authority.objects.get(code="BIS"), applicant, DROP_REASON)
    return dossier


def test_the_dossier_page_shows_the_triage_and_its_reasons(org, applicant):
    dossier = dprk_dossier(org, applicant, [US_FRIDGES])
    page = factories.web_client(applicant).get(f"/applications/{dossier.reference}/").content.decode()
    assert "Authorities this dossier needs" in page and "the EAR require a BIS licence" in page
    assert "Drop BIS" in page


def test_the_web_refuses_a_drop_without_a_reason_and_keeps_one_with_it(org, applicant):
    dossier = dprk_dossier(org, applicant, [US_FRIDGES])
    client = factories.web_client(applicant)
    page = client.post(f"/applications/{dossier.reference}/authorities/BIS/drop/", {"reason": ""}, follow=True)
    assert "BIS was not dropped" in page.content.decode() and codes(dossier) == ["BIS", "UN1718"]
    page = client.post(f"/applications/{dossier.reference}/authorities/BIS/drop/", {"reason": DROP_REASON}, follow=True)
    assert DROP_REASON in page.content.decode() and codes(dossier) == ["UN1718"]


def test_the_reviewer_sees_the_drop_and_its_reason_on_the_filing_page(dropped_bis, applicant, reviewer_un):
    filing = factories.submitted_filing(dropped_bis, "UN1718", applicant)
    page = factories.web_client(reviewer_un).get(f"/filings/{filing.reference}/").content.decode()
    assert DROP_REASON in page and "Dropped by the applicant" in page
    assert "Drop UN1718" not in page  # reviewers read, they do not change the set


def test_the_api_carries_the_triage_block_and_the_reviewer_sees_only_drops_and_their_own(
    dropped_bis, applicant, reviewer_un
):
    factories.submitted_filing(dropped_bis, "UN1718", applicant)
    own = factories.api_client(applicant).get(f"/api/v1/applications/{dropped_bis.reference}/").json()["triage"]
    assert {(t["authority"], t["dropped"]) for t in own} == {("BIS", True), ("UN1718", False)}
    bis = next(t for t in own if t["authority"] == "BIS")
    assert bis["drop_reason"] == DROP_REASON and bis["route"] == "bis" and bis["required"]
    seen = factories.api_client(reviewer_un).get(f"/api/v1/applications/{dropped_bis.reference}/").json()["triage"]
    assert {t["authority"] for t in seen} == {"BIS", "UN1718"}


def test_the_api_hides_other_authorities_lines_from_a_reviewer(org, applicant):
    dossier = dprk_dossier(org, applicant, [US_INSULIN])
    factories.submitted_filing(dossier, "UN1718", applicant)
    factories.submitted_filing(dossier, "OFAC", applicant)
    reviewer = factories.authority_member("UN1718", Role.REVIEWER)
    seen = factories.api_client(reviewer).get(f"/api/v1/applications/{dossier.reference}/").json()["triage"]
    assert [t["authority"] for t in seen] == ["UN1718"]


def test_the_api_adds_and_drops_authorities(org, applicant, reviewer_un):
    dossier = dprk_dossier(org, applicant, [US_FRIDGES])
    client = factories.api_client(applicant)
    base = f"/api/v1/applications/{dossier.reference}"
    added = client.post(f"{base}/authorities/", {"authority": "EU"}, format="json")
    assert added.status_code == 200 and "EU" in [t["authority"] for t in added.json()["authorities"]]
    refused = client.post(f"{base}/authorities/BIS/drop/", {}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["errors"]
    dropped = client.post(f"{base}/authorities/BIS/drop/", {"reason": DROP_REASON}, format="json")
    assert dropped.status_code == 200
    assert next(t for t in dropped.json()["authorities"] if t["authority"] == "BIS")["drop_reason"] == DROP_REASON
    triaged = client.get(f"{base}/triage/").json()
    assert {t["authority"] for t in triaged["authorities"]} == {"BIS", "EU", "UN1718"}
    factories.submitted_filing(dossier, "UN1718", applicant)
    forbidden = factories.api_client(reviewer_un).post(f"{base}/authorities/", {"authority": "OFAC"}, format="json")
    assert forbidden.status_code == 403
    stranger = factories.api_client(factories.applicant_of(factories.organization())).get(f"{base}/triage/")
    assert stranger.status_code == 404


def test_an_item_names_its_us_origin_and_classification_and_a_bad_eccn_is_refused(org, applicant):
    dossier = dprk_dossier(org, applicant, [FOOD])
    with pytest.raises(ValidationError) as refused:
        services.add_item(dossier, **{**FRIDGES, "us_origin": True, "export_classification": "ABC"})
    assert "export_classification" in refused.value.message_dict
    added = services.add_item(dossier, **{**FRIDGES, "us_origin": True, "export_classification": "5a992.c"})
    assert added.export_classification == "5A992.c"


def test_an_api_patch_of_the_items_answers_with_the_new_triage(org, applicant):
    dossier = dprk_dossier(org, applicant, [FOOD])
    client = factories.api_client(applicant)
    fridges = {**US_FRIDGES, "quantity": "10", "unit_value": "900"}
    response = client.patch(f"/api/v1/applications/{dossier.reference}/", {"items": [fridges]}, format="json")
    assert response.status_code == 200, response.content
    triaged = {t["authority"]: t for t in response.json()["triage"]}
    assert set(triaged) == {"BIS", "UN1718"} and triaged["BIS"]["route_label"] == "BIS export licence (SNAP-R)"
    assert response.json()["items"][0]["us_origin"] is True
    again = client.post(f"/api/v1/applications/{dossier.reference}/triage/")
    assert again.status_code == 200 and [t["authority"] for t in again.json()["authorities"]] == ["BIS", "UN1718"]
