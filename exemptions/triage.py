"""The triage: which authorities a dossier needs, by which route, and why, from the rules in triage_rules.py.

Pure Python: it reads plain facts (`Facts`), so a test or the demo can ask it without a database, and
`required_set.py` builds the facts from a dossier and stores what it proposes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .triage_rules import (
    DPRK,
    EAR99,
    EAR99_EXEMPT_CATEGORIES,
    EAR99_EXEMPT_CHAPTERS,
    PROHIBITED_CHAPTERS,
    ROUTE_WORDS,
    RULES,
    US,
    Rule,
)

DESTINATION_ROLES = frozenset({"consignee", "end_user"})
EXPORTER_ROLES = frozenset({"supplier"})
FINANCIER_ROLES = frozenset({"bank"})


@dataclass(frozen=True)
class ItemFacts:
    description: str
    hs_code: str = ""
    category: str = "other"
    us_origin: bool = False
    export_classification: str = ""

    @property
    def chapter(self) -> str:
        return self.hs_code[:2]


@dataclass(frozen=True)
class Facts:
    items: tuple[ItemFacts, ...]
    parties: tuple[tuple[str, str], ...]  # (role, country)
    organization_country: str = ""
    organization_kind: str = ""

    def countries(self, roles) -> set[str]:
        return {country for role, country in self.parties if role in roles}

    @property
    def to_dprk(self) -> bool:
        return DPRK in self.countries(DESTINATION_ROLES)

    @property
    def us_persons(self) -> list[str]:
        """Who makes it a US matter besides the goods: US parties, a US-based organization."""
        roles = sorted({role.replace("_", " ") for role, country in self.parties if country == US})
        words = [f"a US {role}" for role in roles]
        if self.organization_country == US:
            words.append("your organization is based in the US")
        return words


@dataclass(frozen=True)
class Proposal:
    authority: str
    route: str
    reason: str
    rule: str


@dataclass
class Triage:
    proposals: list[Proposal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def codes(self) -> list[str]:
        return [p.authority for p in self.proposals]


def _listing(items) -> str:
    names = [i.description + (f" (HS {i.hs_code})" if i.hs_code else "") for i in items]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def needs_bis(item: ItemFacts) -> bool:
    """Subject to the EAR (US-origin) and not EAR99 food or medicine."""
    exempt = item.category in EAR99_EXEMPT_CATEGORIES or item.chapter in EAR99_EXEMPT_CHAPTERS
    return item.us_origin and not (item.export_classification == EAR99 and exempt)


def _goods_that_trigger(rule: Rule, goods: list[ItemFacts], facts: Facts) -> list[ItemFacts] | None:
    """The goods that make `rule` apply (possibly none, for a rule about people), or None when it does not."""
    if rule.goods == "any":
        return goods or None
    if rule.goods == "prohibited":
        return [i for i in goods if i.chapter in PROHIBITED_CHAPTERS] or None
    if rule.goods == "bis":
        return [i for i in goods if needs_bis(i)] or None
    if rule.goods == "us_nexus":
        us_goods = [i for i in goods if i.us_origin]
        return us_goods if (us_goods or facts.us_persons) else None
    raise ValueError(f"unknown goods condition {rule.goods!r}")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _countries_match(wanted, present: set[str]) -> set[str] | None:
    if wanted is None:
        return set()
    hit = present & wanted
    return hit or None


def _reason(rule: Rule, triggered: list[ItemFacts], countries: set[str], facts: Facts, route: str) -> str:
    chapters = sorted({PROHIBITED_CHAPTERS[i.chapter] for i in triggered if i.chapter in PROHIBITED_CHAPTERS})
    nexus = []
    if triggered:
        nexus.append(f"{_listing(triggered)} {'is' if len(triggered) == 1 else 'are'} of US origin")
    nexus += facts.us_persons
    words = {
        "items": _listing(triggered) if triggered else "",
        "measures": " and ".join(chapters),
        "classifications": ", ".join(sorted({i.export_classification or "not classified" for i in triggered})),
        "countries": ", ".join(sorted(countries)),
        "nexus": _sentence("; ".join(nexus)),
        "route_words": ROUTE_WORDS.get(route, ""),
    }
    return rule.reason.format(**words)


def evaluate(facts: Facts, available: set[str] | None = None) -> Triage:
    """Propose the authorities the dossier needs: the first matching rule per authority, in RULES order,
    skipping authorities not in `available` (codes present in the database; None: all) and rules whose
    `unless` authority is proposed."""
    result = Triage()
    goods = [i for i in facts.items if i.hs_code]
    if not facts.to_dprk:
        result.notes.append(
            "Name the consignee or end user in the DPRK (a party with country KP) to see which authorities "
            "this dossier needs."
        )
        return result
    if not goods:
        result.notes.append("No goods are listed yet: add the items (with their HS codes) to see the triage.")
    chosen: dict[str, Proposal] = {}
    for rule in RULES:
        if rule.authority in chosen or (available is not None and rule.authority not in available):
            continue
        triggered = _goods_that_trigger(rule, goods, facts)
        if triggered is None:
            continue
        countries = set()
        for wanted, present in (
            (rule.exporter_in, facts.countries(EXPORTER_ROLES)),
            (rule.financier_in, facts.countries(FINANCIER_ROLES)),
            (rule.organization_in, {facts.organization_country}),
        ):
            hit = _countries_match(wanted, present)
            if hit is None:
                break
            countries |= hit
        else:
            route = next((r for kinds, r in rule.route_by_kind if facts.organization_kind in kinds), rule.route)
            chosen[rule.authority] = Proposal(
                rule.authority, route, _reason(rule, triggered, countries, facts, route), rule.key
            )
    # An authority whose need another proposal covers (OFAC once BIS licenses the export) is left out.
    result.proposals = [p for p in chosen.values() if not any(u in chosen for u in _rule(p.rule).unless)]
    return result


def _rule(key: str) -> Rule:
    return next(r for r in RULES if r.key == key)
