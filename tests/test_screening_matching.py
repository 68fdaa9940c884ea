"""Names and matching, pure: normalization, romanization, identifiers, the token index, the rule flags."""

import pytest

from exemptions.screening import matching, names
from exemptions.screening.matching import ListIndex, PartyQuery, rule_flags
from exemptions.screening.records import ENTITY, IMO, REGISTRATION, VESSEL, WEAK, Alias, Identifier, ListedEntry


def index_of(*entries):
    index = ListIndex()
    for n, entry in enumerate(entries):
        index.add(n, entry)
    return index


def entity(name, *aliases, kind=ENTITY, countries=("KP",), identifiers=()):
    return ListedEntry(
        "x",
        kind,
        name,
        [a if isinstance(a, Alias) else Alias(a) for a in aliases],
        ["DPRK"],
        list(identifiers),
        list(countries),
    )


@pytest.mark.parametrize(
    ("written", "normalized"),
    [
        ("Korea Ryonbong General Corporation", "korea ryonbong"),
        ("Dandong Hengtai Industrial Development Co., Ltd.", "dandong hengtai industrial development"),
        ("Tongbang Shipping Limited Liability Company", "tongbang shipping"),
        ("Société Générale d'Importation S.A.", "societe generale dimportation"),
        ("Park Cheol-Su", "pak cholsu"),
        ("M/V Song Myong No. 3", "song myong 3"),
        ("Chonsung Metals Imp-Exp Corpoartion", names.normalize("Chonsung Metals Import-Export Corporation")),
        ("Jeongseong", "jongsong"),
        ("조선", "joseon"),
    ],
)
def test_names_lose_case_accents_punctuation_forms_and_fold_romanizations(written, normalized):
    assert names.normalize(written) == normalized


def test_imo_numbers_are_read_only_when_their_check_digit_holds():
    assert names.imo_number("IMO 9074729") == "9074729"
    assert names.imo_number("IMO 9074728") == ""
    assert names.imo_number("call sign HMZF") == ""


def test_a_weak_alias_alone_is_not_enough_but_a_strong_one_is():
    index = index_of(entity("KOREA JONGSONG GENERAL TRADING CORPORATION", Alias("JS TRADE", WEAK), "JONGSONG CO"))
    assert not index.match(PartyQuery("JS Trade", "CN"))
    assert index.match(PartyQuery("Jongsong Co.", "CN"))[0].matched_name == "JONGSONG CO"


def test_an_identifier_matches_whatever_the_name_and_a_wrong_one_does_not():
    ship = entity("SONG MYONG 3", kind=VESSEL, identifiers=[Identifier(IMO, "IMO 8913629", "IMO number")])
    firm = entity("SINBONG TRADING LIMITED", identifiers=[Identifier(REGISTRATION, "2234567", "Company number")])
    index = index_of(ship, firm)
    (match,) = index.match(PartyQuery("Blue Horizon", "PA", "vessel", "8913629"))
    assert match.entry == 0 and match.score == 100 and match.matched_name == "SONG MYONG 3"
    assert index.match(PartyQuery("Blue Horizon", "PA", "vessel", "8913628")) == []
    assert index.match(PartyQuery("Harbour Goods", "HK", "supplier", "22-34567"))[0].entry == 1


def test_country_supports_a_match_without_making_one():
    index = index_of(entity("KUMSONG COMMERCIAL BANK"))
    with_country = index.match(PartyQuery("Kumsung Commercial Bank", "KP"))[0]
    without = index.match(PartyQuery("Kumsung Commercial Bank", "CH"))[0]
    assert with_country.score > without.score and any("country KP" in r for r in with_country.reasons)
    assert not index_of(entity("KUMSONG COMMERCIAL BANK")).match(PartyQuery("Pyongyang Commercial Bank", "KP"))


def test_given_names_keep_their_syllable_order_while_words_may_move():
    index = index_of(entity("KIM SONG-IL", kind="individual"))
    assert index.match(PartyQuery("Song-Il Kim"))
    assert index.match(PartyQuery("Gim Seong Il"))
    assert not index.match(PartyQuery("Kim Il-Song"))


def test_the_index_scores_only_names_that_share_a_key_with_the_party(monkeypatch):
    listed = [entity(f"TRADING HOUSE {n} OF PYONGYANG") for n in range(300)] + [entity("KORYO HAEGUM MARINE FUEL")]
    index = index_of(*listed)
    scored = []
    original = matching._score
    monkeypatch.setattr(matching, "_score", lambda *args: scored.append(args[2]) or original(*args))
    assert [m.entry for m in index.match(PartyQuery("Haegum Marine Fuel Koryo"))] == [300]
    assert len(scored) < 5


@pytest.mark.parametrize(
    ("party", "flagged"),
    [
        (PartyQuery("Ministry of Public Health", "KP", "end_user"), matching.DPRK_PUBLIC_BODY),
        (PartyQuery("Pyongyang City People's Committee", "KP", "consignee"), matching.DPRK_PUBLIC_BODY),
        (PartyQuery("Ministry of Health of the DPRK", "CH", "consignee"), matching.DPRK_PUBLIC_BODY),
        (PartyQuery("Sariwon Children's Hospital", "KP", "end_user"), None),
        (PartyQuery("Ministry of Foreign Affairs", "CH", "end_user"), None),
        (PartyQuery("Morning Star", "PA", "vessel", "IMO 1234568"), matching.VESSEL_WITHOUT_IMO),
        (PartyQuery("Morning Star", "PA", "vessel", "IMO 9074729"), None),
        (PartyQuery("Harbour Freight Ltd", "HK", "freight_forwarder"), matching.TRANSSHIPMENT_INTERMEDIARY),
        (
            PartyQuery("Liaoning Freight", "CN", "freight_forwarder", address="Hunchun, Jilin"),
            matching.TRANSSHIPMENT_INTERMEDIARY,
        ),
        (PartyQuery("Shanghai Freight", "CN", "freight_forwarder", address="Pudong, Shanghai"), None),
        (PartyQuery("Hong Kong Pharma Ltd", "HK", "supplier"), None),
    ],
)
def test_rule_flags(party, flagged):
    assert [f.rule for f in rule_flags(party)] == ([flagged] if flagged else [])
