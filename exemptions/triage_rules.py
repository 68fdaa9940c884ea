"""Which authorities a DPRK dossier needs, as one table: each rule names the authority, the route it proposes
and, in plain words, why. `triage.py` evaluates the table; nothing else decides. Pure data (no Django).

Sources are in docs/DOMAIN.md: resolution 2397 (2017) op. 7 bans supplying the DPRK with industrial machinery
(HS 84, 85), transport vehicles (HS 86–89) and iron, steel and other metals (HS 72–83); op. 4–5 cap crude oil
and refined petroleum (HS 27). The EAR need a BIS licence for every item subject to them going to the DPRK
except EAR99 food and medicine; an export BIS has licensed needs no separate OFAC licence (February 2024
general licence). An NGO relies on OFAC's general licence (31 CFR 510.512) after reporting to the State
Department; others apply for a specific licence. EU Regulation 2017/1509 and the UK's export controls bind
exports from their territory and their nationals; the EU or UK layer is proposed only for goods the 1718
measures prohibit (the policy since the first triage).
"""

from __future__ import annotations

from dataclasses import dataclass

DPRK = "KP"
US = "US"
UK = "GB"
EU_MEMBERS = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)

# HS chapter → the 1718 measure that bans it, in the words the reason uses.
PROHIBITED_CHAPTERS: dict[str, str] = {
    **{str(c): "iron, steel and other metals (resolution 2397 op. 7)" for c in range(72, 84)},
    "84": "industrial machinery (resolution 2397 op. 7)",
    "85": "electrical machinery (resolution 2397 op. 7)",
    **{str(c): "transport vehicles (resolution 2397 op. 7)" for c in range(86, 90)},
    "27": "crude oil and refined petroleum (capped by resolution 2397 op. 4–5)",
}

# What the EAR leave without a BIS licence when classified EAR99: food (by the item's category) and medicine
# (HS chapter 30, pharmaceutical products). Medical devices are not medicine: they need the licence.
EAR99_EXEMPT_CATEGORIES = frozenset({"food"})
EAR99_EXEMPT_CHAPTERS = frozenset({"30"})
EAR99 = "EAR99"

# Routes: the key a filing of the authority would follow (Filing.route on the branches that add it).
ROUTE_UN1718 = "un1718"
ROUTE_OFAC_GL = "ofac_gl"
ROUTE_OFAC_SPECIFIC = "ofac"
ROUTE_BIS = "bis"
ROUTE_EU = "eu"
ROUTE_UK_ECJU = "uk_ecju"
ROUTE_UK_OFSI = "uk_ofsi"

ROUTE_LABELS = {
    ROUTE_UN1718: "Exemption request to the 1718 Committee",
    ROUTE_OFAC_GL: "OFAC general licence for NGOs (report to the State Department)",
    ROUTE_OFAC_SPECIFIC: "OFAC specific licence",
    ROUTE_BIS: "BIS export licence (SNAP-R)",
    ROUTE_EU: "Authorisation by the EU competent authority",
    ROUTE_UK_ECJU: "UK export licence (ECJU, SPIRE)",
    ROUTE_UK_OFSI: "OFSI licence for the payments",
}

# Organization kinds that may rely on OFAC's general licence for NGOs (31 CFR 510.512).
OFAC_GL_KINDS = frozenset({"ngo"})


@dataclass(frozen=True)
class Rule:
    """When every condition holds for the dossier, `authority` is required by `route`.

    goods: which goods trigger it: "any" goods item, "prohibited" (a chapter in PROHIBITED_CHAPTERS),
      "bis" (US-origin and not EAR99 food or medicine), or "us_nexus" (US-origin content or a US person).
    exporter_in / financier_in / organization_in: the supplier's, a bank's or the organization's country must
      be in the set (None: any).
    unless: authority codes whose own proposal makes this one unnecessary.
    reason: plain words; {items} lists the goods that triggered it, {countries} the countries that did.
    First matching rule per authority wins, so the more specific reason comes first."""

    key: str
    authority: str
    route: str
    reason: str
    goods: str = "any"
    exporter_in: frozenset[str] | None = None
    financier_in: frozenset[str] | None = None
    organization_in: frozenset[str] | None = None
    route_by_kind: tuple[tuple[frozenset[str], str], ...] = ()
    unless: tuple[str, ...] = ()


RULES: tuple[Rule, ...] = (
    Rule(
        key="un_prohibited_goods",
        authority="UN1718",
        route=ROUTE_UN1718,
        goods="prohibited",
        reason=(
            "{items} fall under {measures}: banned for the DPRK unless the 1718 Committee exempts them "
            "(resolution 2397 para. 25)."
        ),
    ),
    Rule(
        key="un_any_goods",
        authority="UN1718",
        route=ROUTE_UN1718,
        reason=(
            "Goods go to the DPRK. None is in a banned HS category, but the shipment, its payments and its DPRK "
            "counterparts fall under the 1718 measures; banks, shippers and ports ask for the Committee's exemption."
        ),
    ),
    Rule(
        key="bis_us_origin",
        authority="BIS",
        route=ROUTE_BIS,
        goods="bis",
        reason=(
            "{items} are US-origin ({classifications}): the EAR require a BIS licence for every item going to "
            "the DPRK except EAR99 food and medicine. A BIS licence also covers the OFAC side."
        ),
    ),
    Rule(
        key="ofac_us_nexus",
        authority="OFAC",
        route=ROUTE_OFAC_SPECIFIC,
        goods="us_nexus",
        route_by_kind=((OFAC_GL_KINDS, ROUTE_OFAC_GL),),
        unless=("BIS",),
        reason=("{nexus}: the North Korea Sanctions Regulations apply. {route_words}"),
    ),
    Rule(
        key="eu_exporter",
        authority="EU",
        route=ROUTE_EU,
        goods="prohibited",
        exporter_in=EU_MEMBERS,
        reason=(
            "{items} are exported from {countries}: Regulation 2017/1509 needs the competent authority's "
            "authorisation, which it grants once the 1718 Committee has approved."
        ),
    ),
    Rule(
        key="eu_organization",
        authority="EU",
        route=ROUTE_EU,
        goods="prohibited",
        organization_in=EU_MEMBERS,
        reason=(
            "{items} are supplied by an organization based in {countries}: Regulation 2017/1509 binds EU persons "
            "wherever they act, after the 1718 Committee's approval."
        ),
    ),
    Rule(
        key="uk_exporter",
        authority="UK-ECJU",
        route=ROUTE_UK_ECJU,
        goods="prohibited",
        exporter_in=frozenset({UK}),
        reason=(
            "{items} are exported from the United Kingdom: an export licence from the Export Control Joint "
            "Unit (applied for on SPIRE) is needed for goods the 1718 measures prohibit."
        ),
    ),
    Rule(
        key="uk_financier",
        authority="UK-OFSI",
        route=ROUTE_UK_OFSI,
        financier_in=frozenset({UK}),
        reason=(
            "Payments pass through a bank in the United Kingdom: OFSI licenses the financial side (not the goods)."
        ),
    ),
)

ROUTE_WORDS = {
    ROUTE_OFAC_GL: (
        "As an NGO you may rely on OFAC's general licence (31 CFR 510.512) after reporting to the State "
        "Department at least 30 days before shipping."
    ),
    ROUTE_OFAC_SPECIFIC: "Outside the general licence for NGOs, apply to OFAC for a specific licence.",
}
