"""Web UI. Views stay thin: reads go through `visible_to(user)` querysets, writes through services.py and
engine.apply(), and the action buttons come from engine.available_actions(). A case the user may not
see is a 404, never a 403, so nobody learns that it exists."""

import datetime as dt
import statistics

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import TruncWeek
from django.forms import modelformset_factory
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from . import clearance, engine, procedures, services
from .filters import FilingQueueFilter
from .forms import (
    ActionForm,
    BasicsForm,
    BeneficiariesForm,
    DocumentForm,
    FileWithAuthoritiesForm,
    ItemForm,
    MessageForm,
    MonitoringForm,
    NewApplicationForm,
    PartyForm,
    ShipmentForm,
    reviewers_of,
)
from .models import (
    BENEFICIARY_CATEGORIES,
    Application,
    Authority,
    Document,
    Filing,
    FilingView,
    Item,
    Organization,
    Party,
    Role,
    authority_ids,
    organization_ids,
)
from .pagination import PAGE_SIZE, Cursor, InvalidCursor, deadline_page, page_size
from .reminder_schedule import DEADLINE_WORDING

ALL_STATES = [s for wf in procedures.PROCEDURES.values() for s in wf.states]
WAITING_ON_APPLICANT = sorted({s.name for s in ALL_STATES if s.waits_on_applicant})
IN_FORCE = sorted({s.name for s in ALL_STATES if s.grants_validity})
TERMINAL = sorted({s.name for s in ALL_STATES if s.terminal})


# --- who is who ---------------------------------------------------------------------------------


def own_applications(user):
    """Dossiers of the user's organizations. Reviewers see a dossier only as filed (the filing's snapshot)."""
    if user.is_superuser:
        return Application.objects.all()
    return Application.objects.filter(organization_id__in=organization_ids(user))


def own_application_or_404(user, reference) -> Application:
    return get_object_or_404(own_applications(user).select_related("organization"), reference=reference)


def visible_filing_or_404(user, reference) -> Filing:
    return get_object_or_404(Filing.objects.visible_to(user).with_related(), reference=reference)


def page_of(request, queryset, size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def safe_next(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


# --- applicant ----------------------------------------------------------------------------------


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
            Prefetch("filings", queryset=Filing.objects.select_related("authority").order_by("authority__code", "id")),
        )
        .order_by("-updated_at", "-id")
    )
    page = page_of(request, applications, size=20)
    rows = [(application, clearance.cleared_to_ship(application)) for application in page]
    needs_action = (
        Filing.objects.filter(application__in=own_applications(user), status__in=WAITING_ON_APPLICANT)
        .with_related()
        .by_deadline()[:10]
    )
    return render(request, "exemptions/home.html", {"page": page, "rows": rows, "needs_action": needs_action})


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
def application_detail(request, reference, file_form=None):
    filings = Filing.objects.select_related("authority", "assigned_to").order_by("authority__code", "id")
    application = get_object_or_404(
        own_applications(request.user)
        .select_related("organization")
        .prefetch_related("required_authorities", Prefetch("filings", queryset=filings), "documents"),
        reference=reference,
    )
    locked = application.filings.exclude(status="draft").exists()
    context = {
        "application": application,
        "clearance": clearance.cleared_to_ship(application),
        "missing": application.missing_elements(),
        "locked": locked,
        "sections": SECTIONS,
        "file_form": file_form or FileWithAuthoritiesForm(authorities=fileable_authorities(application)),
        "items": application.items.all(),
        "parties": application.parties.all(),
        "beneficiaries": [(BENEFICIARY_CATEGORIES[k], n) for k, n in (application.beneficiaries or {}).items()],
    }
    return render(request, "exemptions/application_detail.html", context, status=400 if file_form else 200)


def fileable_authorities(application):
    """Authorities the dossier may be filed with now: none with a request still pending."""
    pending = [
        f.authority_id
        for f in application.filings.select_related("authority")
        if f.status in f.authority.procedure.pending_states
    ]
    return Authority.objects.exclude(pk__in=pending)


@login_required
@require_POST
def application_file(request, reference):
    application = own_application_or_404(request.user, reference)
    form = FileWithAuthoritiesForm(request.POST, authorities=fileable_authorities(application))
    if form.is_valid():
        authorities = list(form.cleaned_data["authorities"])
        try:
            filings = services.file_with(application, authorities, request.user)
        except ValidationError as error:
            form.add_error(None, [m for messages_ in error.message_dict.values() for m in messages_])
        else:
            references = ", ".join(f.reference for f in filings)
            messages.success(request, f"Filed with {', '.join(a.code for a in authorities)}: {references}.")
            return redirect("application_detail", application.reference)
    return application_detail(request, reference, file_form=form)


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
    formset_class = modelformset_factory(model, form=form_class, extra=blank_rows, can_delete=True, max_num=200)
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
    form = DocumentForm()
    if request.method == "POST" and "remove_document" in request.POST:
        document = get_object_or_404(application.documents, pk=request.POST.get("remove_document") or 0)
        services.remove_document(document)
        messages.success(request, f"Removed {document.original_name}.")
        return redirect("application_edit", application.reference, "documents"), None
    if request.method == "POST":
        form = DocumentForm(request.POST, request.FILES)
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


# --- filings ------------------------------------------------------------------------------------


def filing_context(request, filing, bound_form=None, message_form=None):
    user = request.user
    roles = engine.roles_for(user, filing)
    as_authority = bool(roles & procedures.AUTHORITY_ROLES)
    actions = engine.available_actions(filing, user)
    reviewers = None
    if any(f.kind == "reviewer" for t in actions for f in t.payload):
        reviewers = reviewers_of(filing.authority)
    action_forms = [
        bound_form
        if bound_form is not None and bound_form.transition.name == t.name
        else ActionForm(t, filing, reviewers=reviewers)
        for t in actions
    ]
    wf = filing.procedure
    labels = {t.name: t.label for t in wf.transitions}
    state_label = (lambda s: wf.state(s).staff_label) if as_authority else (lambda s: wf.state(s).applicant_label)
    events = [
        {"event": e, "label": labels.get(e.action, e.action), "to_label": state_label(e.to_status)}
        for e in filing.events.all()
    ]
    documents = [*filing.application.documents.all(), *filing.documents.all()]
    return {
        "filing": filing,
        "application": filing.application,
        "status_label": state_label(filing.status),
        "deadline_label": DEADLINE_WORDING[filing.state.deadline.kind].label if filing.state.deadline else "Deadline",
        "as_authority": as_authority,
        "as_applicant": procedures.APPLICANT in roles,
        "action_forms": action_forms,
        "events": events,
        "thread": filing.messages.select_related("author"),
        "message_form": message_form or MessageForm(),
        "can_write": bool(roles - {engine.SYSTEM}),
        "documents": documents,
        "snapshot": snapshot_for_display(filing.snapshot),
        # Authority staff see who has opened the case file (the access log).
        "recent_views": services.recent_views(filing, 20) if procedures.STAFF in roles else None,
    }


def snapshot_for_display(snapshot):
    if not snapshot:
        return None
    categories, roles = dict(Item.Category.choices), dict(Party.PartyRole.choices)
    return {
        **snapshot,
        "beneficiary_rows": [
            (BENEFICIARY_CATEGORIES.get(k, k), n) for k, n in (snapshot.get("beneficiaries") or {}).items()
        ],
        "items": [
            {**i, "category_label": categories.get(i.get("category"), i.get("category"))}
            for i in snapshot.get("items", [])
        ],
        "parties": [{**p, "role_label": roles.get(p.get("role"), p.get("role"))} for p in snapshot.get("parties", [])],
    }


@login_required
def filing_detail(request, reference):
    filing = visible_filing_or_404(request.user, reference)
    services.record_view(filing, request.user, FilingView.Channel.WEB)
    return render(request, "exemptions/filing_detail.html", filing_context(request, filing))


@login_required
@require_POST
def filing_action(request, reference, action):
    filing = visible_filing_or_404(request.user, reference)
    here = reverse("filing_detail", args=[filing.reference])
    try:
        transition = engine.available_action(filing, request.user, action)
    except engine.UnknownAction as error:
        raise Http404("No such action.") from error
    except engine.ActionNotAllowed as error:
        raise PermissionDenied("Your role does not allow this action.") from error
    except engine.Conflict as error:
        messages.error(request, f"{error} Check its current state below.")
        return redirect(here)
    form = ActionForm(transition, filing, request.POST, request.FILES)
    if form.is_valid():
        note = form.cleaned_data.get("note") or ""
        try:
            services.run_action(
                filing,
                transition.name,
                request.user,
                note,
                files=form.files_by_field(),
                expected_version=form.cleaned_data["version"],
                **form.payload(),
            )
        except engine.Conflict as error:
            messages.error(request, f"{error} Nothing was changed.")
            return redirect(here)
        except engine.ActionNotAllowed as error:
            raise PermissionDenied(str(error)) from error
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, f"{transition.label}: done. {filing.reference} is now {filing.state.staff_label.lower()}."
            )
            return redirect(safe_next(request, here))
    filing.refresh_from_db()
    context = filing_context(request, filing, bound_form=form)
    return render(request, "exemptions/filing_detail.html", context, status=400)


def add_errors(form, error: ValidationError):
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, field_messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)


@login_required
@require_POST
def filing_message(request, reference):
    filing = visible_filing_or_404(request.user, reference)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.post_message(filing, request.user, form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error("body", error.messages)
        else:
            form = None
            if not request.htmx:
                messages.success(request, "Message sent.")
                return redirect("filing_detail", filing.reference)
    context = filing_context(request, filing, message_form=form)
    if request.htmx:
        return render(request, "exemptions/_thread.html", context, status=400 if form else 200)
    return render(request, "exemptions/filing_detail.html", context, status=400)


@login_required
def document_download(request, pk):
    document = get_object_or_404(Document.objects.select_related("application", "filing"), pk=pk)
    if document.filing_id:
        allowed = Filing.objects.visible_to(request.user).filter(pk=document.filing_id).exists()
    else:
        allowed = own_applications(request.user).filter(pk=document.application_id).exists() or (
            Filing.objects.visible_to(request.user)
            .filter(application_id=document.application_id, submitted_at__isnull=False)
            .exists()
        )
    if not allowed:
        raise Http404("No such document.")
    try:
        handle = services.open_document(document)
    except services.StoredFileMissing as error:
        raise Http404(str(error)) from error
    return FileResponse(handle, as_attachment=True, filename=document.original_name)


# --- authorities --------------------------------------------------------------------------------


def queue_authorities(user):
    if user.is_superuser:
        return Authority.objects.all()
    return Authority.objects.filter(pk__in=authority_ids(user))


@login_required
def review_queue(request):
    authorities = list(queue_authorities(request.user))
    if not authorities:
        raise Http404("The review queue is for members of an authority.")
    filings = Filing.objects.visible_to(request.user).filter(authority__in=authorities, submitted_at__isnull=False)
    queue = FilingQueueFilter(request.GET, queryset=filings.for_listing(), request=request, authorities=authorities)
    rows = queue.qs
    cursor, cursor_error = None, None
    if request.GET.get("cursor"):
        try:
            cursor = Cursor.decode(request.GET["cursor"])
        except InvalidCursor as error:
            cursor_error = str(error)
    descending = queue.form.cleaned_data.get("sort") == "-due" if queue.is_valid() else False
    page = deadline_page(rows, cursor, page_size(request.GET.get("page_size")), descending)
    context = {
        "filter": queue,
        "page": page,
        "cursor_error": cursor_error,
        "now": timezone.now(),
        "multiple_authorities": len(authorities) > 1,
    }
    template = "exemptions/_queue_results.html" if request.htmx else "exemptions/review_queue.html"
    return render(request, template, context)


def staff_authorities(user):
    if user.is_superuser:
        return Authority.objects.all()
    return Authority.objects.filter(pk__in=authority_ids(user, {Role.STAFF}))


@login_required
def staff_dashboard(request, code=None):
    authorities = list(staff_authorities(request.user))
    authority = next((a for a in authorities if code is None or a.code == code), None)
    if authority is None:
        raise Http404("The dashboard is for authority staff.")
    now = timezone.now()
    wf = authority.procedure
    filings = Filing.objects.filter(authority=authority, submitted_at__isnull=False)
    counted = dict(filings.values_list("status").annotate(n=Count("id")).order_by())
    counts = [(s, counted.get(s.name, 0)) for s in wf.states if s.name != "draft"]
    overdue = filings.overdue(now).exclude(status__in=TERMINAL).with_related().order_by("due_at")[:25]
    decided = filings.filter(decided_at__gte=now - dt.timedelta(days=90)).values_list(
        "submitted_at", "decided_at", "applicant_wait_seconds"
    )
    durations = [((d - s).total_seconds() - wait) / 86400 for s, d, wait in decided]
    reviewers = reviewers_of(authority)

    def with_forms(queryset, action):
        rows = []
        for filing in queryset.with_related()[:25]:
            transition = next((t for t in engine.available_actions(filing, request.user) if t.name == action), None)
            rows.append((filing, ActionForm(transition, filing, reviewers=reviewers) if transition else None))
        return rows

    context = {
        "authority": authority,
        "authorities": authorities,
        "counts": counts,
        "open_total": sum(n for s, n in counts if not s.terminal),
        "overdue": overdue,
        "median_days": round(statistics.median(durations), 1) if durations else None,
        "decided_count": len(durations),
        "proposed": with_forms(filings.filter(status="approval_proposed").order_by("due_at"), "confirm_approval"),
        "unassigned": with_forms(filings.filter(status="submitted").order_by("due_at"), "assign"),
        "chart": weekly_chart(filings, now),
    }
    return render(request, "exemptions/staff_dashboard.html", context)


CHART_WEEKS, CHART_WIDTH, CHART_HEIGHT, CHART_TOP = 12, 640, 180, 12


def weekly_chart(filings, now) -> dict:
    """New filings and decisions per week over the last 12 weeks, as bar geometry for an inline SVG."""
    first_week = (now - dt.timedelta(weeks=CHART_WEEKS - 1)).date()
    first_week -= dt.timedelta(days=first_week.weekday())
    since = dt.datetime.combine(first_week, dt.time(), tzinfo=dt.UTC)

    def per_week(field):
        rows = (
            filings.filter(**{f"{field}__gte": since})
            .annotate(week=TruncWeek(field, tzinfo=dt.UTC))
            .values_list("week")
            .annotate(n=Count("id"))
            .order_by()
        )
        return {week.date(): n for week, n in rows}

    received, decided = per_week("submitted_at"), per_week("decided_at")
    weeks = [first_week + dt.timedelta(weeks=i) for i in range(CHART_WEEKS)]
    peak = max([*received.values(), *decided.values(), 1])
    slot = CHART_WIDTH / CHART_WEEKS
    bar = slot * 0.36
    scale = (CHART_HEIGHT - CHART_TOP) / peak
    bars = []
    for i, week in enumerate(weeks):
        x = i * slot + slot * 0.12
        for offset, series, values in ((0, "received", received), (bar, "decided", decided)):
            n = values.get(week, 0)
            height = n * scale
            bars.append(
                {"x": round(x + offset, 1), "y": round(CHART_HEIGHT - height, 1), "width": round(bar, 1),
                 "height": round(height, 1), "series": series, "count": n, "week": week,
                 "cx": round(x + offset + bar / 2, 1), "label_y": round(CHART_HEIGHT - height - 4, 1)}
            )  # fmt: skip
    labels = [{"x": round(i * slot + slot / 2, 1), "week": w} for i, w in enumerate(weeks) if i % 2 == 0]
    return {
        "bars": bars,
        "labels": labels,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "peak": peak,
        "rows": [(w, received.get(w, 0), decided.get(w, 0)) for w in weeks],
    }


# --- public pages -------------------------------------------------------------------------------


def workflow_list(request):
    return render(request, "exemptions/workflow_list.html", {"authorities": Authority.objects.all()})


def workflow_detail(request, code):
    authority = get_object_or_404(Authority, code=code)
    wf = authority.procedure
    states = []
    for state in wf.states:
        outgoing = [
            {"transition": t, "target": wf.state(t.target_from(state.name)), "roles": sorted(t.roles)}
            for t in wf.transitions
            if state.name in t.sources
        ]
        states.append({"state": state, "outgoing": outgoing})
    context = {"authority": authority, "workflow": wf, "states": states, "mermaid": wf.mermaid()}
    return render(request, "exemptions/workflow_detail.html", context)


def register(request):
    """Approvals in force, for anyone: what a bank or a shipper checks before moving goods."""
    today = timezone.localdate()
    approvals = (
        Filing.objects.filter(status__in=IN_FORCE, valid_until_on__gte=today)
        .select_related("application__organization", "authority")
        .order_by("-decided_at", "-id")
    )
    authority = request.GET.get("authority", "")
    search = request.GET.get("search", "").strip()
    if authority:
        approvals = approvals.filter(authority__code=authority)
    if search:
        approvals = approvals.filter(
            Q(application__organization__name__icontains=search) | Q(reference__icontains=search)
        )
    page = page_of(request, approvals)
    rows = [
        (
            f,
            sorted(
                {dict(Item.Category.choices).get(i.get("category"), "") for i in (f.snapshot or {}).get("items", [])}
            ),
        )
        for f in page
    ]
    context = {
        "page": page,
        "rows": rows,
        "authorities": Authority.objects.all(),
        "authority": authority,
        "search": search,
    }
    return render(request, "exemptions/register.html", context)


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
