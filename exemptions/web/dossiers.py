"""The applicant's side: home, a new dossier, its overview, the section-by-section editor, and filing it with
authorities. Views stay thin: writes go through services.py, and a dossier is editable only while
services.ensure_editable() allows."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from exemptions import clearance, procedures, services
from exemptions.models import (
    Filing,
    Item,
    Organization,
    Party,
    authority_ids,
    filings_with_unread_messages,
    organization_ids,
)
from exemptions.screening.runs import latest_draft_run

from .forms import (
    BasicsForm,
    BeneficiariesForm,
    DocumentForm,
    FileWithAuthoritiesForm,
    ItemForm,
    MonitoringForm,
    NewApplicationForm,
    PartyForm,
    ShipmentForm,
    row_formset,
)
from .shortcuts import (
    beneficiary_rows,
    fileable_authorities,
    own_application_or_404,
    own_applications,
    page_of,
    refileable,
)
from .triage import triage_context

DOCUMENT_ID_RE = re.compile(r"[0-9]{1,18}")  # a primary key, as the page's remove buttons send it
WAITING_ON_APPLICANT = sorted(
    {s.name for wf in procedures.PROCEDURES.values() for s in wf.states if s.waits_on_applicant}
)


@login_required
def home(request):
    """Applicants land on their organization's cases; authority members on their queue."""
    user = request.user
    if not organization_ids(user) and (authority_ids(user) or user.is_superuser):
        return redirect("review_queue")
    applications = (
        own_applications(user)
        .select_related("organization")
        .prefetch_related(
            "required_authorities",
            Prefetch(
                "filings",
                queryset=Filing.objects.select_related("authority")
                .order_by("authority__code", "id")
                .prefetch_related(clearance.BLOCKING_HITS),
            ),
        )
        .order_by("-updated_at", "-id")
    )
    page = page_of(request, applications, size=20)
    rows = [
        (application, application.filings_visible_to(user), clearance.cleared_to_ship(application))
        for application in page
    ]
    needs_action = (
        Filing.objects.filter(application__in=own_applications(user), status__in=WAITING_ON_APPLICANT)
        .with_related()
        .by_deadline()[:10]
    )
    unread = filings_with_unread_messages(user, [filing.pk for _, filings, _ in rows for filing in filings])
    context = {"page": page, "rows": rows, "needs_action": needs_action, "unread": unread}
    return render(request, "exemptions/home.html", context)


@login_required
def application_new(request):
    user = request.user
    organizations = (
        Organization.objects.all() if user.is_superuser else Organization.objects.filter(pk__in=organization_ids(user))
    )
    if not organizations:
        raise Http404("Only members of an aid organization can start an application.")
    form = NewApplicationForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        try:
            application = services.create_application(form.cleaned_data["organization"], user, **changes)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Draft {application.reference} created. Continue with the next section.")
            return redirect("application_edit", application.reference, SECTION_AFTER["basics"])
    return render(request, "exemptions/application_new.html", {"form": form})


@login_required
def application_detail(request, reference):
    filings = (
        Filing.objects.select_related("authority", "assigned_to")
        .order_by("authority__code", "id")
        .prefetch_related(clearance.BLOCKING_HITS)
    )
    application = get_object_or_404(
        own_applications(request.user)
        .select_related("organization")
        .prefetch_related(
            "required_authorities",
            "requirements__authority",
            Prefetch("filings", queryset=filings),
            "documents",
            "items",
            "parties",
        ),
        reference=reference,
    )
    filed = {f.authority_id for f in application.filings.all()}
    context = {
        "application": application,
        "filings": application.filings_visible_to(request.user),
        "clearance": clearance.cleared_to_ship(application),
        "screening_run": latest_draft_run(application),
        "missing": application.missing_elements(),
        "locked": application.is_locked,
        "sections": SECTIONS,
        # The required set not yet filed with comes ticked: filing with them is what clears the shipment.
        "file_form": FileWithAuthoritiesForm(
            authorities=fileable_authorities(application),
            initial={"authorities": [a.pk for a in application.required_authorities.all() if a.pk not in filed]},
        ),
        "refileable": refileable(application),
        "never_filed": not application.is_locked and all(f.submitted_at is None for f in application.filings.all()),
        "items": application.items.all(),
        "parties": application.parties.all(),
        "beneficiaries": beneficiary_rows(application),
        **triage_context(application),
    }
    return render(request, "exemptions/application_detail.html", context)


# The dossier editor: one page per section, each saving the draft on its own.
SECTIONS = [
    ("basics", "Basics"),
    ("beneficiaries", "Beneficiaries and destinations"),
    ("items", "Items"),
    ("parties", "Parties"),
    ("shipment", "Shipment window and route"),
    ("monitoring", "Monitoring and finance"),
    ("documents", "Documents"),
]
SECTION_AFTER = {a: b for (a, _), (b, _) in zip(SECTIONS, SECTIONS[1:], strict=False)}
SECTION_FORMS = {
    "basics": BasicsForm,
    "beneficiaries": BeneficiariesForm,
    "shipment": ShipmentForm,
    "monitoring": MonitoringForm,
}
ROW_SECTIONS = {
    # section: (model, form, related name, services to add, update and remove a row)
    "items": (Item, ItemForm, "items", services.add_item, services.update_item, services.remove_item),
    "parties": (Party, PartyForm, "parties", services.add_party, services.update_party, services.remove_party),
}
MAX_BLANK_ROWS = 10


@login_required
def application_edit(request, reference, section):
    application = own_application_or_404(request.user, reference)
    if section not in dict(SECTIONS):
        raise Http404("No such section.")
    try:
        services.ensure_editable(application)
    except services.DossierLocked as error:
        messages.error(request, error.message)
        return redirect("application_detail", application.reference)
    if section in SECTION_FORMS:
        response, context = _edit_fields(request, application, section)
    elif section in ROW_SECTIONS:
        response, context = _edit_rows(request, application, section)
    else:
        response, context = _edit_documents(request, application)
    if response:
        return response
    context.update(
        application=application,
        section=section,
        section_title=dict(SECTIONS)[section],
        sections=SECTIONS,
        next_section=SECTION_AFTER.get(section),
        missing=application.missing_elements(),
    )
    template = "edit_form" if section in SECTION_FORMS else "edit_rows" if section in ROW_SECTIONS else "edit_documents"
    status = 400 if request.method == "POST" else 200
    return render(request, f"exemptions/{template}.html", context, status=status)


def _after_save(request, application, section):
    messages.success(request, "Draft saved.")
    if "save_next" not in request.POST:
        return redirect("application_edit", application.reference, section)
    if section in SECTION_AFTER:
        url = reverse("application_edit", args=[application.reference, SECTION_AFTER[section]])
    else:
        url = reverse("application_detail", args=[application.reference])
    # An htmx request swaps one section in place; moving to another page must be a real navigation.
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _edit_fields(request, application, section):
    form = SECTION_FORMS[section](request.POST or None, instance=application)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_application(application, request.user, **form.changes())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _after_save(request, application, section), None
    return None, {"form": form}


def _edit_rows(request, application, section):
    model, form_class, related, add, update, remove = ROW_SECTIONS[section]
    queryset = getattr(application, related).all()
    try:
        blank_rows = min(max(int(request.GET.get("blank", 0 if queryset.exists() else 1)), 0), MAX_BLANK_ROWS)
    except ValueError:
        blank_rows = 1
    formset_class = row_formset(model, form_class, extra=blank_rows)
    if request.method != "POST":
        return None, {"formset": formset_class(queryset=queryset, prefix=section)}
    data = request.POST.copy()
    removed = data.get("remove_row", "")
    if removed.startswith(f"{section}-"):
        data[f"{removed}-DELETE"] = "on"
    formset = formset_class(data, queryset=queryset, prefix=section)
    if not formset.is_valid():
        return None, {"formset": formset}
    try:
        with transaction.atomic():
            for form in formset.forms:
                fields = {name: form.cleaned_data.get(name) for name in form_class._meta.fields}
                if form in formset.deleted_forms:
                    if form.instance.pk:
                        remove(form.instance)
                elif form.instance.pk and form.has_changed():
                    update(form.instance, **fields)
                elif not form.instance.pk and form.has_changed():
                    add(application, **fields)
    except ValidationError as error:
        formset._non_form_errors = formset.error_class(error.messages)
        return None, {"formset": formset}
    if "add_row" in data:
        blank = sum(
            1 for f in formset.forms if not f.instance.pk and not f.has_changed() and f not in formset.deleted_forms
        )
        messages.success(request, "Draft saved. A new row was added.")
        url = reverse("application_edit", args=[application.reference, section])
        return redirect(f"{url}?blank={blank + 1}#row-new"), None
    if removed:
        messages.success(request, "Row removed. Draft saved.")
        return redirect("application_edit", application.reference, section), None
    return _after_save(request, application, section), None


def _edit_documents(request, application):
    kinds = services.attachable_kinds(request.user)
    form = DocumentForm(kinds=kinds)
    if request.method == "POST" and "remove_document" in request.POST:
        document_id = request.POST["remove_document"]
        if not DOCUMENT_ID_RE.fullmatch(document_id):
            raise BadRequest("Choose a document of this dossier to remove.")
        document = get_object_or_404(application.documents, pk=document_id)
        services.remove_document(document)
        messages.success(request, f"Removed {document.original_name}.")
        return redirect("application_edit", application.reference, "documents"), None
    if request.method == "POST":
        form = DocumentForm(request.POST, request.FILES, kinds=kinds)
        if form.is_valid():
            try:
                document = services.attach_document(
                    by=request.user,
                    uploaded_file=form.cleaned_data["file"],
                    kind=form.cleaned_data["kind"],
                    application=application,
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("file", message)
            else:
                messages.success(request, f"Uploaded {document.original_name}.")
                return redirect("application_edit", application.reference, "documents"), None
    return None, {"form": form, "documents": application.documents.all()}
