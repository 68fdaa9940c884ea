"""Every validation rule of the dossier, each with a failing and a passing case."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from exemptions import engine, services
from exemptions.models import Item
from exemptions.procedures import DOSSIER_ELEMENTS, IAN7_ELEMENTS, LICENCE_ELEMENTS
from tests import factories

GOOD_ITEM = dict(
    description="Syringes",
    hs_code="901831",
    quantity=Decimal("10"),
    unit="pieces",
    unit_value=Decimal("0.10"),
    currency="USD",
    category="medical",
)


def errors_of(exc_info):
    return exc_info.value.message_dict


@pytest.mark.parametrize("hs_code", ["901831", "3004.90", "3004 90 00", "1234567890"])
def test_item_accepts_hs_codes_of_six_to_ten_digits(dossier, hs_code):
    item = services.add_item(dossier, **{**GOOD_ITEM, "hs_code": hs_code})
    assert item.hs_code.isdigit() and 6 <= len(item.hs_code) <= 10


@pytest.mark.parametrize("hs_code", ["12345", "12345678901", "30A490", ""])
def test_item_rejects_malformed_hs_code_with_an_example(dossier, hs_code):
    with pytest.raises(ValidationError) as exc:
        services.add_item(dossier, **{**GOOD_ITEM, "hs_code": hs_code})
    assert "hs_code" in errors_of(exc)
    assert Item.objects.filter(application=dossier).count() == 1  # only the factory's item


@pytest.mark.parametrize("field", ["quantity", "unit_value"])
@pytest.mark.parametrize("value", [Decimal("0"), Decimal("-1")])
def test_item_rejects_zero_or_negative_quantity_and_value(dossier, field, value):
    with pytest.raises(ValidationError) as exc:
        services.add_item(dossier, **{**GOOD_ITEM, field: value})
    assert errors_of(exc)[field] == ["Must be greater than zero."]


def test_item_accepts_small_positive_quantity_and_value(dossier):
    item = services.add_item(dossier, **{**GOOD_ITEM, "quantity": Decimal("0.001"), "unit_value": Decimal("0.01")})
    assert item.pk


@pytest.mark.parametrize("currency", ["XYZ", "US", "dollars"])
def test_item_rejects_unknown_currency(dossier, currency):
    with pytest.raises(ValidationError) as exc:
        services.add_item(dossier, **{**GOOD_ITEM, "currency": currency})
    assert "ISO 4217" in " ".join(errors_of(exc)["currency"])


@pytest.mark.parametrize("currency", ["EUR", "chf", "CNY"])
def test_item_accepts_iso_currency_in_any_case(dossier, currency):
    assert services.add_item(dossier, **{**GOOD_ITEM, "currency": currency}).currency == currency.upper()


def test_party_rejects_unknown_country(dossier):
    with pytest.raises(ValidationError) as exc:
        services.add_party(dossier, role="supplier", name="X", country="ZZ")
    assert "country" in errors_of(exc)


def test_party_accepts_iso_country(dossier):
    assert services.add_party(dossier, role="consignee", name="Hospital", country="kp").country == "KP"


def test_shipment_window_must_not_end_before_it_starts(org, applicant):
    with pytest.raises(ValidationError) as exc:
        factories.complete_dossier(org, applicant, ship_from_on=dt.date(2027, 5, 2), ship_until_on=dt.date(2027, 5, 1))
    assert "ship_until_on" in errors_of(exc)


def test_shipment_window_of_one_day_is_accepted(org, applicant):
    one_day = dt.date(2027, 5, 1)
    assert factories.complete_dossier(org, applicant, ship_from_on=one_day, ship_until_on=one_day).pk


@pytest.mark.parametrize("beneficiaries", [{"patients": -1}, {"patients": 1.5}, {"patients": "10"}, {"aliens": 3}, [1]])
def test_beneficiary_counts_must_be_whole_numbers_of_known_categories(org, applicant, beneficiaries):
    with pytest.raises(ValidationError) as exc:
        factories.complete_dossier(org, applicant, beneficiaries=beneficiaries)
    assert "beneficiaries" in errors_of(exc)


def test_beneficiary_count_of_zero_is_accepted(org, applicant):
    assert factories.complete_dossier(org, applicant, beneficiaries={"patients": 0, "elderly": 40}).pk


def test_invalid_item_in_a_new_dossier_saves_nothing(org, applicant):
    with pytest.raises(ValidationError):
        factories.complete_dossier(org, applicant, items=[{**GOOD_ITEM, "hs_code": "bad"}])
    assert not org.applications.exists()


@pytest.mark.parametrize("element", IAN7_ELEMENTS)
def test_filing_cannot_leave_draft_while_an_ian7_element_is_missing(org, applicant, element):
    blanks = {
        "beneficiaries": {"beneficiaries": {}},
        "items": {"items": []},
        "parties": {"parties": []},
        "shipment_window": {"ship_from_on": None, "ship_until_on": None},
    }.get(element, {element: ""})
    dossier = factories.complete_dossier(org, applicant, **blanks)
    filing = factories.filing(dossier, "UN1718", applicant)
    with pytest.raises(ValidationError) as exc:
        engine.apply(filing, "submit", applicant)
    assert DOSSIER_ELEMENTS[element] in " ".join(errors_of(exc)["application"])
    filing.refresh_from_db()
    assert filing.status == "draft" and not filing.events.exists()


def test_complete_dossier_leaves_draft(dossier, applicant):
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    assert filing.status == "submitted" and dossier.missing_elements() == []


@pytest.mark.parametrize("element", sorted(set(IAN7_ELEMENTS) - set(LICENCE_ELEMENTS)))
def test_a_licence_authority_does_not_ask_for_the_ian7_only_elements(org, applicant, element):
    blanks = {"beneficiaries": {"beneficiaries": {}}}.get(element, {element: ""})
    dossier = factories.complete_dossier(org, applicant, **blanks)
    filing = factories.filing(dossier, "OFAC", applicant)
    engine.apply(filing, "submit", applicant)
    assert filing.status == "submitted"
