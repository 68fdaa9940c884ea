"""The framework floor (a DRF endpoint that returns a fixed body with no query of its own), the list's query
alone, and the naive peer (a plain ModelViewSet of the same rows).

The runner saves a real `GET /api/v1/filings/` response to a file and starts the server with
BENCH_STATIC_LIST_FILE pointing at it, so this endpoint sends the same bytes through the same
authentication, permission and rendering, and only the work of the list endpoint differs.
"""

import json
import os
from functools import cache

from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from exemptions.api.pagination import PageNumberPagination
from exemptions.api.serializers import FilingSerializer
from exemptions.models import Filing


@cache
def _static_body():
    path = os.environ.get("BENCH_STATIC_LIST_FILE")
    if not path:
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class StaticListView(APIView):
    """Session or token authenticated like the product API; answers with the saved list."""

    def get(self, request):
        body = _static_body()
        if body is None:
            return Response({"detail": "Set BENCH_STATIC_LIST_FILE to a saved list response."}, status=404)
        return Response(body)


class QueryOnlyListView(APIView):
    """The list endpoint's query without its serializer: the same visible filings, order, page and columns, sent as
    the rows `values()` returns. Between this and the static list lies what the query costs; between this and the
    real endpoint, what building models and serializing them costs."""

    def get(self, request):
        filings = Filing.objects.visible_to(request.user).by_deadline()
        return Response({"results": list(filings.values(*filings.listing_columns())[:25])})


class NaiveFilingViewSet(viewsets.ReadOnlyModelViewSet):
    """The naive peer: what a plain DRF list of the same rows costs. A ModelViewSet with `select_related`, the
    same serializer, visibility and order, and page-number pagination (which counts every visible filing)."""

    serializer_class = FilingSerializer
    pagination_class = PageNumberPagination
    filter_backends = []

    def get_queryset(self):
        visible = Filing.objects.visible_to(self.request.user)
        return visible.select_related("application__organization", "authority", "assigned_to").by_deadline()
