"""The required authorities of a dossier in the API: the `triage` block on an application, the live triage
with its notes, and the applicant's add-authority and drop-authority actions. Writes go through
required_set.py (a drop of a required authority without a reason is a 400; a reviewer's attempt a 403)."""

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from exemptions import required_set
from exemptions.models import Application, Authority

from .triage_serializers import (
    AddAuthoritySerializer,
    DropAuthoritySerializer,
    RequiredAuthoritySerializer,
    TriageSerializer,
)
from .views import REFERENCE_RE, applications_for, errors


def _application(request, reference) -> Application:
    found = REFERENCE_RE.fullmatch(reference) and applications_for(request.user).filter(reference=reference).first()
    if not found:
        raise NotFound("No such application.")
    return found


def _triage(request, application, notes=None) -> Response:
    application = _application(request, application.reference)  # the set as it now stands
    if notes is None:
        notes = required_set.triage_of(application).notes
    lines = required_set.entries_visible_to(application, request.user)
    return Response({"authorities": RequiredAuthoritySerializer(lines, many=True).data, "notes": notes})


class TriageView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: TriageSerializer, **errors(401, 404)})
    def get(self, request, reference):
        """The authorities this dossier needs, the route proposed for each and why, and what the triage still
        needs to know."""
        return _triage(request, _application(request, reference))

    @extend_schema(request=None, responses={200: TriageSerializer, **errors(401, 403, 404)})
    def post(self, request, reference):
        """Run the triage again on the dossier as it stands (it also runs after every change to the dossier)."""
        application = _application(request, reference)
        required_set.ensure_applicant(application, request.user)
        result = required_set.retriage(application)
        return _triage(request, application, result.notes)


class AddAuthorityView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=AddAuthoritySerializer, responses={200: TriageSerializer, **errors(401, 403, 404)})
    def post(self, request, reference):
        """Add an authority to the dossier's required set (or take back its drop)."""
        application = _application(request, reference)
        required_set.ensure_applicant(application, request.user)  # a reviewer hears 403 before any 400
        serializer = AddAuthoritySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        required_set.add(application, serializer.validated_data["authority"], request.user)
        return _triage(request, application)


class DropAuthorityView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=DropAuthoritySerializer, responses={200: TriageSerializer, **errors(401, 403, 404)})
    def post(self, request, reference, code):
        """Drop an authority from the required set. One the triage requires needs a written `reason`, which
        reviewers see; cleared-to-ship then no longer counts it."""
        application = _application(request, reference)
        required_set.ensure_applicant(application, request.user)
        authority = Authority.objects.filter(code=code).first()
        if authority is None:
            raise NotFound("No such authority.")
        serializer = DropAuthoritySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        required_set.drop(application, authority, request.user, serializer.validated_data.get("reason", ""))
        return _triage(request, application)
