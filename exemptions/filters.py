"""Filters of the reviewer queue. Parameter names match the API's (`status`, `authority`, `overdue`,
`assigned_to=me`, `search`), so a queue URL and an API query read the same."""

import django_filters
from django import forms
from django.utils import timezone

from .models import Authority
from .procedures import PROCEDURES

OPEN = "open"


def status_choices(workflows) -> list[tuple[str, str]]:
    seen = {}
    for wf in workflows:
        for state in wf.states:
            if state.name != "draft":
                seen.setdefault(state.name, state.staff_label)
    return [(OPEN, "All open cases"), *seen.items()]


class FilingQueueFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search",
        label="Reference or organization",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = django_filters.ChoiceFilter(method="filter_status", label="Status", empty_label="All statuses")
    authority = django_filters.ModelChoiceFilter(
        queryset=Authority.objects.none(), to_field_name="code", label="Authority", empty_label="All my authorities"
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="Overdue only", widget=forms.CheckboxInput)
    assigned_to = django_filters.ChoiceFilter(
        choices=[("me", "Me")], method="filter_assigned", label="Assigned to", empty_label="Anyone"
    )
    sort = django_filters.ChoiceFilter(
        choices=[("due", "Due soonest first"), ("-due", "Due latest first (no deadline at the top)")],
        method="filter_sort",
        label="Sort by",
        empty_label=None,
    )

    def __init__(self, data=None, *args, authorities, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("status", OPEN)
        data.setdefault("sort", "due")
        super().__init__(data, *args, **kwargs)
        self.filters["authority"].queryset = Authority.objects.filter(pk__in=[a.pk for a in authorities])
        self.filters["status"].extra["choices"] = status_choices(
            {PROCEDURES[a.workflow_key] for a in authorities} or PROCEDURES.values()
        )

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_status(self, queryset, name, value):
        if value == OPEN:
            terminal = {s.name for wf in PROCEDURES.values() for s in wf.states if s.terminal}
            return queryset.exclude(status__in=terminal)
        return queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue(timezone.now()) if value else queryset

    def filter_assigned(self, queryset, name, value):
        return queryset.filter(assigned_to=self.request.user) if value == "me" else queryset

    def filter_sort(self, queryset, name, value):
        return queryset  # the page orders the rows (exemptions/pagination.py): its cursors follow the direction
