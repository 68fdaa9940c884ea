"""Party screening in the API: a filing's runs and hits, a reviewer's verdict on a hit (through the engine, as
every change of a filing), and the list versions loaded."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from exemptions import procedures, services, visibility
from exemptions.models import SanctionsListVersion, ScreeningHit, ScreeningRun
from exemptions.screening import runs

from .views import errors, visible_filing


class ListVersionSerializer(serializers.ModelSerializer):
    source_label = serializers.CharField(source="get_source_display", read_only=True)

    class Meta:
        model = SanctionsListVersion
        fields = [
            "id",
            "source",
            "source_label",
            "published_on",
            "sha256",
            "record_count",
            "changed_count",
            "loaded_at",
            "rescreened_at",
        ]


class RunSerializer(serializers.ModelSerializer):
    list_versions = ListVersionSerializer(many=True, read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ScreeningRun
        fields = ["id", "occasion", "created_at", "requested_by", "list_versions", "parties"]


class HitSerializer(serializers.ModelSerializer):
    run = serializers.PrimaryKeyRelatedField(read_only=True)
    list = serializers.SerializerMethodField(help_text="List, publication and programmes; empty for a rule flag")
    rule_label = serializers.CharField(source="get_rule_display", read_only=True)
    disposed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Empty for the applicant"
    )
    blocks_shipping = serializers.BooleanField(source="blocks", read_only=True)
    disposition = serializers.CharField(
        read_only=True, help_text="false_positive, confirmed, or empty while the hit awaits a verdict"
    )

    class Meta:
        model = ScreeningHit
        fields = [
            "id",
            "run",
            "party_index",
            "party_name",
            "party_role",
            "party_country",
            "matched_name",
            "list",
            "rule",
            "rule_label",
            "score",
            "reasons",
            "disposition",
            "disposition_note",
            "disposed_by",
            "disposed_at",
            "blocks_shipping",
        ]

    def to_representation(self, hit):
        """The verdict's reason and who gave it are the authority's own, like any internal note."""
        data = super().to_representation(hit)
        if not self.context.get("internal"):
            data["disposition_note"], data["disposed_by"] = "", None
        return data

    def get_list(self, hit) -> str:
        return "" if hit.rule else hit.what


class ScreeningSerializer(serializers.Serializer):
    filing = serializers.CharField()
    blocks_shipping = serializers.BooleanField(help_text="A hit awaits a verdict or was confirmed")
    runs = RunSerializer(many=True)
    hits = HitSerializer(many=True)


class DispositionSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=ScreeningHit.Disposition.choices)
    note = serializers.CharField(help_text="Why: kept in the audit trail", max_length=4000)
    expected_version = serializers.IntegerField(required=False, help_text="The filing version you read")


class FilingScreeningView(APIView):
    @extend_schema(responses={200: ScreeningSerializer, **errors(401, 404)})
    def get(self, request, reference):
        """The filing's screening runs (the one frozen when it was filed, and rescreens after list changes),
        each with the list versions it used, and every hit with its verdict."""
        filing = visible_filing(request, reference)
        hits = list(runs.filing_hits(filing))
        filing_runs = filing.screening_runs.prefetch_related("list_versions").select_related("requested_by")
        data = {"filing": filing.reference, "blocks_shipping": any(h.blocks for h in hits), "runs": filing_runs}
        internal = visibility.reads_internal(request.user, filing)
        return Response(ScreeningSerializer({**data, "hits": hits}, context={"internal": internal}).data)


class HitDispositionView(APIView):
    @extend_schema(request=DispositionSerializer, responses={200: HitSerializer, **errors(400, 401, 403, 404, 409)})
    def post(self, request, reference, hit_id):
        """A reviewer's verdict on a hit: `false_positive` (clears it) or `confirmed`. Recorded as an event of
        the filing's audit trail; the filing's status does not change."""
        filing = visible_filing(request, reference)
        number = int(hit_id) if hit_id.isascii() and hit_id.isdigit() and len(hit_id) < 19 else None
        hit = ScreeningHit.objects.filter(filing=filing, pk=number).first() if number is not None else None
        if hit is None:
            raise NotFound("No such hit on this filing.")
        serializer = DispositionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        action = filing.procedure.action_with_effect(procedures.RECORD_DISPOSITION)
        extra = {"expected_version": data["expected_version"]} if "expected_version" in data else {}
        services.run_action(
            filing, action, request.user, data["note"], hit=str(hit.pk), verdict=data["verdict"], **extra
        )
        hit = runs.filing_hits(filing).get(pk=hit.pk)
        internal = visibility.reads_internal(request.user, filing)
        return Response(HitSerializer(hit, context={"internal": internal}).data)


@extend_schema(responses={200: ListVersionSerializer(many=True), **errors(401, 404)})
class SanctionsListVersionListView(generics.ListAPIView):
    """Every version of every sanctions list loaded, newest first per list."""

    serializer_class = ListVersionSerializer
    permission_classes = [IsAuthenticated]
    filter_backends = []
    queryset = SanctionsListVersion.objects.order_by("source", "-loaded_at", "-id")
