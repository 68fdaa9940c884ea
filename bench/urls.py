"""The product's URLs plus the benchmark-only static list endpoint (never part of the product)."""

from django.urls import path

from bench.views import NaiveFilingViewSet, QueryOnlyListView, StaticListView
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    path("bench/static-list/", StaticListView.as_view(), name="bench-static-list"),
    path("bench/query-only-list/", QueryOnlyListView.as_view(), name="bench-query-only-list"),
    path("bench/naive-list/", NaiveFilingViewSet.as_view({"get": "list"}), name="bench-naive-list"),
    *product_urlpatterns,
]
