"""The order in which a dossier's filings may be filed. A procedure that declares `requires_approval_from` (EU:
Council Regulation (EU) 2017/1509 lets a competent authority authorise only once the 1718 Committee has approved)
is filed only when a filing of the same dossier under each of those procedures is approved and still valid.

engine.apply() refuses the filing otherwise (`check`), so every face refuses alike; the filing pages, the API,
cleared-to-ship and the ready-to-file email read the same answers (`waits`, `waiting_on`, `needed_by`,
`released_by`). Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from . import procedures as p
from .models import Filing


@dataclass(frozen=True)
class Wait:
    """One approval a filing needs before it is filed: the procedure's, and the dossier's filing under it."""

    waiting: Filing
    procedure: p.Procedure
    on: Filing | None  # the dossier's filing under that procedure (an approved one first), None if there is none
    approved: bool

    def sentence(self) -> str:
        """Why the filing may not be filed yet, naming the filing it waits on, as the applicant reads it."""
        basis = f" ({self.waiting.procedure.requirement_basis})" if self.waiting.procedure.requirement_basis else ""
        if self.on is None:
            return (
                f"{self.waiting.reference} cannot be filed yet: it needs an approved {self.procedure.name} for this "
                f"dossier, and none has been requested. File that request first{basis}."
            )
        return (
            f"{self.waiting.reference} cannot be filed before {self.on.reference} ({self.on.authority.code}) is "
            f"approved (its status now: {self.on.state.applicant_label}){basis}."
        )


def siblings_of(filing: Filing) -> list[Filing]:
    return list(Filing.objects.filter(application_id=filing.application_id).select_related("authority"))


def is_approved(filing: Filing, today: dt.date) -> bool:
    return filing.state.grants_validity and (filing.valid_until_on is None or filing.valid_until_on >= today)


def waits(filing: Filing, siblings: list[Filing] | None = None, today: dt.date | None = None) -> list[Wait]:
    """Every approval the filing's procedure needs before filing, met or not (empty for most procedures)."""
    keys = filing.procedure.requires_approval_from
    if not keys:
        return []
    today = today or timezone.localdate()
    siblings = siblings_of(filing) if siblings is None else siblings
    found = []
    for key in keys:
        theirs = [f for f in siblings if f.pk != filing.pk and f.authority.workflow_key == key]
        # An approval in force first, then the newest request: the one the applicant is waiting on.
        best = max(theirs, key=lambda f: (is_approved(f, today), f.created_at, f.pk), default=None)
        approved = best is not None and is_approved(best, today)
        found.append(Wait(filing, p.procedure_for(key), best, approved))
    return found


def waiting_on(filing: Filing, siblings: list[Filing] | None = None, today: dt.date | None = None) -> list[Wait]:
    """The approvals still missing before a draft may be filed; nothing once it is filed."""
    if not filing.state.initial:
        return []
    return [w for w in waits(filing, siblings, today) if not w.approved]


def needed_by(filing: Filing, siblings: list[Filing] | None = None) -> list[Filing]:
    """The dossier's filings whose procedure needs this filing's procedure to approve first."""
    key = filing.procedure.key
    siblings = siblings_of(filing) if siblings is None else siblings
    return [f for f in siblings if f.pk != filing.pk and key in f.procedure.requires_approval_from]


def released_by(filing: Filing, siblings: list[Filing] | None = None, today: dt.date | None = None) -> list[Filing]:
    """Drafts that needed this filing's approval and, with it, wait on nothing more: ready to be filed."""
    siblings = siblings_of(filing) if siblings is None else siblings
    return [f for f in needed_by(filing, siblings) if f.state.initial and not waiting_on(f, siblings, today)]


def check(filing: Filing, transition: p.Transition) -> str:
    """The refusal of a transition that files the dossier (its SNAPSHOT_DOSSIER effect) while an approval it needs
    is missing, as one sentence per missing approval; "" when nothing stops it."""
    if p.SNAPSHOT_DOSSIER not in transition.effects:
        return ""
    return " ".join(w.sentence() for w in waiting_on(filing))


def filing_order(filing: Filing, siblings: list[Filing], visible: set[int]) -> dict:
    """The order as the filing's page and the API show it: the approvals it is filed after, the filings that wait on
    its approval, and (while it is a draft) why it cannot be filed yet. `visible` holds the ids of the filings the
    reader may open: another authority's case is named by its authority alone."""
    return {
        "files_after": [
            {
                "procedure": w.procedure.key,
                "procedure_name": w.procedure.name,
                "authority": w.on.authority.code if w.on else None,
                "reference": w.on.reference if w.on and w.on.pk in visible else None,
                "in_force": w.approved,
            }
            for w in waits(filing, siblings)
        ],
        "basis": filing.procedure.requirement_basis,
        "needed_by": [
            {"authority": f.authority.code, "reference": f.reference, "waiting": bool(waiting_on(f, siblings))}
            for f in needed_by(filing, siblings)
            if f.pk in visible
        ],
        "waiting_on": [w.sentence() for w in waiting_on(filing, siblings)],
    }
