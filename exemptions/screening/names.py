"""Names reduced to what identifies them: accents, case, punctuation and company forms gone, Korean and Chinese
romanizations folded onto one spelling. Pure Python.

`anyascii` transliterates any script to ASCII (Hangul and Han included) with no native dependency; the
company forms and the romanization tables below are the domain's: the legal forms the lists write out or
abbreviate, and the many ways one Korean or Chinese syllable is written in Latin letters. (OpenSanctions'
`normality` and `fingerprints` do the first two, but now need PyICU, a native build against libicu.)
"""

from __future__ import annotations

import re
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz import fuzz

# One spelling per syllable. Korean: McCune-Reischauer (the DPRK's own usage and the UN list's), Revised
# Romanization (the South's) and the spellings people choose for themselves (Lee, Park, Choi). Chinese: Pinyin
# beside Wade-Giles and Cantonese spellings.
ROMANIZATION = {
    # Korean family names
    "paek": ("baek", "back", "paik"),
    "ri": ("rhee", "lee", "yi", "rhi", "li", "rie"),
    "pak": ("park", "bak", "pag", "bahk"),
    "choe": ("choi", "chwe", "choy", "choei"),
    "kim": ("gim",),
    "kang": ("gang",),
    "ko": ("koh", "go"),
    "kwon": ("gwon", "kwun"),
    "jong": ("chong", "jung", "chung", "cheong", "jeong"),
    "jon": ("chon", "jeon", "chun", "jun"),
    "ryu": ("yu", "yoo", "ryoo", "rue"),
    "rim": ("lim", "im", "yim"),
    "ryang": ("yang",),
    "o": ("oh",),
    "u": ("woo", "wu"),
    "yun": ("yoon",),
    "sin": ("shin",),
    "cho": ("jo",),
    "ro": ("roh", "noh"),
    "hyon": ("hyun", "hyeon"),
    # Korean given-name syllables
    "chol": ("cheol", "chul", "chel"),
    "myong": ("myung", "myeong"),
    "yong": ("young", "yeong"),
    "hyok": ("hyuk", "hyeok"),
    "sok": ("seok", "suk"),
    "song": ("seong", "sung"),
    "il": ("ill",),
    "gwang": ("kwang",),
    "ho": (),
    "hun": ("hoon",),
    "su": ("soo",),
    "jin": ("chin",),
    "ryong": ("ryung",),
    "sun": ("soon",),
    "nam": (),
    # Chinese
    "zhang": ("chang", "cheung"),
    "zhou": ("chou", "chow"),
    "xu": ("hsu",),
    "xie": ("hsieh", "tse"),
    "zhao": ("chao", "chiu"),
    "jiang": ("chiang", "keung"),
    "chen": ("chan", "chern"),
    "wang": ("wong",),
    "huang": ("hwang",),
    "zheng": ("cheng",),
    "guo": ("kuo", "kwok"),
    "liu": ("lau", "lao"),
    "hong": ("hung",),
    "xiang": ("hsiang", "heung"),
    "dandong": ("tantung", "tandong"),
    "shenyang": ("shenyeung",),
}
CANONICAL = {variant: canon for canon, variants in ROMANIZATION.items() for variant in variants}

# Legal forms written out over several words, taken out before the words are split.
LONG_FORMS = re.compile(
    r"\b(limited liability company|limited liability partnership|joint stock company|public limited company|"
    r"private limited|societe anonyme|gesellschaft mit beschrankter haftung|aktiengesellschaft|"
    r"sociedad anonima|societa per azioni|free zone establishment|free zone company)\b"
)
# Legal forms, written out and abbreviated (the dots are gone by then: "Co." is "co").
COMPANY_FORMS = frozenset(
    [
        "co",
        "ltd",
        "corp",
        "inc",
        "llc",
        "llp",
        "lp",
        "plc",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "ag",
        "gmbh",
        "kg",
        "bv",
        "nv",
        "ab",
        "oy",
        "as",
        "asa",
        "jsc",
        "ojsc",
        "pjsc",
        "cjsc",
        "ooo",
        "zao",
        "oao",
        "pte",
        "pty",
        "bhd",
        "sdn",
        "kk",
        "company",
        "limited",
        "corporation",
        "incorporated",
        "group",
        "holding",
        "holdings",
        "fze",
        "fzco",
        "fzc",
        "fzllc",
        "jv",
    ]
)
# "General Corporation" and "Trading General Company" are company forms of the DPRK's state trading houses;
# "general" is only a form word when a form follows it ("General Bureau" is a name).
FORM_QUALIFIERS = frozenset({"general"})

# Words so common in company and agency names that a name made only of them identifies nobody.
COMMON_WORDS = frozenset(
    [
        "international",
        "trading",
        "trade",
        "general",
        "industrial",
        "industry",
        "development",
        "import",
        "export",
        "import-export",
        "commercial",
        "commerce",
        "foreign",
        "joint",
        "venture",
        "enterprise",
        "enterprises",
        "service",
        "services",
        "shipping",
        "logistics",
        "transport",
        "freight",
        "forwarding",
        "forwarder",
        "agency",
        "maritime",
        "marine",
        "ocean",
        "sea",
        "global",
        "world",
        "national",
        "united",
        "new",
        "star",
        "golden",
        "great",
        "east",
        "west",
        "north",
        "south",
        "central",
        "first",
        "technology",
        "technologies",
        "tech",
        "engineering",
        "construction",
        "supply",
        "supplies",
        "products",
        "materials",
        "resources",
        "investment",
        "management",
        "consulting",
        "partners",
        "associates",
        "office",
        "branch",
        "center",
        "centre",
        "bank",
        "banking",
        "finance",
        "financial",
        "insurance",
        "medical",
        "health",
        "pharmaceutical",
        "pharma",
        "food",
        "foods",
        "agricultural",
        "agriculture",
        "equipment",
        "machinery",
        "electronics",
        "energy",
        "oil",
        "gas",
        "mining",
        "metals",
        "steel",
        "chemical",
        "chemicals",
        "textile",
        "textiles",
        "cargo",
        "express",
        "line",
        "lines",
        "container",
        "co",
        "ltd",
    ]
)

# Particles that join the words of a name and tell names apart no better than word order does.
PARTICLES = frozenset(["of", "the", "and", "for", "de", "la", "le", "les", "des", "du", "et", "no"])
# Written-out forms long enough that a misspelling ("Corpoartion") is still recognizably one.
SPELLED_FORMS = ("corporation", "company", "limited", "incorporated")
# "M/V Song Myong 3", "MT Paek Ma San": the ship's prefix is no part of its name.
SHIP_PREFIX = re.compile(r"^\s*m\s*[/.]?\s*[vts]\b\.?")

_SEPARATORS = re.compile(r"[^a-z0-9]+")
_DIGITS = re.compile(r"\d+")


@lru_cache(maxsize=200_000)
def normalize(name: str) -> str:
    """ASCII, lower case, punctuation and company forms gone, romanizations folded: the string that is scored.

    Hyphens and apostrophes join ("Chol-Su" -> "cholsu", "People's" -> "peoples"), since romanized Korean
    given names are written with and without them; every other separator splits. Word order is kept
    (the scorer ignores it)."""
    text = SHIP_PREFIX.sub(" ", ascii_text(name).lower())
    text = re.sub(r"(?<=[a-z])['\u2019`-](?=[a-z])", "", text)
    words = _joined_initials(LONG_FORMS.sub(" ", _SEPARATORS.sub(" ", text)).split())
    kept = []
    for position, word in enumerate(words):
        if word in COMPANY_FORMS or word in PARTICLES or _misspelt_form(word):
            continue
        following = words[position + 1] if position + 1 < len(words) else ""
        if word in FORM_QUALIFIERS and (following in COMPANY_FORMS or _misspelt_form(following)):
            continue
        kept.append(canonical_word(word))
    return " ".join(kept)


def _joined_initials(words: list[str]) -> list[str]:
    """Single letters in a row are one abbreviation: "S.A." is "sa", "L.L.C." is "llc"."""
    out, run = [], []
    for word in [*words, ""]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        if run:
            out.append("".join(run))
            run = []
        if word:
            out.append(word)
    return out


def _misspelt_form(word: str) -> bool:
    return len(word) >= 7 and any(fuzz.ratio(word, form) >= 85 for form in SPELLED_FORMS)


# Abbreviations in company names, written out (hyphenated ones arrive joined: "Imp-Exp" is "impexp").
ABBREVIATIONS = {
    "gen": "general",
    "dev": "development",
    "devt": "development",
    "intl": "international",
    "ind": "industrial",
    "inds": "industries",
    "imp": "import",
    "exp": "export",
    "impexp": "importexport",
    "mfg": "manufacturing",
    "dept": "department",
    "natl": "national",
    "tech": "technology",
    "eng": "engineering",
    "svcs": "services",
    "bk": "bank",
}


def canonical_word(word: str) -> str:
    """One spelling of a word: a romanization variant folded ("rhee" -> "ri"), and a joined Korean given name
    folded syllable by syllable ("cheolsu" -> "cholsu", "chungsung" -> "jongsong")."""
    if word in ABBREVIATIONS:
        return ABBREVIATIONS[word]
    if word in CANONICAL:
        return CANONICAL[word]
    return "".join(split_syllables(word))


def ascii_text(text: str) -> str:
    return anyascii(text or "")


def tokens(name: str) -> list[str]:
    return normalize(name).split()


def split_syllables(token: str) -> list[str]:
    """A joined Korean given name split back into the syllables of the table ("cholsu" -> ["chol", "su"]), so
    that "Chol Su", "Chol-Su" and "Cholsu" meet; a token that does not split cleanly is returned whole."""
    for cut in range(2, len(token) - 1):
        head, tail = token[:cut], token[cut:]
        head, tail = CANONICAL.get(head, head), CANONICAL.get(tail, tail)
        if head in ROMANIZATION and tail in ROMANIZATION:
            return [head, tail]
    return [token]


def variants(name: str) -> list[str]:
    """The forms of a name that are scored: today the normalized name alone (kept a list so that a source
    with transliterations may add its own)."""
    return [normalize(name)]


def is_common_only(normalized: str) -> bool:
    """True when every word of a normalized name is a common word: such a name identifies nobody by itself."""
    words = normalized.split()
    return not words or all(word in COMMON_WORDS or word.isdigit() for word in words)


def imo_number(text: str) -> str:
    """The IMO ship number in `text` ("IMO 9123456", "9123456") if its check digit holds, else ""."""
    for digits in _DIGITS.findall(text or ""):
        if len(digits) == 7 and imo_check_digit_holds(digits):
            return digits
    return ""


def imo_check_digit_holds(digits: str) -> bool:
    """The seventh digit of an IMO number is the sum of the first six weighted 7..2, modulo 10."""
    if len(digits) != 7 or not digits.isdigit():
        return False
    return sum(int(d) * w for d, w in zip(digits[:6], range(7, 1, -1), strict=True)) % 10 == int(digits[6])


def identifier_key(text: str) -> str:
    """A registration number compared exactly: letters and digits only, upper case."""
    return re.sub(r"[^A-Z0-9]", "", ascii_text(text or "").upper())
