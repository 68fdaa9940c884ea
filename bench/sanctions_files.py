"""Sanctions list files in the published formats: the fixtures under tests/fixtures/sanctions and the
30,000-name lists of the speed benchmark.

    python -m bench.sanctions_files fixtures tests/fixtures/sanctions   # rewrite the fixture files

Every entry is invented: the names read like the DPRK's state trading houses, banks and ships, and like the
front companies of the border trade, but name no real designation. Each file is laid out element for element
like the file its owner publishes (UN consolidated.xml, OFAC SDN.XML and consolidated.xml, the EU financial
sanctions file, the UK Sanctions List), so the product's parsers read them as they read the real ones.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from exemptions.screening.formats import FIXTURE_FILES
from exemptions.screening.records import ENTITY, IMO, INDIVIDUAL, REGISTRATION, VESSEL, WEAK, Alias, Identifier
from exemptions.screening.records import ListedEntry as E

PUBLISHED = dt.date(2026, 11, 2)
FILES = FIXTURE_FILES


def imo(six: str) -> str:
    """A valid IMO number from its first six digits (the seventh is the check digit)."""
    return six + str(sum(int(d) * w for d, w in zip(six, range(7, 1, -1), strict=True)) % 10)


def _kp(name, aliases=(), kind=ENTITY, ids=(), countries=("KP",), dob=(), address="Pyongyang", ref=""):
    return E(
        external_id="",
        kind=kind,
        name=name,
        aliases=[a if isinstance(a, Alias) else Alias(a) for a in aliases],
        programmes=["DPRK"],
        identifiers=list(ids),
        countries=list(countries),
        addresses=[address] if address else [],
        dates_of_birth=list(dob),
        reference=ref,
        listed_on=dt.date(2017, 8, 5),
    )


# The DPRK designations the tests and the demo screen against; every list carries them, each in its own words.
DPRK_ENTRIES = [
    _kp("KOREA JONGSONG GENERAL TRADING CORPORATION", ["JONGSONG TRADING CO", Alias("JS TRADE", WEAK)], ref="KPe.071"),
    _kp("KOREA PUHUNG MACHINE-TOOL GENERAL CORPORATION", ["PUHUNG MACHINERY COMPANY"], ref="KPe.072"),
    _kp("TONGBANG OCEAN SHIPPING COMPANY", ["TONGBANG SHIPPING CO LTD"], ref="KPe.073"),
    _kp("KUMSONG COMMERCIAL BANK", ["KUMSONG BANK"], ref="KPe.074"),
    _kp("KOREA HAEGUM MARINE FUEL COMPANY", ["HAEGUM FUEL"], ref="KPe.075"),
    _kp("CHONSUNG METALS IMPORT-EXPORT CORPORATION", ["CHONSUNG METALS"], ref="KPe.076"),
    _kp("RYONHAP GENERAL BUREAU OF MINERALS", ["RYONHAP MINERALS BUREAU"], ref="KPe.077"),
    _kp(
        "DANDONG HENGTAI INDUSTRIAL DEVELOPMENT CO., LTD.",
        ["HENGTAI INDUSTRIAL DEVELOPMENT"],
        ids=[Identifier(REGISTRATION, "91210600MA0XK7H21B", "Unified social credit code")],
        countries=("CN",),
        address="Dandong, Liaoning",
        ref="KPe.078",
    ),
    _kp(
        "SINBONG TRADING LIMITED",
        ["SINBONG TRADE HK"],
        ids=[Identifier(REGISTRATION, "2234567", "Company number")],
        countries=("HK",),
        address="Wan Chai, Hong Kong",
        ref="KPe.079",
    ),
    _kp("SONG MYONG 3", kind=VESSEL, ids=[Identifier(IMO, imo("891362"), "IMO number")], ref="KPe.080"),
    _kp("PAEK MA SAN", ["PAEKMASAN"], kind=VESSEL, ids=[Identifier(IMO, imo("912408"), "IMO number")], ref="KPe.081"),
    _kp("HAE RYONG 7", kind=VESSEL, ids=[Identifier(IMO, imo("854127"), "IMO number")], ref="KPe.082"),
    _kp("RI CHOL-JIN", ["RI CHOL JIN"], kind=INDIVIDUAL, dob=["1968-04-12"], ref="KPi.091"),
    _kp("PAK YONG-SU", kind=INDIVIDUAL, dob=["1972"], ref="KPi.092"),
    _kp("CHOE MYONG-HO", ["CHOE MYONG HO"], kind=INDIVIDUAL, dob=["1965-11-03"], ref="KPi.093"),
    _kp("KIM SONG-IL", kind=INDIVIDUAL, dob=["1970"], ref="KPi.094"),
    _kp(
        "JONG KWANG-HYOK",
        kind=INDIVIDUAL,
        dob=["1980-02-29"],
        countries=("KP", "CN"),
        address="Dandong, Liaoning",
        ref="KPi.095",
    ),
]

# Other programmes: names built from these words, so every file holds a few dozen entries like a real one.
FIRST = [
    "Azure",
    "Caspian",
    "Sable",
    "Meridian",
    "Khazar",
    "Tigris",
    "Orontes",
    "Volkhov",
    "Zagros",
    "Baltic",
    "Amur",
    "Sayan",
    "Elburz",
    "Karun",
    "Dvina",
]
SECOND = [
    "Petrochemical",
    "Navigation",
    "Aviation",
    "Electronics",
    "Armaments",
    "Drilling",
    "Metallurgy",
    "Polymer",
    "Tanker",
    "Cement",
]
THIRD = ["Company", "Holding", "Industries", "Group", "Trading LLC", "Services FZE", "JSC", "Corporation"]
PERSON_GIVEN = [
    "Reza",
    "Ali",
    "Hossein",
    "Igor",
    "Sergei",
    "Dmitri",
    "Omar",
    "Bashar",
    "Farid",
    "Yusuf",
    "Anatoly",
    "Mehdi",
    "Kamal",
    "Nikolai",
]
PERSON_FAMILY = [
    "Tehrani",
    "Karimov",
    "Volkov",
    "Haddad",
    "Mansouri",
    "Petrov",
    "Rahimi",
    "Sokolov",
    "Nasser",
    "Azimov",
    "Orlov",
    "Jafari",
]
PROGRAMMES = {"un": "IQ", "ofac_sdn": "IRAN", "ofac_cons": "SSI", "eu": "IRN", "uk": "RUSSIA"}
COUNTRY_OF = {"IQ": "IQ", "IRAN": "IR", "SSI": "RU", "IRN": "IR", "RUSSIA": "RU"}


def other_entries(source: str, count: int, seed: int = 7) -> list[E]:
    rng = random.Random(f"{source}-{seed}")
    programme = PROGRAMMES[source]
    entries = []
    for n in range(count):
        if n % 4 == 3:
            name = f"{rng.choice(PERSON_GIVEN)} {rng.choice(PERSON_FAMILY)}"
            kind, dob = INDIVIDUAL, [f"19{rng.randint(50, 89)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"]
        else:
            name = f"{rng.choice(FIRST)} {rng.choice(SECOND)} {rng.choice(THIRD)}"
            kind, dob = ENTITY, []
        entries.append(
            E(
                "",
                kind,
                name,
                programmes=[programme],
                countries=[COUNTRY_OF[programme]],
                dates_of_birth=dob,
                listed_on=dt.date(2019, 1, 1) + dt.timedelta(days=n * 11),
            )
        )
    return entries


def entries_for(source: str, others: int = 16) -> list[E]:
    """The fixture entries of one list: the DPRK set, then others; ids in the list's own style."""
    entries = [E(**{**e.__dict__}) for e in DPRK_ENTRIES] + other_entries(source, others)
    for n, entry in enumerate(entries, start=1):
        entry.external_id = {
            "un": str(6908000 + n),
            "ofac_sdn": str(36000 + n),
            "ofac_cons": str(29000 + n),
            "eu": str(150000 + n),
            "uk": f"{'DPR' if 'DPRK' in entry.programmes else 'RUS'}{n:04d}",
        }[source]
    return entries


# --- writers, one per published format ---------------------------------------------------------


def _t(tag: str, value) -> str:
    return f"<{tag}>{escape(str(value))}</{tag}>" if value not in (None, "") else ""


def _split_person(name: str) -> tuple[str, str]:
    family, _, given = name.partition(" ")
    return family, given


def write_un(entries: list[E], published: dt.date = PUBLISHED) -> str:
    individuals, entities = [], []
    for e in entries:
        aliases = "".join(
            f"<{'INDIVIDUAL' if e.kind == INDIVIDUAL else 'ENTITY'}_ALIAS>"
            f"<QUALITY>{'Low' if a.quality == WEAK else 'Good'}</QUALITY>{_t('ALIAS_NAME', a.name)}"
            f"</{'INDIVIDUAL' if e.kind == INDIVIDUAL else 'ENTITY'}_ALIAS>"
            for a in e.aliases
        )
        country = {"KP": "Democratic People's Republic of Korea", "CN": "China", "HK": "China"}.get(
            e.countries[0] if e.countries else "", e.countries[0] if e.countries else ""
        )
        comments = "".join(f"IMO number: {i.value}. " for i in e.identifiers if i.kind == IMO)
        head = (
            f"{_t('DATAID', e.external_id)}<VERSIONNUM>1</VERSIONNUM>"
            + (
                f"{_t('FIRST_NAME', _split_person(e.name)[0])}{_t('SECOND_NAME', _split_person(e.name)[1])}"
                if e.kind == INDIVIDUAL
                else _t("FIRST_NAME", e.name)
            )
            + f"{_t('UN_LIST_TYPE', ', '.join(e.programmes))}{_t('REFERENCE_NUMBER', e.reference)}"
            f"{_t('LISTED_ON', e.listed_on.isoformat() if e.listed_on else '')}"
            f"<COMMENTS1>{escape(comments.strip())}</COMMENTS1>"
        )
        if e.kind == INDIVIDUAL:
            births = "".join(
                f"<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE>{_t('DATE', d)}</INDIVIDUAL_DATE_OF_BIRTH>"
                if len(d) == 10
                else f"<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE>{_t('YEAR', d)}</INDIVIDUAL_DATE_OF_BIRTH>"
                for d in e.dates_of_birth
            )
            individuals.append(
                f"<INDIVIDUAL>{head}<NATIONALITY>{_t('VALUE', country)}</NATIONALITY>"
                f"<LIST_TYPE><VALUE>UN List</VALUE></LIST_TYPE>"
                f"<LAST_DAY_UPDATED><VALUE/></LAST_DAY_UPDATED>{aliases}"
                f"<INDIVIDUAL_ADDRESS>{_t('COUNTRY', country)}</INDIVIDUAL_ADDRESS>{births}"
                f"<INDIVIDUAL_PLACE_OF_BIRTH/><INDIVIDUAL_DOCUMENT/><SORT_KEY/><SORT_KEY_LAST_MOD/></INDIVIDUAL>"
            )
        else:
            city = e.addresses[0].split(",")[0] if e.addresses else ""
            entities.append(
                f"<ENTITY>{head}<LIST_TYPE><VALUE>UN List</VALUE></LIST_TYPE>"
                f"<LAST_DAY_UPDATED><VALUE/></LAST_DAY_UPDATED>{aliases}"
                f"<ENTITY_ADDRESS>{_t('CITY', city)}{_t('COUNTRY', country)}</ENTITY_ADDRESS>"
                f"<SORT_KEY/><SORT_KEY_LAST_MOD/></ENTITY>"
            )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<CONSOLIDATED_LIST xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:noNamespaceSchemaLocation="https://scsanctions.un.org/resources/xml/sc-sanctions.xsd" '
        f'dateGenerated="{published.isoformat()}T19:00:03.977-05:00">\n'
        f"<INDIVIDUALS>\n{chr(10).join(individuals)}\n</INDIVIDUALS>\n<ENTITIES>\n{chr(10).join(entities)}\n</ENTITIES>\n"
        "</CONSOLIDATED_LIST>\n"
    )


OFAC_COUNTRY = {"KP": "Korea, North", "CN": "China", "HK": "Hong Kong", "IR": "Iran", "RU": "Russia", "IQ": "Iraq"}
OFAC_PROGRAMME = {"DPRK": "DPRK3"}


def write_ofac(entries: list[E], published: dt.date = PUBLISHED) -> str:
    rows, uid = [], 100000
    for e in entries:
        uid += 10
        ofac_type = {INDIVIDUAL: "Individual", VESSEL: "Vessel", ENTITY: "Entity"}[e.kind]
        family, given = _split_person(e.name) if e.kind == INDIVIDUAL else (e.name, "")
        ids = "".join(
            f"<id><uid>{uid + 1}</uid><idType>"
            f"{'Vessel Registration Identification' if i.kind == IMO else 'Registration Number'}</idType>"
            f"{_t('idNumber', ('IMO ' if i.kind == IMO else '') + i.value)}</id>"
            for i in e.identifiers
        )
        akas = "".join(
            f"<aka><uid>{uid + 2 + n}</uid><type>a.k.a.</type><category>{'weak' if a.quality == WEAK else 'strong'}"
            f"</category>{_t('lastName', a.name)}</aka>"
            for n, a in enumerate(e.aliases)
        )
        country = OFAC_COUNTRY.get(e.countries[0], "") if e.countries else ""
        city = e.addresses[0].split(",")[0] if e.addresses else ""
        births = "".join(
            f"<dateOfBirthItem><uid>{uid + 7}</uid>"
            f"{_t('dateOfBirth', dt.date.fromisoformat(d).strftime('%d %b %Y') if len(d) == 10 else d)}"
            f"<mainEntry>true</mainEntry></dateOfBirthItem>"
            for d in e.dates_of_birth
        )
        vessel = (
            f"<vesselInfo><vesselType>Cargo</vesselType>{_t('vesselFlag', country)}</vesselInfo>"
            if e.kind == VESSEL
            else ""
        )
        rows.append(
            f"<sdnEntry><uid>{e.external_id}</uid>{_t('firstName', given)}{_t('lastName', family)}"
            f"<sdnType>{ofac_type}</sdnType><programList>"
            + "".join(_t("program", OFAC_PROGRAMME.get(p, p)) for p in e.programmes)
            + f"</programList>{'<idList>' + ids + '</idList>' if ids else ''}"
            f"{'<akaList>' + akas + '</akaList>' if akas else ''}"
            f"<addressList><address><uid>{uid + 5}</uid>{_t('city', city)}{_t('country', country)}</address></addressList>"
            + (f"<dateOfBirthList>{births}</dateOfBirthList>" if births else "")
            + f"{vessel}</sdnEntry>"
        )
    return (
        '<?xml version="1.0" standalone="yes"?>\n'
        '<sdnList xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML">\n'
        f"<publshInformation><Publish_Date>{published:%m/%d/%Y}</Publish_Date>"
        f"<Record_Count>{len(entries)}</Record_Count></publshInformation>\n" + "\n".join(rows) + "\n</sdnList>\n"
    )


EU_PROGRAMME = {"DPRK": "PRK"}
EU_COUNTRY = {"KP": "NORTH KOREA", "CN": "CHINA", "HK": "HONG KONG", "IR": "IRAN", "RU": "RUSSIAN FEDERATION"}


def write_eu(entries: list[E], published: dt.date = PUBLISHED) -> str:
    rows = []
    for n, e in enumerate(entries):
        base = 200000 + n * 20
        programme = EU_PROGRAMME.get(e.programmes[0], e.programmes[0]) if e.programmes else ""
        code = e.countries[0] if e.countries else "00"
        names = "".join(
            f'<nameAlias firstName="" middleName="" lastName="" wholeName={quoteattr(name)} function="" gender="" '
            f'title="" nameLanguage="" strong="{"false" if quality == WEAK else "true"}" regulationLanguage="en" '
            f'logicalId="{base + k}"><regulationSummary regulationType="amendment" publicationDate="2017-08-05" '
            f'numberTitle="2017/1509 (OJ L224)" publicationUrl=""/></nameAlias>'
            for k, (name, quality) in enumerate([(e.name, "strong"), *((a.name, a.quality) for a in e.aliases)])
        )
        ids = "".join(
            f'<identification diplomatic="false" knownExpired="false" knownFalse="false" reportedLost="false" '
            f'revokedByIssuer="false" issuedBy="" latinNumber="" nameOnDocument="" number={quoteattr(i.value)} '
            f'region="" countryIso2Code="" countryDescription="" '
            f'identificationTypeCode="{"other" if i.kind == IMO else "regnumber"}" '
            f'identificationTypeDescription="{"IMO number" if i.kind == IMO else "Registration number"}" '
            f'logicalId="{base + 10}"/>'
            for i in e.identifiers
        )
        births = "".join(
            f'<birthdate circa="false" calendarType="GREGORIAN" city="" zipCode="" '
            f'birthdate="{d if len(d) == 10 else ""}" year="{d[:4]}" region="" place="" '
            f'countryIso2Code="{code}" countryDescription="{EU_COUNTRY.get(code, "")}" logicalId="{base + 12}"/>'
            for d in e.dates_of_birth
        )
        city = e.addresses[0].split(",")[0] if e.addresses else ""
        rows.append(
            f'<sanctionEntity designationDetails="" unitedNationId="{e.reference}" '
            f'euReferenceNumber="EU.{e.external_id}.{n + 10}" logicalId="{e.external_id}">'
            f'<regulation regulationType="amendment" organisationType="council" publicationDate="'
            f'{(e.listed_on or published).isoformat()}" entryIntoForceDate="{(e.listed_on or published).isoformat()}" '
            f'numberTitle="2017/1509 (OJ L224)" programme="{programme}" logicalId="{base + 15}">'
            f"<publicationUrl>https://eur-lex.europa.eu/legal-content/EN/TXT/PDF/?uri=CELEX:32017R1509</publicationUrl>"
            f'</regulation><subjectType code="{"person" if e.kind == INDIVIDUAL else "enterprise"}" '
            f'classificationCode="{"P" if e.kind == INDIVIDUAL else "E"}"/>{names}'
            + (
                f'<citizenship region="" countryIso2Code="{code}" countryDescription="{EU_COUNTRY.get(code, "")}" '
                f'logicalId="{base + 13}"/>'
                if e.kind == INDIVIDUAL
                else ""
            )
            + f"{births}{ids}"
            f'<address city="{city}" street="" poBox="" zipCode="" region="" place="" asAtListingTime="false" '
            f'countryIso2Code="{code}" countryDescription="{EU_COUNTRY.get(code, "")}" logicalId="{base + 14}"/>'
            f"</sanctionEntity>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="{published.isoformat()}T10:01:31.153+02:00" '
        f'globalFileId="{published:%Y%m%d}">\n' + "\n".join(rows) + "\n</export>\n"
    )


UK_REGIME = {
    "DPRK": "The Democratic People's Republic of Korea (Sanctions) (EU Exit) Regulations 2019",
    "RUSSIA": "The Russia (Sanctions) (EU Exit) Regulations 2019",
}
UK_COUNTRY = {"KP": "North Korea", "CN": "China", "HK": "Hong Kong", "IR": "Iran", "RU": "Russia"}


def write_uk(entries: list[E], published: dt.date = PUBLISHED) -> str:
    rows = []
    for n, e in enumerate(entries):
        kind = {INDIVIDUAL: "Individual", VESSEL: "Ship", ENTITY: "Entity"}[e.kind]

        def name_xml(name: str, name_type: str, kind=e.kind) -> str:
            if kind == INDIVIDUAL:
                family, given = _split_person(name)
                return f"<Name>{_t('Name1', given)}{_t('Name6', family)}<NameType>{name_type}</NameType></Name>"
            return f"<Name>{_t('Name6', name)}<NameType>{name_type}</NameType></Name>"

        names = name_xml(e.name, "Primary Name") + "".join(name_xml(a.name, "Alias") for a in e.aliases)
        country = UK_COUNTRY.get(e.countries[0], "") if e.countries else ""
        details = ""
        if e.kind == INDIVIDUAL:
            dobs = "".join(
                _t("DOB", dt.date.fromisoformat(d).strftime("%d/%m/%Y") if len(d) == 10 else f"dd/mm/{d}")
                for d in e.dates_of_birth
            )
            details = (
                f"<IndividualDetails><Individual><DOBs>{dobs}</DOBs><Nationalities>{_t('Nationality', country)}"
                f"</Nationalities></Individual></IndividualDetails>"
            )
        elif e.kind == VESSEL:
            imos = "".join(_t("IMONumber", i.value) for i in e.identifiers if i.kind == IMO)
            details = (
                f"<ShipDetails><Ship><IMONumbers>{imos}</IMONumbers><CurrentBelievedFlagOfShips>"
                f"{_t('CurrentBelievedFlagOfShip', country)}</CurrentBelievedFlagOfShips></Ship></ShipDetails>"
            )
        elif any(i.kind == REGISTRATION for i in e.identifiers):
            numbers = "".join(_t("BusinessRegistrationNumber", i.value) for i in e.identifiers)
            details = (
                f"<EntityDetails><Entity><BusinessRegistrationNumbers>{numbers}</BusinessRegistrationNumbers>"
                f"</Entity></EntityDetails>"
            )
        programme = e.programmes[0] if e.programmes else ""
        rows.append(
            f"<Designation><LastUpdated>{published:%d/%m/%Y}</LastUpdated>"
            f"{_t('DateDesignated', e.listed_on.strftime('%d/%m/%Y') if e.listed_on else '')}"
            f"{_t('UniqueID', e.external_id)}<OFSIGroupID>{10000 + n}</OFSIGroupID>"
            f"{_t('UNReferenceNumber', e.reference)}<Names>{names}</Names>"
            f"{_t('RegimeName', UK_REGIME.get(programme, 'The ' + programme.title() + ' (Sanctions) Regulations'))}"
            f"<IndividualEntityShip>{kind}</IndividualEntityShip>"
            f"<DesignationSource>{'UN' if e.reference else 'UK'}</DesignationSource>"
            f"<SanctionsImposed>Asset freeze|Trust services sanctions</SanctionsImposed>"
            f"<Addresses><Address>{_t('AddressLine1', e.addresses[0] if e.addresses else '')}"
            f"{_t('AddressCountry', country)}</Address></Addresses>{details}</Designation>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<Designations xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        f"<DateGenerated>{published:%d/%m/%Y}</DateGenerated>\n" + "\n".join(rows) + "\n</Designations>\n"
    )


WRITERS = {"un": write_un, "ofac_sdn": write_ofac, "ofac_cons": write_ofac, "eu": write_eu, "uk": write_uk}


def write_fixtures(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for source, filename in FILES.items():
        (folder / filename).write_text(WRITERS[source](entries_for(source)), encoding="utf-8")


def generated_entries(count: int, seed: int = 11) -> list[E]:
    """`count` distinct invented entries for the speed benchmark: companies, people and ships."""
    rng = random.Random(seed)
    syllables = [
        "ryon",
        "hap",
        "kum",
        "song",
        "chon",
        "sung",
        "pu",
        "hung",
        "haeg",
        "um",
        "tong",
        "bang",
        "sin",
        "bong",
        "myong",
        "paek",
        "ma",
        "san",
        "hae",
        "ryong",
        "jin",
    ]
    words = [*FIRST, *SECOND, "Trading", "Shipping", "Mining", "Bank", "Industrial", "Metals", "Machinery"]
    entries, seen = [], set()
    while len(entries) < count:
        coined = "".join(rng.choice(syllables) for _ in range(2)).upper()
        name = f"{coined} {rng.choice(words).upper()} {rng.choice(THIRD).upper()} {rng.randint(1, 999)}"
        if name in seen:
            continue
        seen.add(name)
        n = len(entries)
        entries.append(
            E(
                str(500000 + n),
                ENTITY,
                name,
                aliases=[Alias(f"{coined} {rng.choice(words).upper()}")],
                programmes=["DPRK" if n % 3 == 0 else "IRAN"],
                countries=[rng.choice(["KP", "CN", "IR", "RU", "HK"])],
                listed_on=dt.date(2020, 1, 1),
            )
        )
    return entries


if __name__ == "__main__":
    if sys.argv[1:2] == ["fixtures"]:
        write_fixtures(Path(sys.argv[2]))
    else:
        sys.exit(__doc__)
