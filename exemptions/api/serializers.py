"""Shapes of the API's JSON. Serializers validate types and fields; every write goes through services.py or
`engine.apply`, which hold the rules."""

import datetime as dt

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exemptions import clearance, decisions, engine, procedures, services, visibility
from exemptions.models import (
    MAX_ITEMS_PER_DOSSIER,
    MAX_PARTIES_PER_DOSSIER,
    MESSAGE_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    Application,
    Authority,
    Document,
    Event,
    Filing,
    Item,
    Message,
    Organization,
    Party,
    filings_with_unread_messages,
    organization_ids,
)

from .fields import ModelSerializer, _date
from .triage_serializers import TriageBlockField
from .workflow_serializers import NOTE_AUDIENCE_HELP, PayloadFieldSerializer, allowed_action

# --- the dossier -------------------------------------------------------------------------------


class ItemSerializer(ModelSerializer):
    class Meta:
        model = Item
        fields = [
            "id",
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


class PartySerializer(ModelSerializer):
    class Meta:
        model = Party
        fields = ["id", "role", "name", "country", "address", "identifier"]


class FilingSummarySerializer(ModelSerializer):
    authority = serializers.CharField(source="authority.code", read_only=True)

    class Meta:
        model = Filing
        fields = ["reference", "authority", "status"]


class ClearanceSerializer(serializers.Serializer):
    cleared = serializers.BooleanField()
    blockers = serializers.ListField(child=serializers.CharField())


class ApplicationSerializer(ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(),
        required=False,
        help_text="Your organization; may be left out when you belong to one only. Fixed once created.",
    )
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    beneficiaries = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=1_000_000_000),
        required=False,
        help_text="Number of people by category (children_under_5, patients, …)",
    )
    ship_from_on = _date(required=False, allow_null=True)
    ship_until_on = _date(required=False, allow_null=True)
    authorities = serializers.SlugRelatedField(
        source="required_authorities",
        slug_field="code",
        queryset=Authority.objects.all(),
        many=True,
        required=False,
        help_text="Codes of the authorities you choose; those the triage requires stay unless dropped with a reason",
    )
    items = ItemSerializer(
        many=True, required=False, max_length=MAX_ITEMS_PER_DOSSIER, help_text="On PATCH, replaces every item"
    )
    parties = PartySerializer(
        many=True, required=False, max_length=MAX_PARTIES_PER_DOSSIER, help_text="On PATCH, replaces every party"
    )
    missing_elements = serializers.SerializerMethodField(
        help_text="Elements the chosen authorities require (IAN 7's for the UN 1718 Committee) still missing"
    )
    editable = serializers.SerializerMethodField()
    filings = serializers.SerializerMethodField()
    cleared_to_ship = serializers.SerializerMethodField()
    triage = TriageBlockField(help_text="The authorities the dossier needs, with route, reason and any drop")

    class Meta:
        model = Application
        fields = [
            "reference",
            "organization",
            "organization_name",
            "title",
            "purpose",
            "justification",
            "beneficiaries",
            "selection_criteria",
            "destinations",
            "ship_from_on",
            "ship_until_on",
            "route_origin",
            "route_transit",
            "port_of_entry",
            "monitoring_arrangements",
            "financial_channel",
            "authorities",
            "items",
            "parties",
            "missing_elements",
            "editable",
            "filings",
            "cleared_to_ship",
            "triage",
            "created_at",
            "updated_at",
        ]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and not request.user.is_superuser:
            fields["organization"].queryset = Organization.objects.filter(pk__in=organization_ids(request.user))
        return fields

    def get_missing_elements(self, application) -> list[str]:
        return application.missing_elements()  # reads the prefetched items, parties and authorities

    def get_editable(self, application) -> bool:
        return not application.is_locked  # reads the prefetched filings

    def to_representation(self, application):
        # `authorities` is written as a plain list of codes, but read through the dossier's visibility rule.
        data = super().to_representation(application)
        user = self.context["request"].user
        data["authorities"] = [a.code for a in application.authorities_visible_to(user)]
        return data

    @extend_schema_field(FilingSummarySerializer(many=True))
    def get_filings(self, application):
        visible = application.filings_visible_to(self.context["request"].user)
        return FilingSummarySerializer(visible, many=True).data

    @extend_schema_field(ClearanceSerializer(allow_null=True))
    def get_cleared_to_ship(self, application):
        """Only the organization (and admins) see the overall verdict: it would reveal other authorities' cases."""
        if not application.seen_whole_by(self.context["request"].user):
            return None
        verdict = clearance.cleared_to_ship(application)
        return {"cleared": verdict.cleared, "blockers": verdict.blockers}

    def validate(self, attrs):
        if self.instance is None:
            if "organization" not in attrs:
                attrs["organization"] = self._only_organization()
        elif "organization" in attrs and attrs["organization"] != self.instance.organization:
            raise serializers.ValidationError({"organization": ["An application cannot move to another organization."]})
        return attrs

    def _only_organization(self):
        user = self.context["request"].user
        ids = organization_ids(user)
        if len(ids) != 1:
            raise serializers.ValidationError({"organization": ["Choose the organization this application is for."]})
        return Organization.objects.get(pk=next(iter(ids)))

    def create(self, validated):
        by = self.context["request"].user
        authorities = validated.pop("required_authorities", [])
        return services.create_application(validated.pop("organization"), by, authorities=authorities, **validated)

    def update(self, application, validated):
        by = self.context["request"].user
        validated.pop("organization", None)
        if "required_authorities" in validated:
            validated["authorities"] = validated.pop("required_authorities")
        return services.update_dossier(application, by, **validated)


ROUTES = sorted(procedures.PROCEDURES)  # one enum in the schema for the route read and the route chosen


class NewFilingSerializer(serializers.Serializer):
    authority = serializers.SlugRelatedField(
        slug_field="code", queryset=Authority.objects.all(), help_text="Authority code, e.g. OFAC"
    )
    route = serializers.ChoiceField(
        choices=ROUTES,
        required=False,
        help_text="The procedure to follow, one of the authority's `routes` (GET /api/v1/authorities/); default its "
        "own. OFAC: `ofac` (specific licence) or `ofac_gl` (general licence notification to the State Department)",
    )
    legal_basis = serializers.ChoiceField(choices=Filing.LegalBasis.choices, required=False)
    submission_channel = serializers.ChoiceField(
        choices=Filing.Channel.choices,
        required=False,
        help_text="UN 1718: direct only for UN agencies, ICRC/IFRC, Member States, organizations with two or more "
        "approvals in the preceding 18 months, or urgent requests; other authorities take requests directly",
    )
    channel_detail = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="The forwarding Member State"
    )
    urgent = serializers.BooleanField(required=False, help_text="Urgent: expedited, and may be filed directly")
    urgent_reason = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH)
    follows = serializers.CharField(
        required=False,
        max_length=40,
        help_text="Reference of the approval this request extends or amends (with `link`); prefilled from it",
    )
    link = serializers.ChoiceField(
        choices=Filing.Link.choices, required=False, help_text="With `follows`: `extension` or `amendment`"
    )
    linked_request = serializers.CharField(
        required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH, help_text="What the extension or amendment asks"
    )

    def channel(self) -> dict:
        return {name: self.validated_data[name] for name in services.CHANNEL_FIELDS if name in self.validated_data}

    def validate(self, attrs):
        route, authority = attrs.get("route"), attrs["authority"]
        if route and route not in authority.routes:
            raise serializers.ValidationError({"route": [f"{authority.code} takes: {', '.join(authority.routes)}."]})
        return attrs


# --- filings -----------------------------------------------------------------------------------


class AllowedActionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    note_required = serializers.BooleanField()
    note_audience = serializers.ChoiceField(choices=procedures.AUDIENCES, help_text=NOTE_AUDIENCE_HELP)
    payload = PayloadFieldSerializer(many=True)


class FilingSerializer(ModelSerializer):
    application = serializers.CharField(source="application.reference", read_only=True)
    title = serializers.CharField(source="application.title", read_only=True)
    organization = serializers.CharField(source="application.organization.name", read_only=True)
    authority = serializers.CharField(source="authority.code", read_only=True)
    status_label = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    assigned_to = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    link = serializers.ChoiceField(
        choices=Filing.Link.choices,
        allow_blank=True,
        read_only=True,
        help_text="Why it follows `follows`; empty if none",
    )
    allowed_actions = serializers.SerializerMethodField()
    route = serializers.ChoiceField(
        choices=ROUTES,
        read_only=True,
        help_text="The procedure it follows: one of its authority's `routes`",
    )
    case_number = serializers.CharField(
        read_only=True, help_text="The authority's case number while pending (OFAC); not the licence number"
    )
    authority_reference = serializers.CharField(
        read_only=True, help_text="The licence or letter number, recorded with the approval"
    )

    class Meta:
        model = Filing
        fields = [
            "reference",
            "application",
            "title",
            "organization",
            "authority",
            "status",
            "status_label",
            "due_at",
            "overdue",
            "assigned_to",
            "route",
            "case_number",
            "authority_reference",
            "legal_basis",
            "submission_channel",
            "channel_detail",
            "urgent",
            "urgent_reason",
            "forwarded_at",
            "clock_stopped_at",
            "link",
            "linked_request",
            "submitted_at",
            "decided_at",
            "valid_from_on",
            "valid_until_on",
            "conditions",
            "validity_justification",
            "decision_reasons",
            "version",
            "snapshot_sha256",
            "allowed_actions",
            "created_at",
        ]
        read_only_fields = fields

    def get_status_label(self, filing) -> str:
        roles = engine.roles_for(self.context["request"].user, filing)
        state = filing.state
        return state.staff_label if roles & procedures.AUTHORITY_ROLES else state.applicant_label

    @extend_schema_field(AllowedActionSerializer(many=True))
    def get_allowed_actions(self, filing):
        return [allowed_action(t) for t in engine.available_actions(filing, self.context["request"].user)]


DETAIL_FIELDS = ("expedited", "follows", "followed_by", "snapshot", "requested_until_on", "unread_messages")


class FilingDetailSerializer(FilingSerializer):
    snapshot = serializers.JSONField(read_only=True, help_text="The dossier exactly as filed (null while a draft)")
    expedited = serializers.BooleanField(source="is_expedited", read_only=True)
    follows = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, allow_null=True, help_text="The approval this request extends or amends"
    )
    followed_by = serializers.SerializerMethodField(help_text="Later requests that extend or amend this one")
    requested_until_on = serializers.SerializerMethodField(
        help_text="The end of validity the applicant asked for, while an extension request awaits a ruling"
    )
    unread_messages = serializers.SerializerMethodField(
        help_text="The other side wrote since you last listed this filing's messages (or opened its page)"
    )

    class Meta(FilingSerializer.Meta):
        fields = [*FilingSerializer.Meta.fields, *DETAIL_FIELDS]
        read_only_fields = fields

    def get_followed_by(self, filing) -> list[str]:
        visible = Filing.objects.visible_to(self.context["request"].user)
        return list(visible.filter(follows=filing).order_by("id").values_list("reference", flat=True))

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_requested_until_on(self, filing) -> dt.date | None:
        return decisions.requested_extension(filing)

    def get_unread_messages(self, filing) -> bool:
        return filing.pk in filings_with_unread_messages(self.context["request"].user, [filing.pk])


class EventSerializer(ModelSerializer):
    """An event as the caller may read it: the applicant gets neither the authority's internal note (empty) nor
    its internal payload fields (visibility.py); `hash` and `prev_hash` still chain the full record."""

    actor = serializers.CharField(source="actor_label", read_only=True)
    note = serializers.SerializerMethodField()
    payload = serializers.SerializerMethodField()

    def _internal(self, event) -> bool:
        filing = self.context["filing"]
        if "reads_internal" not in self.context:
            self.context["reads_internal"] = visibility.reads_internal(self.context["request"].user, filing)
        return self.context["reads_internal"]

    def get_note(self, event) -> str:
        return visibility.shown_note(self.context["filing"], event, self._internal(event))

    @extend_schema_field(serializers.DictField())
    def get_payload(self, event) -> dict:
        return visibility.shown_payload(self.context["filing"], event, self._internal(event))

    class Meta:
        model = Event
        fields = [
            "sequence",
            "action",
            "from_status",
            "to_status",
            "actor",
            "note",
            "payload",
            "created_at",
            "prev_hash",
            "hash",
        ]


class MessageSerializer(ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    body = serializers.CharField(max_length=MESSAGE_MAX_LENGTH)

    class Meta:
        model = Message
        fields = ["id", "kind", "author", "body", "created_at"]
        read_only_fields = ["kind", "created_at"]


class DocumentSerializer(ModelSerializer):
    file = serializers.FileField(write_only=True)
    name = serializers.CharField(source="original_name", read_only=True)
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    attached_to = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "file",
            "name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "attached_to",
            "download_url",
        ]
        read_only_fields = ["content_type", "size", "sha256", "uploaded_at"]

    def get_attached_to(self, document) -> str:
        return "filing" if document.filing_id else "application"

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, document) -> str:
        filing = self.context["filing"]
        path = reverse("api:filing-document-download", args=[filing.reference, document.pk])
        return self.context["request"].build_absolute_uri(path)


# --- the public register -----------------------------------------------------------------------


class RegisterEntrySerializer(ModelSerializer):
    organization = serializers.CharField(source="application.organization.name")
    authority = serializers.CharField(source="authority.code")
    approved_on = serializers.SerializerMethodField()
    expires_on = serializers.DateField(source="valid_until_on")
    item_categories = serializers.SerializerMethodField()

    class Meta:
        model = Filing
        fields = [
            "reference",
            "organization",
            "authority",
            "authority_reference",
            "approved_on",
            "valid_from_on",
            "expires_on",
            "item_categories",
        ]

    def get_approved_on(self, filing) -> dt.date | None:
        return filing.decided_at.date() if filing.decided_at else None

    def get_item_categories(self, filing) -> list[str]:
        return sorted({item.category for item in filing.application.items.all()})
