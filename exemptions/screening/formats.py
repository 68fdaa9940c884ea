"""The sanctions lists as their owners publish them, read into ListedEntry records. Pure Python.

Every file is parsed with defusedxml, which refuses entity declarations and external references: a list
fetched over the network is input like any other, and an XML bomb or an XXE in it must not reach the parser.
Namespaces differ between editions of the same file (OFAC moved its SDN schema's namespace), so elements are
read by their local names.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import pycountry
from defusedxml import ElementTree

from .records import ENTITY, IMO, INDIVIDUAL, REGISTRATION, STRONG, VESSEL, WEAK, Alias, Identifier, ListedEntry
from .records import ParsedList as ParsedList


class FormatError(ValueError):
    """The file is not a list of the format its source publishes."""


# Country names as the lists write them, where ISO's own names differ.
COUNTRY_ALIASES = {
    "korea, north": "KP",
    "north korea": "KP",
    "korea (north)": "KP",
    "dprk": "KP",
    "democratic people's republic of korea": "KP",
    "korea, democratic people's republic of": "KP",
    "korea, south": "KR",
    "south korea": "KR",
    "republic of korea": "KR",
    "russia": "RU",
    "iran": "IR",
    "syria": "SY",
    "burma": "MM",
    "taiwan": "TW",
    "vietnam": "VN",
    "hong kong": "HK",
    "china (hong kong)": "HK",
    "macau": "MO",
    "laos": "LA",
    "united kingdom": "GB",
    "uk": "GB",
    "united states": "US",
    "turkey": "TR",
    "uae": "AE",
}


@lru_cache(maxsize=2000)
def country_code(name: str) -> str:
    """ISO 3166 alpha-2 code of a country as a list names it, or "" when it names none."""
    text = " ".join((name or "").split()).strip(" .")
    if not text:
        return ""
    if text.lower() in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[text.lower()]
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        return ""


def _parse(data: bytes):
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise FormatError(f"not well-formed XML: {exc}") from exc
    except Exception as exc:  # defusedxml's refusals: entities, DTDs, external references
        raise FormatError(f"refused: {type(exc).__name__}: {exc}") from exc
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]
    return root


def _text(element, path: str) -> str:
    found = element.find(path) if element is not None else None
    return " ".join((found.text or "").split()) if found is not None and found.text else ""


def _texts(element, path: str) -> list[str]:
    return [" ".join(e.text.split()) for e in element.findall(path) if e.text and e.text.strip()]


def _date(text: str, *formats: str) -> dt.date | None:
    text = (text or "").strip()
    for form in formats:
        try:
            return dt.datetime.strptime(text[: len(dt.date(2000, 1, 1).strftime(form))], form).date()  # noqa: DTZ007
        except ValueError:
            continue
    return None


def _unique(values) -> list:
    return list(dict.fromkeys(v for v in values if v))


def _imo_or(kind_word: str, value: str) -> Identifier:
    word = kind_word.lower()
    if "imo" in word or "vessel registration" in word or value.upper().startswith("IMO"):
        return Identifier(IMO, value, "IMO number")
    if "registration" in word or "company number" in word or "regnumber" in word:
        return Identifier(REGISTRATION, value, kind_word)
    return Identifier(kind_word or "other", value, kind_word)


# --- the UN Security Council Consolidated List (consolidated.xml) ------------------------------


def parse_un(data: bytes) -> ParsedList:
    root = _parse(data)
    if root.tag != "CONSOLIDATED_LIST":
        raise FormatError(f"expected CONSOLIDATED_LIST, found {root.tag}")
    published = _date(root.get("dateGenerated", ""), "%Y-%m-%d")
    entries = [_un_individual(e) for e in root.findall("INDIVIDUALS/INDIVIDUAL")]
    entries += [_un_entity(e) for e in root.findall("ENTITIES/ENTITY")]
    return ParsedList("un", published, entries)


def _un_common(element, kind: str, name: str, alias_tag: str, address_tag: str) -> ListedEntry:
    aliases = [
        Alias(_text(a, "ALIAS_NAME"), WEAK if _text(a, "QUALITY").lower() == "low" else STRONG)
        for a in element.findall(alias_tag)
        if _text(a, "ALIAS_NAME")
    ]
    addresses = element.findall(address_tag)
    comments = _text(element, "COMMENTS1")
    entry = ListedEntry(
        external_id=_text(element, "DATAID"),
        kind=kind,
        name=name,
        aliases=aliases,
        programmes=_unique([_text(element, "UN_LIST_TYPE")]),
        countries=_unique(country_code(_text(a, "COUNTRY")) for a in addresses),
        addresses=_unique(", ".join(_texts(a, "*")) for a in addresses),
        reference=_text(element, "REFERENCE_NUMBER"),
        listed_on=_date(_text(element, "LISTED_ON"), "%Y-%m-%d"),
        remarks=comments,
    )
    imo = re.search(r"IMO(?: number)?:?\s*(\d{7})", comments, re.IGNORECASE)
    if imo:
        entry.kind = VESSEL
        entry.identifiers.append(Identifier(IMO, imo.group(1), "IMO number"))
    return entry


def _un_individual(element) -> ListedEntry:
    name = " ".join(_text(element, tag) for tag in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"))
    entry = _un_common(element, INDIVIDUAL, " ".join(name.split()), "INDIVIDUAL_ALIAS", "INDIVIDUAL_ADDRESS")
    entry.countries = _unique([*entry.countries, *(country_code(v) for v in _texts(element, "NATIONALITY/VALUE"))])
    for birth in element.findall("INDIVIDUAL_DATE_OF_BIRTH"):
        entry.dates_of_birth.append(_text(birth, "DATE")[:10] or _text(birth, "YEAR"))
    entry.dates_of_birth = _unique(entry.dates_of_birth)
    for document in element.findall("INDIVIDUAL_DOCUMENT"):
        if _text(document, "NUMBER"):
            entry.identifiers.append(_imo_or(_text(document, "TYPE_OF_DOCUMENT"), _text(document, "NUMBER")))
    return entry


def _un_entity(element) -> ListedEntry:
    return _un_common(element, ENTITY, _text(element, "FIRST_NAME"), "ENTITY_ALIAS", "ENTITY_ADDRESS")


# --- OFAC: the SDN list (SDN.XML) and the consolidated non-SDN list (consolidated.xml) ---------

OFAC_KINDS = {"individual": INDIVIDUAL, "entity": ENTITY, "vessel": VESSEL, "aircraft": ENTITY}


def parse_ofac(data: bytes, source: str = "ofac_sdn") -> ParsedList:
    root = _parse(data)
    if root.tag != "sdnList":
        raise FormatError(f"expected sdnList, found {root.tag}")
    published = _date(_text(root, "publshInformation/Publish_Date"), "%m/%d/%Y")
    return ParsedList(source, published, [_ofac_entry(e) for e in root.findall("sdnEntry")])


def _person_name(element) -> str:
    return " ".join(f"{_text(element, 'firstName')} {_text(element, 'lastName')}".split())


def _ofac_entry(element) -> ListedEntry:
    addresses = element.findall("addressList/address")
    vessel_flag = _text(element, "vesselInfo/vesselFlag")
    entry = ListedEntry(
        external_id=_text(element, "uid"),
        kind=OFAC_KINDS.get(_text(element, "sdnType").lower(), ENTITY),
        name=_person_name(element),
        aliases=[
            Alias(_person_name(a), WEAK if _text(a, "category").lower() == "weak" else STRONG)
            for a in element.findall("akaList/aka")
            if _person_name(a)
        ],
        programmes=_texts(element, "programList/program"),
        identifiers=[
            _imo_or(_text(i, "idType"), _text(i, "idNumber"))
            for i in element.findall("idList/id")
            if _text(i, "idNumber")
        ],
        countries=_unique(
            [
                *(country_code(_text(a, "country")) for a in addresses),
                *(country_code(c) for c in _texts(element, "nationalityList/nationality/country")),
                *(country_code(c) for c in _texts(element, "citizenshipList/citizenship/country")),
                country_code(vessel_flag),
            ]
        ),
        addresses=_unique(", ".join(_texts(a, "*")[1:]) for a in addresses),  # the first child is the address's uid
        dates_of_birth=_unique(_iso_or_year(d) for d in _texts(element, "dateOfBirthList/dateOfBirthItem/dateOfBirth")),
        remarks=_text(element, "remarks"),
    )
    return entry


def _iso_or_year(text: str) -> str:
    day = _date(text, "%d %b %Y")
    return day.isoformat() if day else text[-4:]


def parse_ofac_consolidated(data: bytes) -> ParsedList:
    return parse_ofac(data, source="ofac_cons")


# --- the EU financial sanctions file (FSF, XML 1.1) --------------------------------------------


def parse_eu(data: bytes) -> ParsedList:
    root = _parse(data)
    if root.tag != "export":
        raise FormatError(f"expected export, found {root.tag}")
    published = _date(root.get("generationDate", ""), "%Y-%m-%d")
    return ParsedList("eu", published, [_eu_entry(e) for e in root.findall("sanctionEntity")])


def _eu_entry(element) -> ListedEntry:
    aliases = [a for a in element.findall("nameAlias") if a.get("wholeName", "").strip()]
    names = [(" ".join(a.get("wholeName").split()), STRONG if a.get("strong") != "false" else WEAK) for a in aliases]
    identifiers = []
    for i in element.findall("identification"):
        if i.get("number", "").strip():
            label = i.get("identificationTypeDescription") or i.get("identificationTypeCode", "")
            identifiers.append(_imo_or(label, i.get("number").strip()))
    subject = element.find("subjectType")
    code = subject.get("code", "") if subject is not None else ""
    kind = INDIVIDUAL if code == "person" else VESSEL if any(i.kind == IMO for i in identifiers) else ENTITY
    places = [*element.findall("address"), *element.findall("citizenship"), *element.findall("birthdate")]
    regulation = element.find("regulation")
    return ListedEntry(
        external_id=element.get("logicalId", ""),
        kind=kind,
        name=names[0][0] if names else "",
        aliases=[Alias(n, q) for n, q in names[1:]],
        programmes=_unique([regulation.get("programme", "") if regulation is not None else ""]),
        identifiers=identifiers,
        countries=_unique(p.get("countryIso2Code", "") for p in places if p.get("countryIso2Code") not in ("00",)),
        addresses=_unique(
            ", ".join(v for v in (a.get("street"), a.get("city"), a.get("countryDescription")) if v)
            for a in element.findall("address")
        ),
        dates_of_birth=_unique(b.get("birthdate") or b.get("year", "") for b in element.findall("birthdate")),
        reference=element.get("euReferenceNumber", ""),
        listed_on=_date(regulation.get("publicationDate", "") if regulation is not None else "", "%Y-%m-%d"),
        remarks=_text(element, "remark"),
    )


# --- the UK Sanctions List (FCDO, XML) ---------------------------------------------------------

UK_KINDS = {"individual": INDIVIDUAL, "entity": ENTITY, "ship": VESSEL}
UK_REGIMES = {"democratic people's republic of korea": "DPRK", "russia": "RUSSIA", "iran": "IRAN"}


def parse_uk(data: bytes) -> ParsedList:
    root = _parse(data)
    if root.tag != "Designations":
        raise FormatError(f"expected Designations, found {root.tag}")
    published = _date(_text(root, "DateGenerated"), "%d/%m/%Y")
    return ParsedList("uk", published, [_uk_entry(e) for e in root.findall("Designation")])


def _uk_name(name) -> str:
    return " ".join(" ".join(_text(name, f"Name{n}") for n in range(1, 7)).split())


def _uk_entry(element) -> ListedEntry:
    names = element.findall("Names/Name")
    primary = [n for n in names if _text(n, "NameType") == "Primary Name"] or names[:1]
    regime = _text(element, "RegimeName")
    programme = next((short for words, short in UK_REGIMES.items() if words in regime.lower()), regime)
    identifiers = [Identifier(IMO, n, "IMO number") for n in _texts(element, "ShipDetails/Ship/IMONumbers/IMONumber")]
    identifiers += [
        Identifier(REGISTRATION, n, "Business registration number")
        for n in _texts(element, "EntityDetails/Entity/BusinessRegistrationNumbers/BusinessRegistrationNumber")
    ]
    addresses = element.findall("Addresses/Address")
    return ListedEntry(
        external_id=_text(element, "UniqueID"),
        kind=UK_KINDS.get(_text(element, "IndividualEntityShip").lower(), ENTITY),
        name=_uk_name(primary[0]) if primary else "",
        aliases=[Alias(_uk_name(n), STRONG) for n in names if n not in primary[:1] and _uk_name(n)],
        programmes=[programme] if programme else [],
        identifiers=identifiers,
        countries=_unique(
            [
                *(country_code(_text(a, "AddressCountry")) for a in addresses),
                *(country_code(c) for c in _texts(element, "IndividualDetails/Individual/Nationalities/Nationality")),
                *(country_code(c) for c in _texts(element, "ShipDetails/Ship/CurrentBelievedFlagOfShips/*")),
            ]
        ),
        addresses=_unique(", ".join(_texts(a, "*")) for a in addresses),
        dates_of_birth=_unique(_uk_dob(d) for d in _texts(element, "IndividualDetails/Individual/DOBs/DOB")),
        reference=_text(element, "UNReferenceNumber"),
        listed_on=_date(_text(element, "DateDesignated"), "%d/%m/%Y"),
        remarks=_text(element, "OtherInformation"),
    )


def _uk_dob(text: str) -> str:
    day = _date(text, "%d/%m/%Y")
    return day.isoformat() if day else text[-4:]


# --- the sources -------------------------------------------------------------------------------

SOURCES = {
    "un": ("UN Security Council Consolidated List", parse_un),
    "ofac_sdn": ("OFAC Specially Designated Nationals (SDN) List", parse_ofac),
    "ofac_cons": ("OFAC Consolidated Sanctions List (non-SDN)", parse_ofac_consolidated),
    "eu": ("EU Financial Sanctions File", parse_eu),
    "uk": ("UK Sanctions List (FCDO)", parse_uk),
}


# The fixture files of each source (tests/fixtures/sanctions, loaded by the tests and by seed_demo).
FIXTURE_FILES = {
    "un": "un_consolidated.xml",
    "ofac_sdn": "ofac_sdn.xml",
    "ofac_cons": "ofac_consolidated.xml",
    "eu": "eu_fsf.xml",
    "uk": "uk_sanctions_list.xml",
}


def parse(source: str, data: bytes) -> ParsedList:
    """Read a published list file of `source` (a key of SOURCES); FormatError if it is not one."""
    if source not in SOURCES:
        raise FormatError(f"unknown source '{source}'; known: {', '.join(SOURCES)}")
    parsed = SOURCES[source][1](data)
    parsed.entries = [e for e in parsed.entries if e.name and e.external_id]
    return parsed
