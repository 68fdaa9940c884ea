"""Validators of what people type into a dossier: codes, countries, currencies, counts, dates, text the database
can store at all; and the limits of what a person may write, declared once and read by the web forms, the API
serializers and the services."""

import re

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator

from .. import procedures

# --- limits ------------------------------------------------------------------------------------
# Each limit is declared here once: the web forms and the API serializers show it, the services enforce it, so
# the same text or list is accepted or refused whichever face it came through.

MESSAGE_MAX_LENGTH = 20_000  # characters of one message in a filing's thread
NOTE_MAX_LENGTH = 20_000  # characters of the note a person adds to a transition
MAX_ITEMS_PER_DOSSIER = 200  # goods lines of one dossier
MAX_PARTIES_PER_DOSSIER = 50  # suppliers, consignees, end users, forwarders and banks of one dossier


def validate_text_length(value: str, limit: int, what: str) -> None:
    if len(value or "") > limit:
        raise ValidationError(
            f"{what} is {len(value):,} characters long; the limit is {limit:,} characters.", code="too_long"
        )


# --- validators --------------------------------------------------------------------------------

HS_CODE_RE = re.compile(r"^\d{6,10}$")

_prohibit_null_characters = ProhibitNullCharactersValidator()


def validate_storable_text(value: str) -> None:
    """Text PostgreSQL can hold and compare: no NUL character (text columns refuse it, in a filter as in a
    write) and no lone surrogate (a JSON `\\ud800` escape has no UTF-8 form). Either would otherwise fail inside
    the database driver as a server error, so the request and API faces refuse such input at the door."""
    _prohibit_null_characters(value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            "Surrogate characters are not allowed: send text as valid Unicode.", code="surrogate_characters_not_allowed"
        ) from None


def normalize_hs_code(value: str) -> str:
    """HS codes are often written 3004.90 or 3004 90; store the digits only."""
    return re.sub(r"[\s.]", "", value or "")


def validate_hs_code(value: str) -> None:
    if not HS_CODE_RE.match(normalize_hs_code(value)):
        raise ValidationError(
            "Enter the Harmonized System code as 6 to 10 digits, for example 300490 (dots and spaces are ignored).",
            code="hs_code",
        )


# EAR99, or an Export Control Classification Number: a digit, a letter A–E, three digits, and perhaps a
# paragraph (5A992.c).
EXPORT_CLASSIFICATION_RE = re.compile(r"^(EAR99|[0-9][A-E][0-9]{3}(\.[a-z0-9.]+)?)$")


def normalize_export_classification(value: str) -> str:
    value = (value or "").strip()
    return value[:5].upper() + value[5:]


def validate_export_classification(value: str) -> None:
    if value and not EXPORT_CLASSIFICATION_RE.match(normalize_export_classification(value)):
        raise ValidationError(
            "Enter EAR99 or an ECCN such as 3A001 or 5A992.c, or leave it blank when the item is not US-origin.",
            code="export_classification",
        )


def validate_currency(value: str) -> None:
    if not value or pycountry.currencies.get(alpha_3=value.upper()) is None:
        raise ValidationError("Enter a three-letter ISO 4217 currency code such as USD, EUR or CHF.", code="currency")


def validate_country(value: str) -> None:
    if not value or pycountry.countries.get(alpha_2=value.upper()) is None:
        raise ValidationError("Enter a two-letter ISO 3166 country code such as KP, CN or CH.", code="country")


def validate_plausible_date(value) -> None:
    # Far-off years are typing slips, and near year 9999 deadline arithmetic would overflow.
    if value is not None and not procedures.EARLIEST_DATE <= value <= procedures.LATEST_DATE:
        raise ValidationError(
            f"Enter a date between {procedures.EARLIEST_DATE:%d %b %Y} and {procedures.LATEST_DATE:%d %b %Y}.",
            code="implausible_date",
        )


def validate_positive(value) -> None:
    if value is not None and value <= 0:
        raise ValidationError("Must be greater than zero.", code="not_positive")


BENEFICIARY_CATEGORIES = {
    "children_under_5": "Children under 5",
    "school_children": "School-age children",
    "pregnant_lactating_women": "Pregnant and lactating women",
    "patients": "Patients",
    "elderly": "Elderly people",
    "persons_with_disabilities": "Persons with disabilities",
    "farmers": "Farming households",
    "other": "Other",
}


def validate_beneficiaries(value) -> None:
    if value in (None, ""):
        return
    if not isinstance(value, dict):
        raise ValidationError("Beneficiaries must map a category to a count.", code="beneficiaries")
    for category, count in value.items():
        if category not in BENEFICIARY_CATEGORIES:
            raise ValidationError(
                f"Unknown beneficiary category '{category}'. Use one of: {', '.join(BENEFICIARY_CATEGORIES)}.",
                code="beneficiary_category",
            )
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValidationError(
                f"The number of {BENEFICIARY_CATEGORIES[category].lower()} must be a whole number of 0 or more.",
                code="beneficiary_count",
            )


def imo_check_digit_ok(digits: str) -> bool:
    """An IMO ship number is seven digits whose last is the check digit: the first six weighted 7, 6, 5, 4, 3, 2,
    summed, and the sum's last digit (IMO Resolution A.1078(28))."""
    if len(digits) != 7 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(d) * weight for d, weight in zip(digits[:6], range(7, 1, -1), strict=True))
    return total % 10 == int(digits[6])


def normalize_imo_number(value: str) -> str:
    """'IMO 9074729', 'imo9074729' and '9074729' are the same ship: stored as the seven digits."""
    text = (value or "").strip().upper()
    return text.removeprefix("IMO").strip()


def validate_imo_number(value: str) -> None:
    if not value:
        return
    if not imo_check_digit_ok(normalize_imo_number(value)):
        raise ValidationError(
            "Enter the vessel's seven-digit IMO number (e.g. IMO 9074729); this one is not a valid IMO number "
            "(its check digit does not match).",
            code="imo_number",
        )
