"""Shapes of a dossier's required set in the API (see api/triage.py for the actions)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exemptions import required_set
from exemptions.models import Authority


class RequiredAuthoritySerializer(serializers.Serializer):
    authority = serializers.CharField(source="authority.code", help_text="The authority's code, e.g. UN1718")
    name = serializers.CharField(source="authority.name")
    source = serializers.ChoiceField(
        choices=required_set.Source.choices, help_text="Proposed by the triage, or added by the applicant"
    )
    required = serializers.BooleanField(help_text="Proposed by the triage: dropping it takes a written reason")
    route = serializers.CharField(help_text="The route proposed for it, e.g. ofac_gl (general licence) or ofac")
    route_label = serializers.CharField(help_text="The route in words")
    reason = serializers.CharField(help_text="Why the dossier needs it, in plain words")
    dropped = serializers.BooleanField(help_text="Dropped by the applicant; cleared-to-ship no longer counts it")
    drop_reason = serializers.CharField(help_text="The applicant's written reason for the drop")
    dropped_at = serializers.DateTimeField(allow_null=True)


@extend_schema_field(RequiredAuthoritySerializer(many=True))
class TriageBlockField(serializers.Field):
    """The application's required set as the caller may see it (required_set.entries_visible_to): the whole set
    for its organization; a reviewer's own authority and every drop with its reason for a reviewer."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, application):
        lines = required_set.entries_visible_to(application, self.context["request"].user)
        return RequiredAuthoritySerializer(lines, many=True).data


class TriageSerializer(serializers.Serializer):
    authorities = RequiredAuthoritySerializer(many=True, help_text="The required set, dropped entries included")
    notes = serializers.ListField(child=serializers.CharField(), help_text="What the triage still needs to know")


class AddAuthoritySerializer(serializers.Serializer):
    authority = serializers.SlugRelatedField(slug_field="code", queryset=Authority.objects.all())


class DropAuthoritySerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=4000,
        help_text=f"Required (at least {required_set.DROP_REASON_MIN} characters) for an authority the triage "
        "requires; reviewers read it",
    )
