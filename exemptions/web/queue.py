"""The authority's side: the reviewer queue (filtered and paged in deadline order) and the staff dashboard
(counts, overdue cases, time to decision, proposals to confirm, cases to assign, a weekly chart)."""

import datetime as dt
import statistics

import django_filters
from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncWeek
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from exemptions import engine, procedures
from exemptions.filters import OPEN, FilingFilter, status_choices
from exemptions.models import Authority, Filing, Role, ScreeningHit, authority_ids, filings_with_unread_messages
from exemptions.pagination import Cursor, InvalidCursor, deadline_page, page_size

from .forms import ActionForm, reviewers_of

# States in which the next move is the authority's: the only ones its members can be late in.
AUTHORITYS_MOVE = procedures.states_where(waits_on=procedures.AUTHORITY)


class QueueFilter(FilingFilter):
    """The API list's filters (exemptions/filters.py) for the user's own authorities, plus a sort; without a
    status in the URL the queue shows the open cases."""

    authority = django_filters.ModelChoiceFilter(
        queryset=Authority.objects.none(), to_field_name="code", label="Authority", empty_label="All my authorities"
    )
    # Its own filter, not the API's with other choices: a filter's form field is built once and then shared.
    overdue = django_filters.ChoiceFilter(
        choices=[("true", "Overdue on our side"), ("false", "Not overdue on our side")],
        method="filter_overdue",
        label="Deadline",
        empty_label="Any deadline",
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
        if data.get("overdue") == "on":  # bookmarked links from when "overdue" was a checkbox
            data["overdue"] = "true"
        super().__init__(data, *args, **kwargs)
        self.filters["authority"].queryset = Authority.objects.filter(pk__in=[a.pk for a in authorities])
        # Authority members never see drafts.
        choices = status_choices(procedure for a in authorities for procedure in a.route_procedures)
        self.filters["status"].extra["choices"] = [c for c in choices if c[0] != procedures.INITIAL]
        self.filters["search"].extra["widget"] = forms.TextInput(attrs={"type": "search"})
        self.filters["overdue"].extra["choices"] = [
            ("true", "Overdue on our side"),
            ("false", "Not overdue on our side"),
        ]
        for queue_filter in self.filters.values():
            queue_filter.extra.pop("help_text", None)  # written for API clients; the labels say it on the page

    def filter_overdue(self, queryset, name, value: str):
        """Overdue on the authority's side: past its deadline while the next move is the authority's. A case
        waiting on the applicant's reply is late on their side, not in the reviewer's queue."""
        late = Q(due_at__lt=timezone.now(), status__in=AUTHORITYS_MOVE)
        return queryset.filter(late) if value == "true" else queryset.exclude(late)

    def filter_sort(self, queryset, name, value):
        return queryset  # the page orders the rows (exemptions/pagination.py): its cursors follow the direction


def queue_authorities(user):
    if user.is_superuser:
        return Authority.objects.all()
    return Authority.objects.filter(pk__in=authority_ids(user))


@login_required
def review_queue(request):
    authorities = list(queue_authorities(request.user))
    if not authorities:
        raise Http404("The review queue is for members of an authority.")
    filings = Filing.objects.visible_to(request.user).filter(authority__in=authorities, submitted_at__isnull=False)
    # The flag column: a screening hit awaits a verdict or was confirmed (an EXISTS per row of the page only).
    flagged = Exists(ScreeningHit.objects.blocking().filter(filing=OuterRef("pk")))
    listing = filings.for_listing().annotate(screening_flag=flagged)
    queue = QueueFilter(request.GET, queryset=listing, request=request, authorities=authorities)
    rows = queue.qs
    cursor, cursor_error = None, None
    if request.GET.get("cursor"):
        try:
            cursor = Cursor.decode(request.GET["cursor"])
        except InvalidCursor as error:
            cursor_error = str(error)
    descending = queue.form.cleaned_data.get("sort") == "-due" if queue.is_valid() else False
    page = deadline_page(rows, cursor, page_size(request.GET.get("page_size")), descending)
    context = {
        "filter": queue,
        "page": page,
        "cursor_error": cursor_error,
        "now": timezone.now(),
        "multiple_authorities": len(authorities) > 1,
        "unread": filings_with_unread_messages(request.user, [filing.pk for filing in page]),
    }
    template = "exemptions/_queue_results.html" if request.htmx else "exemptions/review_queue.html"
    return render(request, template, context)


def staff_authorities(user):
    if user.is_superuser:
        return Authority.objects.all()
    return Authority.objects.filter(pk__in=authority_ids(user, {Role.STAFF}))


@login_required
def staff_dashboard(request, code=None):
    authorities = list(staff_authorities(request.user))
    authority = next((a for a in authorities if code is None or a.code == code), None)
    if authority is None:
        raise Http404("The dashboard is for authority staff.")
    now = timezone.now()
    wf = authority.procedure
    filings = Filing.objects.filter(authority=authority, submitted_at__isnull=False)
    counted = dict(filings.values_list("status").annotate(n=Count("id")).order_by())
    states = {s.name: s for procedure in authority.route_procedures for s in procedure.states if not s.initial}
    counts = [(s, counted.get(s.name, 0)) for s in states.values()]
    overdue = filings.overdue(now).filter(status__in=AUTHORITYS_MOVE).with_related().order_by("due_at")[:25]
    decided = filings.filter(decided_at__gte=now - dt.timedelta(days=90)).only(
        "submitted_at", "forwarded_at", "decided_at", "applicant_wait_seconds"
    )
    durations = [f.authority_time.total_seconds() / 86400 for f in decided]  # a forwarding body's time excluded
    reviewers = reviewers_of(authority)

    def with_forms(queryset, action):
        rows = []
        for filing in queryset.with_related()[:25]:
            transition = next((t for t in engine.available_actions(filing, request.user) if t.name == action), None)
            rows.append((filing, ActionForm(transition, filing, reviewers=reviewers) if transition else None))
        return rows

    context = {
        "authority": authority,
        "authorities": authorities,
        "counts": counts,
        "open_total": sum(n for s, n in counts if not s.terminal),
        "overdue": overdue,
        "median_days": round(statistics.median(durations), 1) if durations else None,
        "decided_count": len(durations),
        "proposed": [
            row
            for state, action in proposals_to_confirm(wf)
            for row in with_forms(filings.filter(status=state).order_by("due_at"), action)
        ],
        "unassigned": with_forms(
            filings.filter(status=filed_state(wf)).order_by("due_at"), wf.action_with_effect(procedures.ASSIGN_REVIEWER)
        ),
        "chart": weekly_chart(filings, now),
    }
    return render(request, "exemptions/staff_dashboard.html", context)


def filed_state(procedure) -> str:
    """Where a newly filed case waits for a reviewer."""
    return procedure.with_effect(procedures.SNAPSHOT_DOSSIER)[0].target


def proposals_to_confirm(procedure) -> list[tuple[str, str]]:
    """(state, action): states the clock proposes a decision in (e.g. the end of a no-objection period), and the
    staff action that confirms it."""
    proposed = {t.target for t in procedure.triggered_by(procedures.DEADLINE_PASSED)}
    return [
        (source, t.name)
        for t in procedure.transitions
        if t.roles == {procedures.STAFF} and t.target
        for source in t.sources
        if source in proposed
    ]


CHART_WEEKS, CHART_WIDTH, CHART_HEIGHT, CHART_TOP = 12, 640, 180, 12


def weekly_chart(filings, now) -> dict:
    """New filings and decisions per week over the last 12 weeks, as bar geometry for an inline SVG."""
    first_week = (now - dt.timedelta(weeks=CHART_WEEKS - 1)).date()
    first_week -= dt.timedelta(days=first_week.weekday())
    since = dt.datetime.combine(first_week, dt.time(), tzinfo=dt.UTC)

    def per_week(field):
        rows = (
            filings.filter(**{f"{field}__gte": since})
            .annotate(week=TruncWeek(field, tzinfo=dt.UTC))
            .values_list("week")
            .annotate(n=Count("id"))
            .order_by()
        )
        return {week.date(): n for week, n in rows}

    received, decided = per_week("submitted_at"), per_week("decided_at")
    weeks = [first_week + dt.timedelta(weeks=i) for i in range(CHART_WEEKS)]
    peak = max([*received.values(), *decided.values(), 1])
    slot = CHART_WIDTH / CHART_WEEKS
    bar = slot * 0.36
    scale = (CHART_HEIGHT - CHART_TOP) / peak
    bars = []
    for i, week in enumerate(weeks):
        x = i * slot + slot * 0.12
        for offset, series, values in ((0, "received", received), (bar, "decided", decided)):
            n = values.get(week, 0)
            height = n * scale
            bars.append(
                {"x": round(x + offset, 1), "y": round(CHART_HEIGHT - height, 1), "width": round(bar, 1),
                 "height": round(height, 1), "series": series, "count": n, "week": week,
                 "cx": round(x + offset + bar / 2, 1), "label_y": round(CHART_HEIGHT - height - 4, 1)}
            )  # fmt: skip
    labels = [{"x": round(i * slot + slot / 2, 1), "week": w} for i, w in enumerate(weeks) if i % 2 == 0]
    return {
        "bars": bars,
        "labels": labels,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "peak": peak,
        "rows": [(w, received.get(w, 0), decided.get(w, 0)) for w in weeks],
    }
