"""Party screening on the web: a filing's hits with a reviewer's verdict form on each, a dossier's latest
screening, and screening a draft on demand. Verdicts post to the filing's action URL like any action (the
engine records them); this module only lays the results out."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from exemptions import procedures, visibility
from exemptions.models import ScreeningHit
from exemptions.screening import runs

from .shortcuts import own_application_or_404


def is_disposition(transition) -> bool:
    return procedures.RECORD_DISPOSITION in transition.effects


def filing_screening(filing, actions, user, bound_form=None) -> dict:
    """What the filing page shows of screening: the runs, the hits by party, and whether the viewer may rule."""
    dispose = next((t for t in actions if is_disposition(t)), None)
    hits = list(runs.filing_hits(filing))
    return {
        "runs": list(filing.screening_runs.prefetch_related("list_versions")),
        "hits": hits,
        "open": sum(1 for h in hits if not h.disposition),
        "confirmed": sum(1 for h in hits if h.disposition == ScreeningHit.Disposition.CONFIRMED),
        "dispose": dispose,
        "internal": visibility.reads_internal(user, filing),  # a verdict's reason is the authority's own
        "verdicts": ScreeningHit.Disposition.choices,
        "form": bound_form if bound_form is not None and is_disposition(bound_form.transition) else None,
    }


@login_required
@require_POST
def application_screen(request, reference):
    """Screen the dossier's parties now, against the lists as loaded (a draft may still change)."""
    application = own_application_or_404(request.user, reference)
    run = runs.screen_draft(application, request.user)
    found = run.hits.count()
    if found:
        messages.warning(request, f"Screening found {found} possible match{'es' * (found != 1)}: see below.")
    else:
        messages.success(request, "Screening found no match on the sanctions lists loaded.")
    return redirect(reverse("application_detail", args=[application.reference]) + "#screening")
