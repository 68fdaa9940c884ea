"""Monitoring on the web: a dossier's monitoring plan and visits (with their photos and documents), diversion and
loss incidents, and the organization's dashboard. The applicant organization writes; see web/shipments.py for who
reads what."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from exemptions import evidence, monitoring, uploads
from exemptions.models import Incident, VisitFile, organization_ids

from .filings import add_errors
from .shipment_forms import IncidentForm, PlannedVisitForm, ReportedForm, VisitForm
from .shipments import aftercare_or_404, incident_authorities, render_overview
from .shortcuts import own_applications, page_of

DOSSIERS_PER_PAGE = 50


def _write(request, reference, form, key, write, done):
    """One write from the dossier's after-approval page; on a refusal the page again, the form's errors shown."""
    view = aftercare_or_404(request.user, reference)
    view.require_write()
    form = form(view)
    if form.is_valid():
        try:
            write(view.application, form)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("shipments_overview", reference)
    return render_overview(request, view, status=400, **{key: form})


@login_required
@require_POST
def planned_visit_add(request, reference):
    def write(application, form):
        monitoring.add_planned_visit(application, **{k: form.cleaned_data[k] for k in form._meta.fields})

    def form(view):
        return PlannedVisitForm(request.POST, prefix="plan")

    return _write(request, reference, form, "plan_form", write, "Added to the monitoring plan.")


@login_required
@require_POST
def visit_add(request, reference):
    def write(application, form):
        evidence.record_visit_with_files(application, request.user, files=form.cleaned_data["files"], **form.values())

    def form(view):
        return VisitForm(request.POST, request.FILES, prefix="visit", shipments=view.shipments())

    return _write(request, reference, form, "visit_form", write, "Monitoring visit recorded.")


@login_required
@require_POST
def incident_add(request, reference):
    def write(application, form):
        monitoring.record_incident(application, request.user, **form.values())

    def form(view):
        application = view.application
        return IncidentForm(
            request.POST,
            prefix="incident",
            shipments=view.shipments(),
            items=application.items.all(),
            authorities=incident_authorities(application),
        )

    return _write(request, reference, form, "incident_form", write, "Incident recorded: report it to the authority.")


@login_required
@require_POST
def incident_reported(request, pk):
    incident = get_object_or_404(Incident.objects.filter(application__in=own_applications(request.user)), pk=pk)
    form = ReportedForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.get("reported_on") or "Enter the day it was reported.")
        monitoring.mark_incident_reported(incident, form.cleaned_data["reported_on"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Recorded as reported to {incident.authority.code}.")
    return redirect("shipments_overview", incident.application.reference)


@login_required
def visit_file_download(request, pk):
    visit_file = get_object_or_404(VisitFile.objects.select_related("visit__application"), pk=pk)
    aftercare_or_404(request.user, visit_file.visit.application.reference)
    try:
        handle = visit_file.file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404("The file is missing from storage.") from error
    response = FileResponse(handle, as_attachment=True, filename=uploads.safe_display_name(visit_file.original_name))
    response["Content-Type"] = visit_file.content_type
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def monitoring_dashboard(request):
    """Planned vs delivered vs distributed vs reached, visits done vs planned, access refusals: per dossier of the
    user's organizations, in a fixed number of queries."""
    user = request.user
    board = monitoring.dashboard(None if user.is_superuser else organization_ids(user))
    context = {"page": page_of(request, board.rows, size=DOSSIERS_PER_PAGE), "totals": board.totals}
    return render(request, "exemptions/monitoring_dashboard.html", context)
