"""The set of authorities a dossier needs: what the triage proposes, what the applicant adds, and what the
applicant drops with a written reason. The one writer of `RequiredAuthority` rows, and of
`Application.required_authorities` outside the dossier's own authority choice (services.py), which it keeps equal
to the rows not dropped; cleared-to-ship counts that set.

A required authority (proposed by the triage) leaves the set only with a reason, which the dossier page, the
reviewers' filing page and the API show; one the applicant added leaves it freely.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from . import triage
from .models import Application, Authority, RequiredAuthority, authority_ids, organization_ids
from .triage_rules import ROUTE_LABELS

DROP_REASON_MIN = 20  # a reason a reviewer can weigh, not "n/a"

Source = RequiredAuthority.Source


def facts_of(application: Application) -> triage.Facts:
    """The triage's view of a dossier. Reads items and parties with `.all()` (prefetched rows cost nothing)."""
    organization = application.organization
    return triage.Facts(
        items=tuple(
            triage.ItemFacts(i.description, i.hs_code, i.category, i.us_origin, i.export_classification)
            for i in application.items.all()
        ),
        parties=tuple((p.role, p.country) for p in application.parties.all()),
        organization_country=organization.country,
        organization_kind=organization.kind,
    )


def triage_of(application: Application) -> triage.Triage:
    """The triage as the dossier stands, proposing only authorities this installation knows."""
    return triage.evaluate(facts_of(application), set(Authority.objects.values_list("code", flat=True)))


def ensure_applicant(application: Application, user) -> None:
    """Only the dossier's organization (or an admin) shapes its required set."""
    if not (user.is_superuser or application.organization_id in organization_ids(user)):
        raise PermissionDenied("Only the organization that owns the dossier may change the authorities it needs.")


def _lock(application: Application) -> None:
    """The dossier's row lock (as every write to a dossier takes it), so two changes to the set run one at a
    time; a dossier deleted meanwhile is a message, not a crash."""
    try:
        application.lock_for_update()
    except Application.DoesNotExist as gone:
        raise ValidationError("This dossier was deleted a moment ago.") from gone


def retriage(application: Application) -> triage.Triage:
    """Store what the triage proposes: new proposals join the set (a drop stands, with its reason); an
    authority the triage no longer proposes stays, as if the applicant had added it, until they remove it.
    Runs after every write to the dossier (services.editing) and on request."""
    with transaction.atomic():
        _lock(application)
        result = triage_of(application)
        proposed = {p.authority: p for p in result.proposals}
        rows = {r.authority.code: r for r in application.requirements.select_related("authority")}
        authorities = {a.code: a for a in Authority.objects.filter(code__in=proposed)}
        for code, proposal in proposed.items():
            row = rows.get(code) or RequiredAuthority(application=application, authority=authorities[code])
            row.source, row.route, row.reason, row.rule = Source.TRIAGE, proposal.route, proposal.reason, proposal.rule
            row.save()
            if not row.dropped:
                application.required_authorities.add(row.authority)
        for code, row in rows.items():
            if code not in proposed and row.source == Source.TRIAGE:
                row.source, row.rule = Source.APPLICANT, ""
                row.reason = "No longer proposed by the triage; kept until you remove it."
                if row.dropped:
                    row.delete()  # nothing left to justify
                else:
                    row.save()
        # An authority the applicant unticked in the dossier's own choice (services) has left the set.
        chosen = set(application.required_authorities.values_list("pk", flat=True))
        application.requirements.filter(source=Source.APPLICANT, dropped_at__isnull=True).exclude(
            authority__in=chosen
        ).delete()
    return result


def proposed_route(application: Application, authority: Authority) -> str:
    """The route the triage proposed for filing with `authority` (e.g. OFAC's general licence for an NGO), when
    the authority takes filings by it; empty otherwise."""
    rows = RequiredAuthority.objects.filter(application=application, authority=authority, dropped_at__isnull=True)
    route = rows.values_list("route", flat=True).first() or ""
    return route if route in authority.routes else ""


def add(application: Application, authority: Authority, by) -> RequiredAuthority:
    """The applicant adds an authority to the set (or takes back a drop)."""
    ensure_applicant(application, by)
    with transaction.atomic():
        _lock(application)
        row, created = RequiredAuthority.objects.get_or_create(
            application=application,
            authority=authority,
            defaults={"source": Source.APPLICANT, "reason": "Added by the applicant."},
        )
        if not created and row.dropped:
            row.dropped_at, row.dropped_by, row.drop_reason = None, None, ""
            row.save()
        application.required_authorities.add(authority)
    return row


def drop(application: Application, authority: Authority, by, reason: str = "") -> RequiredAuthority | None:
    """Take `authority` out of the set. One the triage requires needs a written reason (kept, shown to
    reviewers); one the applicant added goes without one. Returns the dropped row, or None when removed."""
    ensure_applicant(application, by)
    reason = (reason or "").strip()
    with transaction.atomic():
        _lock(application)
        row = application.requirements.filter(authority=authority).first()
        if row is not None and row.source == Source.TRIAGE:
            if len(reason) < DROP_REASON_MIN:
                raise ValidationError(
                    {
                        "reason": f"{authority.code} is required by the triage ({row.reason}) Explain in at least "
                        f"{DROP_REASON_MIN} characters why the dossier does not need it; reviewers will read it."
                    }
                )
            row.dropped_at, row.dropped_by, row.drop_reason = timezone.now(), by, reason
            row.save()
        elif row is not None:
            row.delete()
            row = None
        elif not application.required_authorities.filter(pk=authority.pk).exists():
            raise ValidationError({"authority": f"{authority.code} is not among the authorities this dossier needs."})
        application.required_authorities.remove(authority)
    return row


@dataclass(frozen=True)
class Entry:
    """One line of the required set as people read it."""

    authority: Authority
    source: str
    route: str = ""
    reason: str = ""
    drop_reason: str = ""
    dropped_at: object = None

    @property
    def dropped(self) -> bool:
        return self.dropped_at is not None

    @property
    def required(self) -> bool:
        return self.source == Source.TRIAGE

    @property
    def route_label(self) -> str:
        return ROUTE_LABELS.get(self.route, self.route)

    @property
    def source_label(self) -> str:
        return Source(self.source).label


def entries(application: Application) -> list[Entry]:
    """The whole set, dropped entries included, in authority-code order. Reads `requirements` and
    `required_authorities` with `.all()`, so a prefetch of both costs no query per dossier."""
    rows = {r.authority_id: r for r in application.requirements.all()}
    lines = [Entry(r.authority, r.source, r.route, r.reason, r.drop_reason, r.dropped_at) for r in rows.values()]
    # Chosen before the triage existed (or by the dossier's own authority choice): added by the applicant.
    lines += [
        Entry(a, Source.APPLICANT, reason="Chosen by the applicant.")
        for a in application.required_authorities.all()
        if a.pk not in rows
    ]
    return sorted(lines, key=lambda e: e.authority.code)


def entries_visible_to(application: Application, user) -> list[Entry]:
    """The organization sees the whole set. A reviewer sees their own authority's line and every drop with its
    reason (a dropped authority holds no case, so naming it tells nobody of another authority's case)."""
    lines = entries(application)
    if application.seen_whole_by(user):
        return lines
    own = authority_ids(user)
    return [e for e in lines if e.dropped or e.authority.pk in own]
