"""Query-string filters of the filing list: the reviewer queue's filters, for API clients."""

import django_filters
from django.utils import timezone

from exemptions.models import Filing
from exemptions.procedures import PROCEDURES

STATUS_CHOICES = sorted({(s.name, s.staff_label) for w in PROCEDURES.values() for s in w.states})


class FilingFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, help_text="Workflow state, e.g. in_review")
    authority = django_filters.CharFilter(
        field_name="authority__code", lookup_expr="iexact", max_length=20, help_text="Authority code, e.g. OFAC"
    )
    # A choice, not a BooleanFilter: that one silently ignores values it cannot read.
    overdue = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")], method="filter_overdue", help_text="Past its current deadline"
    )
    assigned_to = django_filters.ChoiceFilter(
        choices=[("me", "me")], method="filter_assigned_to", help_text="`me`: filings assigned to the caller"
    )
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=200,
        help_text="Part of a reference (ours or the authority's), a title or an organization name",
    )

    class Meta:
        model = Filing
        fields = ["status", "authority", "overdue", "assigned_to", "search"]

    def filter_overdue(self, queryset, name, value):
        now = timezone.now()
        return queryset.overdue(now) if value == "true" else queryset.exclude(due_at__lt=now)

    def filter_assigned_to(self, queryset, name, value):
        return queryset.filter(assigned_to=self.request.user)

    def filter_search(self, queryset, name, value):
        return queryset.search(value)
