"""Why requests are refused, in categories a reader can compare across authorities. The reasons are free text
(the decision letter's words, `Filing.decision_reasons`); this table is the one place that sorts them: the first
category with a phrase found in the reasons (case-insensitive) is the case's, else OTHER."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReasonCategory:
    key: str
    label: str
    phrases: tuple[str, ...]


REASON_CATEGORIES = (
    ReasonCategory(
        "listed_party",
        "A listed or sanctioned party",
        ("sanctioned", "designated", "listed party", "sanctions list", "screening hit", "asset freeze"),
    ),
    ReasonCategory(
        "end_use",
        "End use or end users not shown",
        ("end use", "end-use", "end user", "end-user", "diversion", "beneficiar", "distribution plan"),
    ),
    ReasonCategory(
        "dual_use",
        "Dual-use or prohibited items",
        ("dual-use", "dual use", "military", "prohibited item", "specification", "technical data"),
    ),
    ReasonCategory(
        "incomplete",
        "Incomplete request or missing documents",
        ("incomplete", "missing", "not provided", "not attached", "no document", "required document", "unsigned"),
    ),
    ReasonCategory(
        "quantity",
        "Quantities or value out of proportion",
        ("quantity", "quantities", "excessive", "out of proportion", "value of"),
    ),
    ReasonCategory(
        "not_humanitarian",
        "Outside the humanitarian exemption",
        ("not humanitarian", "commercial", "outside the scope", "out of scope", "not covered"),
    ),
)
OTHER = ReasonCategory("other", "Other or not stated", ())
CATEGORIES = (*REASON_CATEGORIES, OTHER)


def categorize(reasons: str) -> ReasonCategory:
    text = " ".join((reasons or "").lower().split())
    return next((c for c in REASON_CATEGORIES if any(phrase in text for phrase in c.phrases)), OTHER)
