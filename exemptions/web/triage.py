"""The dossier's required authorities on its page: run the triage again, add an authority, drop one (with a
written reason when the triage requires it). Writes go through required_set.py; errors come back as messages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from exemptions import required_set
from exemptions.models import Authority

from .shortcuts import own_application_or_404


def triage_context(application) -> dict:
    """The dossier page's triage section: the required set as it stands, the triage's notes, and the
    authorities the applicant may still add."""
    lines = required_set.entries(application)
    counted = {e.authority.pk for e in lines if not e.dropped}
    return {
        "triage_entries": lines,
        "triage_notes": required_set.triage_of(application).notes,
        "addable_authorities": [a for a in Authority.objects.order_by("code") if a.pk not in counted],
    }


def _back(application):
    return redirect(reverse("application_detail", args=[application.reference]) + "#triage")


def _error_text(error: ValidationError) -> str:
    return " ".join(m for ms in getattr(error, "message_dict", {"": error.messages}).values() for m in ms)


@login_required
@require_POST
def application_retriage(request, reference):
    application = own_application_or_404(request.user, reference)
    required_set.ensure_applicant(application, request.user)
    result = required_set.retriage(application)
    codes = ", ".join(result.codes()) or "none"
    messages.success(request, f"Triage run again: it proposes {codes}.")
    return _back(application)


@login_required
@require_POST
def authority_add(request, reference):
    application = own_application_or_404(request.user, reference)
    authority = Authority.objects.filter(code=request.POST.get("authority", "")).first()
    if authority is None:
        messages.error(request, "Choose an authority to add.")
        return _back(application)
    required_set.add(application, authority, request.user)
    messages.success(request, f"{authority.code} added to the authorities this dossier needs.")
    return _back(application)


@login_required
@require_POST
def authority_drop(request, reference, code):
    application = own_application_or_404(request.user, reference)
    authority = get_object_or_404(Authority, code=code)
    try:
        row = required_set.drop(application, authority, request.user, request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, f"{authority.code} was not dropped: {_error_text(error)}")
        return _back(application)
    if row is None:
        messages.success(request, f"{authority.code} removed from the authorities this dossier needs.")
    else:
        messages.success(request, f"{authority.code} dropped; reviewers will see your reason.")
    return _back(application)
