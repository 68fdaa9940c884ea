"""Forms of the web UI. They validate input and show errors beside fields; every write goes through
services.py or engine.apply(), never through `form.save()`."""

from django import forms

from exemptions import decisions, procedures
from exemptions.models import (
    BENEFICIARY_CATEGORIES,
    MAX_ITEMS_PER_DOSSIER,
    MAX_PARTIES_PER_DOSSIER,
    MESSAGE_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    Application,
    Authority,
    Document,
    Filing,
    Item,
    Party,
    assignable_reviewers,
)
from exemptions.procedures import Transition


class DateInput(forms.DateInput):
    """A date picker that offers the plausible dates only; the server refuses any other whatever the browser sends."""

    input_type = "date"

    def __init__(self, attrs=None):
        bounds = {"min": procedures.EARLIEST_DATE.isoformat(), "max": procedures.LATEST_DATE.isoformat()}
        super().__init__({**bounds, **(attrs or {})}, format="%Y-%m-%d")


class SectionForm(forms.ModelForm):
    """One section of the dossier editor; `changes()` are the field values to hand to the service."""

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class BasicsForm(SectionForm):
    class Meta:
        model = Application
        fields = ["title", "purpose", "justification"]
        labels = {"purpose": "Purpose (nature of the assistance)", "justification": "Why an exemption is needed"}
        help_texts = {
            "purpose": "What will be delivered, to whom, and the humanitarian need it meets.",
            "justification": "Which sanctions measures the goods, services or payments fall under.",
        }
        widgets = {"purpose": forms.Textarea(attrs={"rows": 4}), "justification": forms.Textarea(attrs={"rows": 4})}


class NewApplicationForm(BasicsForm):
    organization = forms.ModelChoiceField(queryset=None, empty_label=None)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        if len(organizations) == 1:
            self.fields["organization"].widget = forms.HiddenInput()
            self.fields["organization"].initial = organizations[0].pk
        self.order_fields(["organization", "title"])


class BeneficiariesForm(SectionForm):
    """Counts per beneficiary category are separate number inputs; the model keeps them as one mapping."""

    class Meta:
        model = Application
        fields = ["selection_criteria", "destinations"]
        labels = {"selection_criteria": "Criteria used to select beneficiaries"}
        help_texts = {"destinations": "One per line: province or county, facility"}
        widgets = {
            "selection_criteria": forms.Textarea(attrs={"rows": 3}),
            "destinations": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        counts = self.instance.beneficiaries or {}
        for category, label in BENEFICIARY_CATEGORIES.items():
            self.fields[f"count_{category}"] = forms.IntegerField(
                label=label, min_value=0, required=False, initial=counts.get(category)
            )

    @property
    def count_fields(self):
        return [self[f"count_{category}"] for category in BENEFICIARY_CATEGORIES]

    @property
    def text_fields(self):
        return [self[name] for name in self._meta.fields]

    def changes(self) -> dict:
        counts = {
            category: self.cleaned_data[f"count_{category}"]
            for category in BENEFICIARY_CATEGORIES
            if self.cleaned_data.get(f"count_{category}")
        }
        return {**super().changes(), "beneficiaries": counts}


class ShipmentForm(SectionForm):
    class Meta:
        model = Application
        fields = ["ship_from_on", "ship_until_on", "route_origin", "route_transit", "port_of_entry"]
        labels = {
            "ship_from_on": "Ship from",
            "ship_until_on": "Ship until",
            "route_origin": "Origin",
            "route_transit": "Transit",
            "port_of_entry": "Port of entry",
        }
        widgets = {"ship_from_on": DateInput(), "ship_until_on": DateInput()}


class MonitoringForm(SectionForm):
    class Meta:
        model = Application
        fields = ["monitoring_arrangements", "financial_channel"]
        labels = {"financial_channel": "Financial transactions involved"}
        widgets = {
            "monitoring_arrangements": forms.Textarea(attrs={"rows": 4}),
            "financial_channel": forms.Textarea(attrs={"rows": 3}),
        }


class ItemForm(forms.ModelForm):
    class Meta:
        model = Item
        fields = [
            "kind",
            "description",
            "hs_code",
            "provider",
            "quantity",
            "unit",
            "unit_value",
            "currency",
            "category",
            "specification",
            "dual_use_note",
            "us_origin",
            "export_classification",
        ]
        labels = {
            "hs_code": "HS code",
            "export_classification": "EAR99 / ECCN",
            "unit_value": "Unit value",
            "dual_use_note": "Dual-use note",
        }
        widgets = {
            "currency": forms.TextInput(attrs={"size": 3, "maxlength": 3}),
            "specification": forms.TextInput(),
            "dual_use_note": forms.TextInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].required = False  # left out: goods, as every item was before services could be listed
        for name in ("quantity", "unit_value"):
            value = self.initial.get(name)
            if value is not None:
                self.initial[name] = f"{value.normalize():f}"  # 12000, not 12000.000

    def clean_kind(self):
        return self.cleaned_data.get("kind") or Item.Kind.GOODS


class PartyForm(forms.ModelForm):
    class Meta:
        model = Party
        fields = ["role", "name", "country", "address", "identifier"]
        labels = {"country": "Country (ISO code)"}
        widgets = {"country": forms.TextInput(attrs={"size": 2, "maxlength": 2}), "address": forms.TextInput()}


ROW_LIMITS = {Item: MAX_ITEMS_PER_DOSSIER, Party: MAX_PARTIES_PER_DOSSIER}


def row_formset(model, form, extra=0):
    """The editor of a dossier's items or parties, refusing more rows than the dossier may list."""
    return forms.modelformset_factory(
        model, form=form, extra=extra, can_delete=True, max_num=ROW_LIMITS[model], validate_max=True
    )


class DocumentForm(forms.Form):
    """An upload, offering only the kinds of document the uploader may attach (services.attachable_kinds)."""

    kind = forms.ChoiceField()
    file = forms.FileField()

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Document.Kind.choices)
        self.fields["kind"].choices = [(kind, labels[kind]) for kind in kinds]


class FileWithAuthoritiesForm(forms.ModelForm):
    """The authorities to file with, the legal basis, and how the request reaches an authority that takes
    forwarded requests (UN 1718: a Member State, the Resident Coordinator, the Committee Secretary, or direct
    where eligible). The rule is models/channels.py's, checked when the filings are created."""

    authorities = forms.ModelMultipleChoiceField(
        queryset=Authority.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Authorities to file with",
        error_messages={"required": "Choose at least one authority."},
    )

    class Meta:
        model = Filing
        fields = ["legal_basis", "submission_channel", "channel_detail", "urgent", "urgent_reason"]
        labels = {
            "submission_channel": "How the request reaches the UN 1718 Committee",
            "channel_detail": "Forwarding Member State",
            "urgent": "Urgent request (e.g. outbreak response)",
            "urgent_reason": "Why it is urgent",
        }
        help_texts = {
            "submission_channel": "Direct only for UN agencies, the ICRC and IFRC, Member States, organizations with "
            "two or more approvals in the past 18 months, or urgent requests.",
            "channel_detail": "When a Member State forwards it: which one.",
        }
        widgets = {"urgent_reason": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, authorities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authorities"].queryset = authorities
        self.order_fields(["authorities", *self._meta.fields])
        self.routes_by_channel = any(a.procedure.takes_forwarded_requests for a in authorities)
        for name in self._meta.fields:
            self.fields[name].required = False  # left out: the filing's defaults (specific request, direct)
        # An authority with more than one procedure (OFAC: specific licence or general licence notification)
        # asks which one, and what the alternative route's filing action needs (the UN basis of a notification).
        offering = [a for a in authorities if len(a.routes) > 1]
        self.route_fields = []
        if offering:
            choices = {key: procedures.procedure_for(key).name for a in offering for key in a.routes}
            codes = ", ".join(a.code for a in offering)
            self.fields["route"] = forms.ChoiceField(
                choices=[("", f"{codes}: the route proposed for this dossier, else its usual procedure")]
                + list(choices.items()),
                required=False,
                label=f"Procedure with {codes}",
            )
            self.route_fields = ["route"]
            for a in offering:
                for key in a.routes[1:]:
                    for field in _filing_action_payload(procedures.procedure_for(key)):
                        self.fields[field.name] = ActionForm._payload_field(field, None, [])
                        self.fields[field.name].required = False  # asked only when that route is chosen
                        self.route_fields.append(field.name)

    def channel(self) -> dict:
        return {name: value for name in self._meta.fields if (value := self.cleaned_data.get(name)) not in ("", None)}

    @property
    def route_bound_fields(self) -> list:
        return [self[name] for name in self.route_fields]

    def route(self) -> str:
        return self.cleaned_data.get("route", "")

    def notification(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.route_fields if name != "route"}

    def _post_clean(self):
        pass  # the service builds and checks each filing; this form only reads the choices


def _filing_action_payload(procedure) -> tuple:
    """The payload fields of the action that files a dossier under `procedure` (its SNAPSHOT_DOSSIER action)."""
    action = procedure.action_with_effect(procedures.SNAPSHOT_DOSSIER)
    return tuple(f for t in procedure.transitions if t.name == action for f in t.payload)


class LinkedRequestForm(forms.Form):
    """A new request that extends or amends an approval (services.request_linked)."""

    link = forms.ChoiceField(
        choices=[(Filing.Link.EXTENSION, "Extension"), (Filing.Link.AMENDMENT, "Amendment")],
        label="What do you ask for?",
        widget=forms.RadioSelect,
    )
    linked_request = forms.CharField(
        label="What should change, and why",
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="e.g. three more months because the second shipment is delayed; or a new consignee",
    )


class MessageForm(forms.Form):
    body = forms.CharField(label="Message", max_length=MESSAGE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, answers_nothing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if answers_nothing:  # an information request is open: only the reply form answers it
            self.fields["body"].label = "Message (does not answer the information request)"
            self.fields[
                "body"
            ].help_text = "A message keeps the case waiting on you. To answer the request, use “Send your reply” above."


_LONG_TEXT = {"conditions", "reasons", "validity_justification"}


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one field (Django's documented recipe); cleans to a list, empty when none is sent."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        cleaned = [super(MultipleFileField, self).clean(one, initial) for one in files if one] or [
            super().clean(None, initial)
        ]
        return [one for one in cleaned if one]


class ActionForm(forms.Form):
    """The form of one workflow transition, built from its declaration (note and payload fields)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, transition: Transition, filing, *args, reviewers=None, **kwargs):
        # A decision starts from the facts it is taken on (the recommendation, the request), shown beside it.
        deciding = decisions.sets_validity(transition)
        prefilled = decisions.prefill(filing, transition) if deciding else {}
        super().__init__(*args, prefix=transition.name, initial={**prefilled, **kwargs.pop("initial", {})}, **kwargs)
        self.transition = transition
        self.facts = decisions.facts(filing, transition) if deciding else []
        self.warning = ""
        if deciding:
            self.warning = decisions.coverage_warning(
                filing, *decisions.validity_in_view(filing, transition, prefilled)
            )
        self.fields["version"].initial = filing.version
        for field in transition.payload:
            self.fields[field.name] = self._payload_field(field, filing, reviewers)
        if transition.note_required or transition.payload:
            self.fields["note"] = forms.CharField(
                label=self._note_label(transition),
                required=transition.note_required,
                max_length=NOTE_MAX_LENGTH,
                help_text=self._note_help(transition),
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    @staticmethod
    def _note_label(transition: Transition) -> str:
        if transition.note_is_internal:
            return "Internal note" + ("" if transition.note_required else " (optional)")
        return transition.note_label if transition.note_required else "Note (optional)"

    @staticmethod
    def _note_help(transition: Transition) -> str:
        if transition.note_is_internal:
            return "Seen only by the authority; never shown or emailed to the applicant."
        if transition.roles & procedures.AUTHORITY_ROLES:
            return "Shown to the applicant."
        return ""

    @staticmethod
    def _payload_field(field, filing, reviewers):
        options = dict(label=field.label, required=field.required, help_text=field.help_text)
        if field.kind == procedures.DATE:
            return forms.DateField(widget=DateInput(), **options)
        if field.kind == procedures.DOCUMENT:
            return MultipleFileField(**options)
        if field.kind == procedures.MONTHS:
            return forms.IntegerField(min_value=1, **options)
        if field.kind == procedures.REVIEWER_CHOICE:
            if reviewers is None:
                reviewers = reviewers_of(filing.authority)
            return forms.ChoiceField(choices=[("", "Choose a reviewer")] + list(reviewers), **options)
        if field.choices:
            return forms.ChoiceField(choices=field.choices, widget=forms.RadioSelect, **options)
        widget = forms.Textarea(attrs={"rows": 3}) if field.name in _LONG_TEXT else forms.TextInput()
        return forms.CharField(widget=widget, **options)

    @property
    def is_simple(self) -> bool:
        """A one-click action: nothing to fill in but the hidden version."""
        return set(self.fields) == {"version"}

    def payload(self) -> dict:
        return {f.name: self.cleaned_data.get(f.name) for f in self.transition.payload if f.kind != procedures.DOCUMENT}

    def files_by_field(self) -> dict:
        return {f.name: self.cleaned_data.get(f.name) for f in self.transition.payload if f.kind == procedures.DOCUMENT}


def reviewers_of(authority) -> list[tuple[str, str]]:
    """The choices of a "reviewer" field: whom a filing at `authority` may be assigned to."""
    return [(u.get_username(), u.get_full_name() or u.get_username()) for u in assignable_reviewers(authority)]
