"""The filing list's filters, one FilterSet for both faces: `GET /api/v1/filings/` uses it as it is, and the
reviewer queue (web/queue.py) adds a sort, its defaults and the user's own authorities. So a queue URL and an
API query read the same and find the same filings."""

import django_filters
from django.utils import timezone

from .models import Filing
from .procedures import PROCEDURES

OPEN = "open"


def status_choices(workflows) -> list[tuple[str, str]]:
    """`open`, then every state of these workflows in the order they declare them."""
    seen = {}
    for wf in workflows:
        for state in wf.states:
            seen.setdefault(state.name, state.staff_label)
    return [(OPEN, "All open cases"), *seen.items()]


class FilingFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=status_choices(PROCEDURES.values()),
        method="filter_status",
        label="Status",
        empty_label="All statuses",
        help_text="`open`: every state but the final ones; or one workflow state, e.g. in_review",
    )
    authority = django_filters.CharFilter(
        field_name="authority__code",
        lookup_expr="iexact",
        max_length=20,
        label="Authority",
        help_text="Authority code, e.g. OFAC",
    )
    # A choice, not a BooleanFilter: that one silently ignores values it cannot read.
    overdue = django_filters.ChoiceFilter(
        choices=[("true", "Overdue"), ("false", "Not overdue")],
        method="filter_overdue",
        label="Deadline",
        empty_label="Any deadline",
        help_text="`true`: past its current deadline; `false`: not past it (or no deadline running)",
    )
    assigned_to = django_filters.ChoiceFilter(
        choices=[("me", "Me")],
        method="filter_assigned_to",
        label="Assigned to",
        empty_label="Anyone",
        help_text="`me`: filings assigned to the caller",
    )
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=200,
        label="Reference or organization",
        help_text="Part of a reference (ours or the authority's), a title or an organization name",
    )

    # The methods' `value: str` hints tell drf-spectacular the query parameters' type; without one it takes
    # the model field's (assigned_to: an integer key) and publishes an integer that must equal "me".

    class Meta:
        model = Filing
        fields = ["status", "authority", "overdue", "assigned_to", "search"]

    def filter_status(self, queryset, name, value: str):
        return queryset.open() if value == OPEN else queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value: str):
        now = timezone.now()
        return queryset.overdue(now) if value == "true" else queryset.exclude(due_at__lt=now)

    def filter_assigned_to(self, queryset, name, value: str):
        return queryset.filter(assigned_to=self.request.user)

    def filter_search(self, queryset, name, value: str):
        return queryset.search(value)
