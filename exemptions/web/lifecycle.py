"""Filing a dossier after checking the answers, filing a new request after a denial, a return or an expiry, copying
a dossier into a new draft and deleting a draft that was never filed. Every POST-only address answers a GET (a
reload, a bookmark) with the page it belongs to, never a blank 405."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render

from exemptions import general_licence, lifecycle, prerequisites, services
from exemptions.models import Filing

from .forms import FileWithAuthoritiesForm
from .shortcuts import beneficiary_rows, fileable_authorities, own_application_or_404, own_applications


class CopyForm(forms.Form):
    with_documents = forms.BooleanField(
        required=False,
        label="Copy its documents too",
        help_text="Leave this off when the letters and statements need signing anew for the new request.",
    )


def _follows(application, request) -> Filing | None:
    """The earlier filing a new request follows (?follows=reference), when a new one may follow it."""
    reference = request.POST.get("follows") or request.GET.get("follows")
    if not reference:
        return None
    earlier = application.filings.select_related("authority").filter(reference=reference).first()
    return earlier if earlier is not None and lifecycle.may_file_again(earlier) else None


@login_required
def application_file(request, reference):
    """Check your answers, then file: the dossier as the authorities will receive it, what each chosen authority
    still needs, and one button that files it (a reload shows the page again instead of filing twice)."""
    application = get_dossier(request.user, reference)
    follows = _follows(application, request)
    authorities = fileable_authorities(application)
    if follows is not None:
        authorities = authorities.filter(pk=follows.authority_id)
    data = request.POST if request.method == "POST" else request.GET if "authorities" in request.GET else None
    if data is None and follows is not None:
        data = {"authorities": [follows.authority_id]}
    if request.method == "GET" and data is not None:
        data = data.copy()  # a notification's UN basis starts from the dossier's own UN 1718 filings
        for name, value in general_licence.un_basis_of(application).items():
            data.setdefault(name, value)
    form = FileWithAuthoritiesForm(data, authorities=authorities)
    if request.method == "POST" and form.is_valid():
        chosen = list(form.cleaned_data["authorities"])
        try:
            filed = [lifecycle.file_again(follows, request.user)] if follows else None
            filed = filed or services.file_with(
                application,
                chosen,
                request.user,
                channel=form.channel(),
                route=form.route(),
                notification=form.notification(),
            )
        except ValidationError as error:
            for field, field_messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, field_messages)
        else:
            names = ", ".join(f"{f.authority.code} ({f.reference})" for f in filed if f.submitted_at)
            if names:
                messages.success(
                    request,
                    f"Filed with {names}. The dossier is now frozen as sent; each filing shows the authority's "
                    "target date, and we email you when they need something from you.",
                )
            for waiting in (f for f in filed if not f.submitted_at):  # e.g. EU: after the UN 1718 approval
                reasons = " ".join(w.sentence() for w in prerequisites.waiting_on(waiting))
                messages.warning(request, f"{reasons} It is kept as a draft; we email you when it can be filed.")
            return redirect("application_detail", application.reference)
    chosen = list(form.cleaned_data["authorities"]) if form.is_bound and form.is_valid() else []
    context = {
        "application": application,
        "form": form,
        "follows": follows,
        "checks": [(a, application.missing_elements(a.procedure.required_elements)) for a in chosen],
        "items": application.items.all(),
        "parties": application.parties.all(),
        "beneficiaries": beneficiary_rows(application),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "exemptions/application_check.html", context, status=status)


def get_dossier(user, reference):
    filings = Filing.objects.select_related("authority").order_by("authority__code", "id")
    queryset = (
        own_applications(user)
        .select_related("organization")
        .prefetch_related(Prefetch("filings", queryset=filings), "documents")
    )
    return get_object_or_404(queryset, reference=reference)


@login_required
def application_copy(request, reference):
    application = own_application_or_404(request.user, reference)
    if request.method != "POST":
        return redirect("application_detail", application.reference)
    form = CopyForm(request.POST)
    form.is_valid()  # one optional box: anything but "on" reads as off
    copy = lifecycle.copy_application(
        application, request.user, with_documents=bool(form.cleaned_data.get("with_documents"))
    )
    messages.success(
        request,
        f"Copied {application.reference} into a new draft, {copy.reference}. Check each section, then file it "
        "when it is ready.",
    )
    return redirect("application_detail", copy.reference)


@login_required
def application_delete(request, reference):
    application = own_application_or_404(request.user, reference)
    if request.method != "POST":
        return redirect("application_detail", application.reference)
    try:
        lifecycle.delete_draft(application)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("application_detail", application.reference)
    messages.success(request, f"Draft {reference} deleted.")
    return redirect("home")
