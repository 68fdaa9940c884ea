"""The product's URLs plus the benchmark-only static list endpoint (never part of the product)."""

from django.urls import path

from bench.views import QueryOnlyListView, StaticListView
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    path("bench/static-list/", StaticListView.as_view(), name="bench-static-list"),
    path("bench/query-only-list/", QueryOnlyListView.as_view(), name="bench-query-only-list"),
    *product_urlpatterns,
]
