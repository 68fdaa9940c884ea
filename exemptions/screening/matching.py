"""Matching parties against list entries: a token index for candidates, rapidfuzz for the score, identifiers
as exact strong evidence, country as support; and the rule flags that need no list at all. Pure Python.

A party is never compared with the whole list. Every name variant of every entry is filed under its words
(and the first four letters of each longer word, which catches a misspelt ending), and only the names that
share such a key with the party are scored. Keys that half the list shares ("korea") select nothing alone.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from . import names
from .records import IMO, REGISTRATION, WEAK, ListedEntry

# A name scoring this much (0-100, after support and penalties) is a hit a reviewer must dispose of.
HIT_THRESHOLD = 88
COUNTRY_SUPPORT = 3  # the party's country is one the entry is tied to
WEAK_ALIAS_PENALTY = 6  # how far below a hit a weak alias stays, whatever its score
PREFIX_LENGTH = 4
COMMON_KEY = 200  # a key more names than this share (or 1 in 200 of a long list) selects nothing alone
COUNTERPART = 85
QUICK_REJECT = 70  # below this token_set_ratio no finer score can reach a hit  # a distinctive word of one name needs a word this alike (0-100) in the other
COMPACT_EQUAL = 95  # names alike this much with their spaces taken out are written apart, not different

# Words naming a place or a country: a party that adds or drops one ("Korea", "Beijing Branch") is still the
# same party.
PLACE_WORDS = frozenset(
    [
        "korea",
        "korean",
        "dprk",
        "chosun",
        "joson",
        "choson",
        "pyongyang",
        "china",
        "chinese",
        "beijing",
        "shanghai",
        "dandong",
        "shenyang",
        "dalian",
        "hong",
        "kong",
        "hongkong",
        "macau",
        "macao",
        "singapore",
        "russia",
        "russian",
        "vladivostok",
        "moscow",
        "nampo",
        "sinuiju",
        "rason",
        "branch",
        "head",
        "office",
        "hk",
        "representative",
    ]
)

# Words a party adds to or drops from a listed name without becoming another party.
GENERIC_WORDS = frozenset({"general", "international", "group", "enterprise", "enterprises", "trading"})

# Party roles (Party.PartyRole values) the rules read.
VESSEL_ROLE = "vessel"
INTERMEDIARY_ROLES = frozenset({"freight_forwarder", "bank", "carrier"})

# Rule flags beside list matches.
DPRK_PUBLIC_BODY = "dprk_public_body"
VESSEL_WITHOUT_IMO = "vessel_without_imo"
TRANSSHIPMENT_INTERMEDIARY = "transshipment_intermediary"
RULES = {
    DPRK_PUBLIC_BODY: "DPRK public body (blocked under US Executive Order 13722 whether listed or not)",
    VESSEL_WITHOUT_IMO: "Vessel without a valid IMO number",
    TRANSSHIPMENT_INTERMEDIARY: "Intermediary in a high-risk transshipment hub",
}
# Government of North Korea and Workers' Party bodies, by the words of their names (normalized).
PUBLIC_BODY = re.compile(
    r"\b(ministry|ministries|minister|cabinet|government|workers party|central committee|peoples committee|"
    r"provincial|municipal|commission|general bureau|bureau|department|kpa|peoples army|armed forces|"
    r"state security|reconnaissance|munitions|supreme peoples assembly|state affairs)\b"
)
NAMED_DPRK = re.compile(r"\b(dprk|north korea|democratic peoples republic of korea)\b")
# Ports and border cities through which goods for the DPRK are classically re-routed; a whole territory where
# the list is a territory.
TRANSSHIPMENT_HUBS = {
    "CN": ("dandong", "hunchun", "yanji", "tumen", "shenyang", "dalian", "ji an", "longjing", "yanbian"),
    "RU": ("vladivostok", "nakhodka", "khasan", "zarubino", "vostochny"),
    "HK": (),
}


@dataclass(frozen=True)
class PartyQuery:
    name: str
    country: str = ""
    role: str = ""
    identifier: str = ""
    address: str = ""


@dataclass
class Match:
    entry: object  # the key the entry was indexed under (a ListEntry id, or the ListedEntry itself)
    matched_name: str
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass
class Flag:
    rule: str
    reasons: list[str]

    @property
    def label(self) -> str:
        return RULES[self.rule]


@dataclass
class _Name:
    entry: object
    text: str
    quality: str
    variants: list[str]
    countries: frozenset[str]


def _keys(variant: str) -> set[str]:
    """Blocking keys: each word, the first letters of each longer word (a misspelt ending), and the first
    letters of the name written without spaces ("Tong Bang" meets "Tongbang")."""
    keys = set()
    for word in variant.split():
        keys.add(word)
        if len(word) >= PREFIX_LENGTH:
            keys.add(word[:PREFIX_LENGTH] + "*")
    distinctive = "".join(w for w in variant.split() if w not in PLACE_WORDS)
    if len(distinctive) > PREFIX_LENGTH:
        keys.add("^" + distinctive[: PREFIX_LENGTH + 1])
    return keys


class ListIndex:
    """The names and identifiers of a set of list entries, filed for lookup by word and by number."""

    def __init__(self):
        self._names: list[_Name] = []
        self._postings: dict[str, list[int]] = defaultdict(list)
        self._identifiers: dict[tuple[str, str], list[tuple[object, str]]] = defaultdict(list)
        self._primary_names: dict[object, str] = {}

    def __len__(self):
        return len(self._names)

    def add(self, key, entry: ListedEntry) -> None:
        countries = frozenset(entry.countries)
        self._primary_names[key] = entry.name
        for text, quality in entry.all_names:
            variants = names.variants(text)
            if not any(variants):
                continue
            position = len(self._names)
            self._names.append(_Name(key, text, quality, variants, countries))
            for variant_key in set().union(*(_keys(v) for v in variants)):
                self._postings[variant_key].append(position)
        for identifier in entry.identifiers:
            number = names.imo_number(identifier.value) if identifier.kind == IMO else ""
            if number:
                self._identifiers[(IMO, number)].append((key, identifier.label or "IMO number"))
            elif identifier.kind == REGISTRATION and names.identifier_key(identifier.value):
                label = identifier.label or "Registration number"
                self._identifiers[(REGISTRATION, names.identifier_key(identifier.value))].append((key, label))

    def _candidates(self, variants: list[str]) -> set[int]:
        limit = max(COMMON_KEY, len(self._names) // 200)
        keys = set().union(*(_keys(v) for v in variants))
        chosen = [self._postings[k] for k in keys if 0 < len(self._postings.get(k, ())) <= limit]
        if not chosen:  # every key is common: a name made of common words matches only in full
            chosen = [self._postings[k] for k in keys if k in self._postings]
            if len(chosen) != len(keys):
                return set()
            return set.intersection(*(set(c) for c in chosen)) if chosen else set()
        return set().union(*chosen)

    def match(self, party: PartyQuery, threshold: float = HIT_THRESHOLD) -> list[Match]:
        """The entries `party` matches at `threshold` or above, best first, one Match per entry."""
        best: dict[object, Match] = {}
        for match in self._identifier_matches(party):
            best[match.entry] = match
        party_variants = [v for v in names.variants(party.name) if v]
        if party_variants:
            common_only = names.is_common_only(party_variants[0])
            for position in self._candidates(party_variants):
                candidate = self._names[position]
                match = _score(party, party_variants, candidate, common_only)
                if match.score < threshold:
                    continue
                held = best.get(candidate.entry)
                if held is None or match.score > held.score:
                    if held is not None and held.reasons and held.reasons[0].startswith("Same "):
                        continue  # an identifier match stands whatever the names say
                    best[candidate.entry] = match
        return sorted(best.values(), key=lambda m: -m.score)

    def _identifier_matches(self, party: PartyQuery) -> list[Match]:
        found = []
        number = names.imo_number(party.identifier)
        if number:
            for entry, label in self._identifiers.get((IMO, number), ()):
                found.append(Match(entry, self._primary_names[entry], 100.0, [f"Same {label}: {number}"]))
        key = names.identifier_key(party.identifier)
        if key and not number:
            for entry, label in self._identifiers.get((REGISTRATION, key), ()):
                reason = f"Same {label}: {party.identifier.strip()}"
                found.append(Match(entry, self._primary_names[entry], 100.0, [reason]))
        return found


def _pair_score(mine: str, theirs: str) -> tuple[float, str]:
    """How alike two normalized names are (0-100), and why."""
    compact = fuzz.ratio(mine.replace(" ", ""), theirs.replace(" ", ""))
    if compact < COMPACT_EQUAL and fuzz.token_set_ratio(mine, theirs) < QUICK_REJECT:
        return 0.0, ""  # most candidates end here, in C, before the finer work below
    mine, theirs = _merged(mine, theirs), _merged(theirs, mine)
    if mine == theirs or sorted(mine.split()) == sorted(theirs.split()):
        return 100.0, "same words once case, accents, punctuation, company forms and romanization are set aside"
    if fuzz.ratio(mine.replace(" ", ""), theirs.replace(" ", "")) >= COMPACT_EQUAL:
        return float(fuzz.ratio(mine.replace(" ", ""), theirs.replace(" ", ""))), "the same name written apart"
    best, how = float(fuzz.token_sort_ratio(mine, theirs)), "names alike in any word order"
    extra = _extra_words_score(mine, theirs)
    if extra > best:
        best, how = extra, "the same distinctive words; the others name a place or a company form"
    if best < HIT_THRESHOLD:
        return best, how
    missing = _without_counterpart(mine, theirs) or _without_counterpart(theirs, mine)
    if missing:
        return HIT_THRESHOLD - 1.0, f"“{missing}” has no counterpart in the other name"
    return best, how


def _merged(mine: str, theirs: str) -> str:
    """`mine` with two adjacent words joined where `theirs` writes them as one ("chol jin" -> "choljin")."""
    words, targets = mine.split(), set(theirs.split())
    out, i = [], 0
    while i < len(words):
        if i + 1 < len(words) and names.canonical_word(words[i] + words[i + 1]) in targets:
            out.append(names.canonical_word(words[i] + words[i + 1]))
            i += 2
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)


def _without_counterpart(mine: str, theirs: str) -> str:
    """A distinctive word of `mine` (not a common word nor a place) that no word of `theirs` resembles."""
    other = theirs.split()
    for word in mine.split():
        if word in names.COMMON_WORDS or word in PLACE_WORDS:
            continue
        if not any(_alike(word, candidate) for candidate in other):
            return word
    return ""


def _alike(word: str, other: str) -> bool:
    """Two spellings of one word: close overall, or one slip apart (a letter missing, added, changed or two
    swapped) in a word long enough for one slip not to make another word."""
    if fuzz.ratio(word, other) >= COUNTERPART:
        return True
    return min(len(word), len(other)) >= 4 and OSA.distance(word, other) <= 1


def _score(party: PartyQuery, party_variants: list[str], candidate: _Name, common_only: bool) -> Match:
    score, how = 0.0, ""
    for mine in party_variants:
        for theirs in candidate.variants:
            if mine == theirs:
                score, how = 100.0, "same name once case, accents, punctuation and company forms are set aside"
                break
            if common_only:
                continue
            pair, why = _pair_score(mine, theirs)
            if pair > score:
                score, how = pair, why
        if score == 100.0:
            break
    if len(party_variants[0].split()) == 1 and score < 100:
        score = min(score, HIT_THRESHOLD - 1)  # one word alone matches only exactly
    reasons = [f"Name {round(score)}/100: {how}"] if how else []
    if candidate.quality == WEAK:
        # OFAC does not expect weak a.k.a.s screened, and the UN grades such aliases "Low": never a hit alone.
        score = min(score, HIT_THRESHOLD - WEAK_ALIAS_PENALTY)
        reasons.append("a weak alias (the list itself calls it loose)")
    if party.country and party.country in candidate.countries and score:
        score = min(100.0, score + COUNTRY_SUPPORT)
        reasons.append(f"country {party.country} is the entry's")
    variant_note = _romanization_note(party.name, candidate.text)
    if variant_note:
        reasons.append(variant_note)
    return Match(candidate.entry, candidate.text, round(score, 1), reasons)


def _extra_words_score(mine: str, theirs: str) -> float:
    """Names that share their distinctive words and differ only by place words or common words
    ("Ryonbong Beijing Branch" and "Korea Ryonbong") score as the words they share."""
    a, b = set(mine.split()), set(theirs.split())
    shared = a & b
    if not shared - names.COMMON_WORDS - PLACE_WORDS:
        return 0.0
    differing = a ^ b
    if not differing <= PLACE_WORDS | GENERIC_WORDS:
        return 0.0
    return max(0.0, 96.0 - 2 * len(differing))


def _romanization_note(party_name: str, listed_name: str) -> str:
    mine = {w for w in re.split(r"[^a-z]+", party_name.lower()) if w}
    theirs = {w for w in re.split(r"[^a-z]+", listed_name.lower()) if w}
    folded = sorted(
        f"{a}~{b}"
        for a in mine - theirs
        for b in theirs - mine
        if names.CANONICAL.get(a, a) == names.CANONICAL.get(b, b)
    )
    return f"romanization variants {', '.join(folded)}" if folded else ""


def rule_flags(party: PartyQuery) -> list[Flag]:
    """Rules an expert applies beside the lists: a DPRK public body, a ship without IMO number, an intermediary
    in a transshipment hub."""
    flags = []
    normalized = " ".join(names.ascii_text(party.name or "").lower().replace("'", "").split())
    normalized = re.sub(r"[^a-z0-9 ]+", " ", normalized)
    public = PUBLIC_BODY.search(normalized)
    if public and (party.country == "KP" or NAMED_DPRK.search(normalized)):
        flags.append(Flag(DPRK_PUBLIC_BODY, [f"“{public.group(0)}” in the name of a party in the DPRK"]))
    if party.role == VESSEL_ROLE and not names.imo_number(party.identifier):
        why = "no IMO number given" if not party.identifier.strip() else f"“{party.identifier}” is no valid IMO number"
        flags.append(Flag(VESSEL_WITHOUT_IMO, [why]))
    if party.role in INTERMEDIARY_ROLES and party.country in TRANSSHIPMENT_HUBS:
        places = TRANSSHIPMENT_HUBS[party.country]
        where = f"{party.name} {party.address}".lower()
        hit = next((place for place in places if place in where), None)
        if not places or hit:
            flags.append(
                Flag(
                    TRANSSHIPMENT_INTERMEDIARY,
                    [f"{party.role.replace('_', ' ')} in {hit.title() if hit else party.country}"],
                )
            )
    return flags
