"""Forms of the after-approval pages: plan a shipment (a line per dossier item), record its departure, delivery
and distributions, the monitoring plan and visits, incidents. They check types and shapes; the rules (limits,
validity, quantities) are the services', whose errors come back beside the fields."""

from django import forms

from exemptions.models import (
    BENEFICIARY_CATEGORIES,
    Incident,
    MonitoringVisit,
    PlannedVisit,
    Shipment,
)
from exemptions.shipping import SHIPMENT_FIELDS

from .forms import DateInput

QUANTITY = dict(max_digits=14, decimal_places=3, min_value=0, required=False)


class ShipmentForm(forms.ModelForm):
    """A shipment and, per item of the dossier, the quantity it carries (empty: not on this shipment)."""

    class Meta:
        model = Shipment
        fields = list(SHIPMENT_FIELDS)
        widgets = {"planned_departure_on": DateInput(), "planned_arrival_on": DateInput()}

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"quantity_{item.pk}"] = forms.DecimalField(
                label=f"{item.description} ({item.unit})", **QUANTITY
            )
            self.fields[f"expires_{item.pk}"] = forms.DateField(label="Expires on", required=False, widget=DateInput())
            self.fields[f"cold_{item.pk}"] = forms.BooleanField(label="Cold chain", required=False)

    def shipment_fields_bound(self):
        return [self[name] for name in SHIPMENT_FIELDS]

    def item_rows(self):
        return [
            (item, self[f"quantity_{item.pk}"], self[f"expires_{item.pk}"], self[f"cold_{item.pk}"])
            for item in self.items
        ]

    def _post_clean(self):
        pass  # the service validates the shipment as a whole, with its lines and approvals

    def shipment_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in SHIPMENT_FIELDS}

    def lines(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "item": item.pk,
                "quantity": data[f"quantity_{item.pk}"],
                "expires_on": data[f"expires_{item.pk}"],
                "cold_chain": data[f"cold_{item.pk}"],
            }
            for item in self.items
            if data.get(f"quantity_{item.pk}")
        ]


class DepartureForm(forms.Form):
    departed_on = forms.DateField(label="Departed on", widget=DateInput())
    arrived_on = forms.DateField(label="Arrived on (if known)", required=False, widget=DateInput())


class DeliveryForm(forms.Form):
    delivered_on = forms.DateField(label="Delivered on", widget=DateInput())
    received_by = forms.CharField(label="Received by (consignee)", max_length=200)
    delivery_notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, shipment, **kwargs):
        super().__init__(*args, **kwargs)
        self.shipment_lines = list(shipment.lines.all())
        for line in self.shipment_lines:
            for name in ("received", "damaged", "lost"):
                self.fields[f"{name}_{line.item_id}"] = forms.DecimalField(label=name.capitalize(), **QUANTITY)

    def line_rows(self):
        return [
            (line, [self[f"{name}_{line.item_id}"] for name in ("received", "damaged", "lost")])
            for line in self.shipment_lines
        ]

    def lines(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {"item": line.item_id, **{n: data[f"{n}_{line.item_id}"] for n in ("received", "damaged", "lost")}}
            for line in self.shipment_lines
        ]


class DistributionForm(forms.Form):
    facility = forms.CharField(max_length=200)
    location = forms.CharField(label="Province or county", max_length=200, required=False)
    distributed_on = forms.DateField(label="Distributed on", widget=DateInput())
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, shipment, **kwargs):
        super().__init__(*args, **kwargs)
        self.shipment_lines = list(shipment.lines.all())
        for line in self.shipment_lines:
            self.fields[f"quantity_{line.item_id}"] = forms.DecimalField(
                label=f"{line.item.description} ({line.item.unit})", **QUANTITY
            )
        planned = shipment.application.beneficiaries or {}
        self.categories = [c for c in BENEFICIARY_CATEGORIES if c in planned] or list(BENEFICIARY_CATEGORIES)
        for category in self.categories:
            label = BENEFICIARY_CATEGORIES[category]
            self.fields[f"planned_{category}"] = forms.IntegerField(
                label=f"{label}: planned", min_value=0, required=False
            )
            self.fields[f"reached_{category}"] = forms.IntegerField(
                label=f"{label}: reached", min_value=0, required=False
            )

    def quantity_fields(self):
        return [self[f"quantity_{line.item_id}"] for line in self.shipment_lines]

    def people_rows(self):
        return [(BENEFICIARY_CATEGORIES[c], self[f"planned_{c}"], self[f"reached_{c}"]) for c in self.categories]

    def values(self) -> dict:
        data = self.cleaned_data

        def counts(prefix):
            return {c: data[f"{prefix}_{c}"] for c in self.categories if data.get(f"{prefix}_{c}") is not None}

        return {
            "facility": data["facility"],
            "location": data["location"],
            "distributed_on": data["distributed_on"],
            "notes": data["notes"],
            "beneficiaries_planned": counts("planned"),
            "beneficiaries_reached": counts("reached"),
            "lines": [
                {"item": line.item_id, "quantity": data[f"quantity_{line.item_id}"]}
                for line in self.shipment_lines
                if data.get(f"quantity_{line.item_id}")
            ],
        }


class PlannedVisitForm(forms.ModelForm):
    class Meta:
        model = PlannedVisit
        fields = ["facility", "visits", "monitor", "access_arrangements"]
        widgets = {"access_arrangements": forms.Textarea(attrs={"rows": 2})}

    def _post_clean(self):
        pass


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class VisitForm(forms.ModelForm):
    shipment = forms.ChoiceField(label="Shipment (if the visit followed one)", required=False)
    files = MultipleFileField(label="Photos or documents", required=False)

    class Meta:
        model = MonitoringVisit
        fields = ["visited_on", "site", "monitor", "access", "findings"]
        widgets = {"visited_on": DateInput(), "findings": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, shipments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shipment"].choices = [("", "—")] + [(s.reference, s.reference) for s in shipments]

    def _post_clean(self):
        pass

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in [*self._meta.fields, "shipment"]}


class IncidentForm(forms.ModelForm):
    shipment = forms.ChoiceField(required=False)
    item = forms.ChoiceField(required=False)

    class Meta:
        model = Incident
        fields = ["kind", "description", "location", "quantity", "discovered_on", "authority", "reported_on"]
        widgets = {
            "discovered_on": DateInput(),
            "reported_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"authority": "To be reported to", "reported_on": "Reported on (if already)"}

    def __init__(self, *args, shipments, items, authorities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shipment"].choices = [("", "—")] + [(s.reference, s.reference) for s in shipments]
        self.fields["item"].choices = [("", "—")] + [(str(i.pk), i.description) for i in items]
        self.fields["authority"].queryset = authorities

    def _post_clean(self):
        pass

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in [*self._meta.fields, "shipment", "item"]}


class ReportedForm(forms.Form):
    reported_on = forms.DateField(label="Reported on", widget=DateInput())
