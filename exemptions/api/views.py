"""API views: thin. Reads go through `visible_to(user)` QuerySets (what a caller may not see is 404), writes
through services.py and `engine.apply`; errors.py turns their exceptions into the contract's statuses."""

import re
import threading

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView
from rest_framework import generics, parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from exemptions import clearance, procedures, services, uploads
from exemptions.filters import FilingFilter
from exemptions.models import Application, Authority, Document, Event, Filing, FilingView, Message, mark_thread_read
from exemptions.pagination import page_query

from . import listing, workflow_serializers
from . import serializers as s
from .errors import ErrorSerializer
from .pagination import DeadlineCursorPagination
from .permissions import IsApplicantOfDossier, IsApplicantToCreate

# References look like APP-2026-000123 or UK-OFSI-2026-000045; anything else cannot name an object, and
# checking first keeps bytes PostgreSQL rejects (NUL) out of queries.
REFERENCE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,39}")

_ERROR_DESCRIPTIONS = {
    400: "Invalid input: `errors` names each field and what is wrong with it",
    401: "Not signed in: send `Authorization: Token <key>` or a session cookie",
    403: "Visible to you, but your role may not do this",
    404: "No such object, or not visible to you (on a list: no such page)",
    409: "Wrong state, a lost race with another user, or the dossier has been filed (locked)",
}


def errors(*codes) -> dict:
    # 400 on every operation: any request carrying a character the database cannot store is refused
    # (middleware.RefuseUnstorableInputMiddleware), whatever the operation reads.
    return {
        code: OpenApiResponse(ErrorSerializer, description=_ERROR_DESCRIPTIONS[code]) for code in sorted({400, *codes})
    }


def visible_filing(request, reference) -> Filing:
    if not REFERENCE_RE.fullmatch(reference):
        raise NotFound("No such filing.")
    filing = Filing.objects.visible_to(request.user).with_related().filter(reference=reference).first()
    if filing is None:
        raise NotFound("No such filing.")
    return filing


def applications_for(user):
    """The dossiers `user` may see, with everything their JSON reads prefetched."""
    return (
        Application.objects.visible_to(user)
        .select_related("organization")
        .prefetch_related(
            "items",
            "parties",
            "required_authorities",
            "requirements__authority",
            Prefetch(
                "filings",
                queryset=Filing.objects.select_related("authority")
                .order_by("created_at", "id")
                .prefetch_related(clearance.BLOCKING_HITS),
            ),
        )
        .order_by("-created_at", "-id")
    )


class ReferenceLookupMixin:
    """Objects by reference; missing and invisible read the same, so a 404 tells nobody that a case exists."""

    lookup_field = "reference"
    # Any segment reaches the view, which answers JSON 404 for one that cannot be a reference (the router's default
    # refuses a dot, leaving Django's HTML 404).
    lookup_value_regex = "[^/]+"
    not_found = "Not found."

    def get_object(self):
        reference = self.kwargs[self.lookup_field]
        found = REFERENCE_RE.fullmatch(reference) and self.get_queryset().filter(reference=reference).first()
        if not found:
            raise NotFound(self.not_found)
        self.check_object_permissions(self.request, found)
        return found


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema. drf-spectacular loads its extensions into class attributes on first use, which two
    first requests at once (two threads) corrupt into a 500; generating one schema at a time avoids that."""

    _generating = threading.Lock()

    def _get_schema_response(self, request):
        with self._generating:
            return super()._get_schema_response(request)


# --- authorities -------------------------------------------------------------------------------


@extend_schema(responses={200: workflow_serializers.AuthoritySerializer(many=True), **errors(401, 404)})
class AuthorityListView(generics.ListAPIView):
    """Authorities with their workflow: states, transitions, who may run each, and what each asks for."""

    serializer_class = workflow_serializers.AuthoritySerializer
    queryset = Authority.objects.order_by("code", "id")
    filter_backends = []


# --- applications (dossiers) -------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(responses={200: s.ApplicationSerializer(many=True), **errors(401, 404)}),
    create=extend_schema(responses={201: s.ApplicationSerializer, **errors(400, 401, 403)}),
    retrieve=extend_schema(responses={200: s.ApplicationSerializer, **errors(401, 404)}),
    partial_update=extend_schema(responses={200: s.ApplicationSerializer, **errors(400, 401, 403, 404, 409)}),
    destroy=extend_schema(responses={204: None, **errors(401, 403, 404, 409)}),
)
class ApplicationViewSet(ReferenceLookupMixin, viewsets.ModelViewSet):
    """Dossiers with their items and parties. Changes are possible only while no filing has left draft."""

    serializer_class = s.ApplicationSerializer
    not_found = "No such application."
    permission_classes = [IsAuthenticated, IsApplicantToCreate, IsApplicantOfDossier]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filter_backends = []

    def get_queryset(self):
        return applications_for(self.request.user)

    def perform_destroy(self, application):
        services.delete_application(application)

    @extend_schema(
        request=s.NewFilingSerializer,
        responses={201: s.FilingDetailSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="filings")
    def filings(self, request, reference=None):
        """Create a draft filing of this dossier with one authority, with its legal basis and (UN 1718) its channel;
        or, with `follows` and `link`, an extension or amendment of an approval, prefilled from it. Submit it with
        the `submit` action."""
        application = self.get_object()
        serializer = s.NewFilingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, authority = serializer.validated_data, serializer.validated_data["authority"]
        if data.get("follows") or data.get("link"):
            earlier = application.filings.filter(reference=data.get("follows", ""), authority=authority).first()
            if earlier is None:
                raise ValidationError(
                    {"follows": ["Give the reference of an approval of this dossier with that authority."]}
                )
            filing = services.request_linked(
                earlier, request.user, data.get("link", ""), data.get("linked_request", "")
            )
        else:
            filing = services.create_filing(
                application, authority, request.user, channel=serializer.channel(), route=data.get("route", "")
            )
        filing = Filing.objects.with_related().get(pk=filing.pk)
        return Response(s.FilingDetailSerializer(filing, context={"request": request}).data, status=201)


# --- filings -----------------------------------------------------------------------------------

FILTER_PARAMETERS = frozenset(FilingFilter.base_filters)


@extend_schema_view(
    list=extend_schema(responses={200: s.FilingSerializer(many=True), **errors(400, 401, 404)}),
    retrieve=extend_schema(responses={200: s.FilingDetailSerializer, **errors(401, 404)}),
)
class FilingViewSet(ReferenceLookupMixin, viewsets.ReadOnlyModelViewSet):
    """Filings visible to the caller, soonest deadline first; `allowed_actions` lists what the caller may run."""

    filterset_class = FilingFilter
    pagination_class = DeadlineCursorPagination
    not_found = "No such filing."

    def get_queryset(self):
        filings = Filing.objects.visible_to(self.request.user)
        return filings.for_listing() if self.action == "list" else filings.with_related()  # the page orders the list

    # The serializer's JSON, built from plain rows (api/listing.py). The filters run only when one is asked for:
    # with none, django-filter would build and validate a form to change nothing. (A comment, not a docstring:
    # drf-spectacular would publish it as the operation's description.)
    def list(self, request, *args, **kwargs):
        if not listing.COMPLETE:  # a serializer field the fast path cannot write yet: correct first, fast later
            return super().list(request, *args, **kwargs)
        if FILTER_PARAMETERS.isdisjoint(request.query_params):
            read = listing.unfiltered_reader(request.user)
        else:
            filings = self.filter_queryset(Filing.objects.visible_to(request.user)).values_list(*listing.COLUMNS)
            read = lambda cursor, size: page_query(filings, cursor, size)  # noqa: E731
        with listing.planned_for_lists():
            rows = self.paginator.paginate_rows(read, request, position=listing.position)
        return self.paginator.get_paginated_response(listing.RowBuilder(request.user).rows(rows))

    def get_serializer_class(self):
        return s.FilingDetailSerializer if self.action == "retrieve" else s.FilingSerializer

    def retrieve(self, request, *args, **kwargs):
        filing = self.get_object()
        services.record_view(filing, request.user, FilingView.Channel.API)
        return Response(self.get_serializer(filing).data)


ACTION_NAMES = sorted({name for w in procedures.PROCEDURES.values() for name in w.action_names})


class FilingActionView(APIView):
    @extend_schema(
        operation_id="filings_actions_create",
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=ACTION_NAMES)],
        request=workflow_serializers.ActionSerializer,
        responses={200: s.FilingDetailSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, reference, action):
        """Run a workflow transition: `{"note": …, …payload}` as listed in the filing's `allowed_actions`. Send
        its `document` fields as files of a multipart/form-data body (several under one name are all attached);
        each is checked as any upload is, and the action and its files stand or fall together."""
        filing = visible_filing(request, reference)
        files = {name: request.FILES.getlist(name) for name in request.FILES}
        data = {k: v for k, v in request.data.items() if k not in files} if files else request.data
        serializer = workflow_serializers.ActionSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        payload = {k: v for k, v in serializer.validated_data.items() if v not in (None, "")}
        note = payload.pop("note", "")
        # Fields no action knows are passed on so that apply() names them in its error.
        payload.update({k: v for k, v in request.data.items() if k not in serializer.fields and k not in files})
        services.run_action(filing, action, request.user, note, files=files, **payload)
        return Response(s.FilingDetailSerializer(filing, context={"request": request}).data)


class FilingChildMixin:
    """A list under /filings/{reference}/: 404 unless the filing is visible to the caller."""

    filter_backends = []

    @property
    def filing(self) -> Filing:
        if not hasattr(self, "_filing"):
            self._filing = visible_filing(self.request, self.kwargs["reference"])
        return self._filing

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["filing"] = self.filing
        return context


@extend_schema(responses={200: s.EventSerializer(many=True), **errors(401, 404)})
class FilingEventListView(FilingChildMixin, generics.ListAPIView):
    """The audit trail: each event carries the hash of the one before it (`prev_hash`)."""

    serializer_class = s.EventSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Event.objects.none()
        return Event.objects.filter(filing=self.filing).order_by("sequence")


@extend_schema_view(
    get=extend_schema(responses={200: s.MessageSerializer(many=True), **errors(401, 404)}),
    post=extend_schema(responses={201: s.MessageSerializer, **errors(400, 401, 403, 404, 409)}),
)
class FilingMessageListView(FilingChildMixin, generics.ListCreateAPIView):
    """The thread between the applicant organization and the authority."""

    serializer_class = s.MessageSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        return self.filing.messages.select_related("author").order_by("created_at", "id")

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        mark_thread_read(request.user, self.filing)  # the caller has read the thread: nothing is new any more
        return response

    def perform_create(self, serializer):
        serializer.instance = services.post_message(self.filing, self.request.user, serializer.validated_data["body"])


@extend_schema_view(
    get=extend_schema(responses={200: s.DocumentSerializer(many=True), **errors(401, 404)}),
    post=extend_schema(responses={201: s.DocumentSerializer, **errors(400, 401, 403, 404, 409)}),
)
class FilingDocumentListView(FilingChildMixin, generics.ListCreateAPIView):
    """Files of this filing and of its dossier. Upload as multipart/form-data (`file`, `kind`): the applicant
    attaches the request's evidence and the delivery report, the authority its decision letter (another kind is
    400); a withdrawn, denied or closed filing takes no new documents (409)."""

    serializer_class = s.DocumentSerializer
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Document.objects.none()
        return filing_documents(self.filing).select_related("uploaded_by").order_by("uploaded_at", "id")

    def perform_create(self, serializer):
        serializer.instance = services.attach_document(
            by=self.request.user,
            uploaded_file=serializer.validated_data["file"],
            kind=serializer.validated_data.get("kind", Document.Kind.OTHER),
            filing=self.filing,
        )


def filing_documents(filing):
    return Document.objects.filter(Q(filing=filing) | Q(application_id=filing.application_id))


DOWNLOAD_TYPES = [*uploads.ALLOWED_UPLOAD_TYPES, "application/octet-stream"]


class FilingDocumentDownloadView(APIView):
    @extend_schema(
        responses={**{(200, media_type): OpenApiTypes.BINARY for media_type in DOWNLOAD_TYPES}, **errors(401, 404)},
    )
    def get(self, request, reference, document_id):
        """The file itself, as an attachment, to callers who may see the filing."""
        document = filing_documents(visible_filing(request, reference)).filter(pk=document_id).first()
        if document is None:
            raise NotFound("No such document.")
        try:
            return services.download_response(document)
        except services.StoredFileMissing as error:
            raise NotFound(str(error)) from error

    def perform_content_negotiation(self, request, force=False):
        # The file answers any Accept header; errors are JSON.
        return super().perform_content_negotiation(request, force=True)


# --- public register ---------------------------------------------------------------------------


@extend_schema(
    parameters=[
        OpenApiParameter("authority", str, description="Only this authority's approvals (its code, e.g. UN1718)"),
        OpenApiParameter(
            "search", str, description="Organization name, case reference or the authority's own number (licence)"
        ),
    ],
    responses={200: s.RegisterEntrySerializer(many=True), **errors(404)},
    auth=[{}],
)
class RegisterView(generics.ListAPIView):
    """Public register (no sign-in), as on the web page /register/: approvals in force today (valid from on or
    before today and until on or after it) of the authorities that publish theirs. Cacheable for
    REGISTER_CACHE_SECONDS."""

    serializer_class = s.RegisterEntrySerializer
    permission_classes = [AllowAny]
    filter_backends = []

    def get_queryset(self):
        params = self.request.query_params
        return Filing.objects.on_register(
            timezone.localdate(), authority=params.get("authority", ""), search=params.get("search", "")
        ).prefetch_related("application__items")

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == status.HTTP_200_OK:
            patch_cache_control(response, public=True, max_age=settings.REGISTER_CACHE_SECONDS)
        return response
