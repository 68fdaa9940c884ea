"""After approval, on the web: a dossier's shipments against its approvals (what remains, what each shipment carries,
whether it is cleared, what it must carry), deliveries, distributions, the end-use report per approval.

The applicant organization writes; an authority that ruled on the dossier reads its own approvals' part. Anyone
else gets a 404. Every write goes through shipping.py or deliveries.py, whose refusals come back beside the form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from exemptions import deliveries, engine, reports, shipping
from exemptions.models import Application, Authority, Filing, Incident, Shipment, authority_ids

from .filings import add_errors
from .shipment_forms import (
    DeliveryForm,
    DepartureForm,
    DistributionForm,
    IncidentForm,
    PlannedVisitForm,
    ShipmentForm,
    VisitForm,
)


class Aftercare:
    """A dossier as one user may see it after approval: everything for its organization, an authority's own
    approvals (and the shipments drawing on them) for that authority's members."""

    def __init__(self, application: Application, user):
        self.application, self.user = application, user
        self.whole = application.seen_whole_by(user)
        self.own_authorities = set() if self.whole else authority_ids(user)

    def sees_approval(self, filing: Filing) -> bool:
        return self.whole or (filing.authority_id in self.own_authorities and filing.submitted_at is not None)

    def shipments(self):
        shipments = self.application.shipments.prefetch_related("lines__item", "approvals__authority")
        if self.whole:
            return shipments
        return shipments.filter(approvals__authority_id__in=self.own_authorities).distinct()

    def require_write(self):
        if not self.whole:
            raise PermissionDenied("Only the applicant organization records shipments and what became of them.")


def aftercare_or_404(user, reference) -> Aftercare:
    filings = Filing.objects.select_related("authority").order_by("authority__code", "id")
    application = (
        Application.objects.filter(reference=reference)
        .select_related("organization")
        .prefetch_related("required_authorities", "items", Prefetch("filings", queryset=filings))
        .first()
    )
    if application is None:
        raise Http404("No such dossier.")
    view = Aftercare(application, user)
    if not (view.whole or any(view.sees_approval(f) and shipping.is_approval(f) for f in application.filings.all())):
        raise Http404("No such dossier.")
    return view


def shipment_or_404(user, reference) -> tuple[Shipment, Aftercare]:
    shipment = Shipment.objects.filter(reference=reference).select_related("application").first()
    if shipment is None:
        raise Http404("No such shipment.")
    view = aftercare_or_404(user, shipment.application.reference)
    if not view.shipments().filter(pk=shipment.pk).exists():
        raise Http404("No such shipment.")
    return view.shipments().get(pk=shipment.pk), view


def incident_authorities(application):
    chosen = [a.pk for a in application.required_authorities.all()] + [
        f.authority_id for f in application.filings.all()
    ]
    return Authority.objects.filter(pk__in=chosen)


def overview_context(view: Aftercare, **bound) -> dict:
    application = view.application
    shipments = list(view.shipments())
    summaries = [s for s in shipping.approval_summaries(application) if view.sees_approval(s.approval)]
    items = list(application.items.all())
    return {
        "application": application,
        "can_write": view.whole,
        "summaries": summaries,
        "rows": [(s, shipping.shipment_clearance(s)) for s in shipments],
        "shipment_form": bound.get("shipment_form") or ShipmentForm(items=items),
        "planned_visits": application.planned_visits.all(),
        "visits": application.monitoring_visits.select_related("shipment").prefetch_related("files"),
        "incidents": Incident.objects.filter(application=application).select_related("authority", "item", "shipment"),
        "plan_form": bound.get("plan_form") or PlannedVisitForm(prefix="plan"),
        "visit_form": bound.get("visit_form") or VisitForm(prefix="visit", shipments=shipments),
        "incident_form": bound.get("incident_form")
        or IncidentForm(
            prefix="incident", shipments=shipments, items=items, authorities=incident_authorities(application)
        ),
    }


def render_overview(request, view: Aftercare, status=200, **bound):
    return render(request, "exemptions/shipments.html", overview_context(view, **bound), status=status)


@login_required
def shipments_overview(request, reference):
    return render_overview(request, aftercare_or_404(request.user, reference))


@login_required
@require_POST
def shipment_plan(request, reference):
    view = aftercare_or_404(request.user, reference)
    view.require_write()
    form = ShipmentForm(request.POST, items=view.application.items.all())
    if form.is_valid():
        try:
            shipment = shipping.plan_shipment(
                view.application, request.user, lines=form.lines(), **form.shipment_fields()
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Shipment {shipment.reference} planned.")
            return redirect("shipment_detail", shipment.reference)
    return render_overview(request, view, status=400, shipment_form=form)


# --- one shipment ------------------------------------------------------------------------------


def shipment_context(shipment, view: Aftercare, **bound) -> dict:
    carry = [c for c in shipping.documents_to_carry(shipment) if view.sees_approval(c["approval"])]
    return {
        "shipment": shipment,
        "application": view.application,
        "can_write": view.whole,
        "clearance": shipping.shipment_clearance(shipment),
        "carry": carry,
        "warnings": shipping.warnings_for(shipment),
        "distributions": shipment.distributions.prefetch_related("lines__item"),
        "departure_form": bound.get("departure_form") or DepartureForm(),
        "delivery_form": bound.get("delivery_form") or DeliveryForm(shipment=shipment),
        "distribution_form": bound.get("distribution_form") or DistributionForm(shipment=shipment),
    }


@login_required
def shipment_detail(request, reference):
    shipment, view = shipment_or_404(request.user, reference)
    return render(request, "exemptions/shipment_detail.html", shipment_context(shipment, view))


def _shipment_write(request, reference, form_class, key, write, done):
    """One write to a shipment from its page: the form, the service, and the page again with errors (400)."""
    shipment, view = shipment_or_404(request.user, reference)
    view.require_write()
    kwargs = {} if form_class is DepartureForm else {"shipment": shipment}
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        try:
            write(shipment, form)
        except engine.Conflict as error:
            messages.error(request, f"{error} Nothing was changed.")
            return redirect("shipment_detail", shipment.reference)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("shipment_detail", shipment.reference)
    context = shipment_context(shipment, view, **{key: form})
    return render(request, "exemptions/shipment_detail.html", context, status=400)


@login_required
@require_POST
def shipment_departure(request, reference):
    def write(shipment, form):
        shipping.record_departure(shipment, form.cleaned_data["departed_on"], form.cleaned_data["arrived_on"])

    return _shipment_write(request, reference, DepartureForm, "departure_form", write, "Departure recorded.")


@login_required
@require_POST
def shipment_delivery(request, reference):
    def write(shipment, form):
        data = form.cleaned_data
        deliveries.record_delivery(
            shipment,
            delivered_on=data["delivered_on"],
            received_by=data["received_by"],
            notes=data["delivery_notes"],
            lines=form.lines(),
        )

    return _shipment_write(request, reference, DeliveryForm, "delivery_form", write, "Delivery recorded.")


@login_required
@require_POST
def shipment_distribution(request, reference):
    def write(shipment, form):
        deliveries.record_distribution(shipment, request.user, **form.values())

    return _shipment_write(request, reference, DistributionForm, "distribution_form", write, "Distribution recorded.")


@login_required
@require_POST
def shipment_cancel(request, reference):
    shipment, view = shipment_or_404(request.user, reference)
    view.require_write()
    try:
        shipping.cancel_shipment(shipment)
    except shipping.AlreadyLeft as error:
        messages.error(request, str(error))
        return redirect("shipment_detail", shipment.reference)
    messages.success(request, f"Shipment {reference} cancelled; its quantities are available again.")
    return redirect("shipments_overview", view.application.reference)


# --- the report --------------------------------------------------------------------------------


@login_required
def approval_report(request, reference, fmt):
    if fmt not in reports.FORMATS:
        raise Http404("No such format.")
    approval = Filing.objects.visible_to(request.user).with_related().filter(reference=reference).first()
    if approval is None or not shipping.is_approval(approval):
        raise Http404("No such approval.")
    content, content_type, name = reports.render(approval, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
