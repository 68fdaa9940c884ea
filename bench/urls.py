"""The product's URLs plus the benchmark-only static list endpoint (never part of the product)."""

from django.urls import path

from bench.views import StaticListView
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    path("bench/static-list/", StaticListView.as_view(), name="bench-static-list"),
    *product_urlpatterns,
]
