"""Processing-time evidence, three faces of the same tables (exemptions/analytics): authority staff see their
authority's, an applicant their organization's, and anyone the public page with every authority's, anonymised
(aggregates only, each figure from analytics.PUBLIC_MINIMUM cases or more). Every table downloads as CSV
(`?csv=<table key>`) with what its page shows, under the same rule."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from exemptions import analytics
from exemptions.models import Filing, Organization, organization_ids

from .queue import staff_authorities

CSV_PARAMETER = "csv"


def _answer(request, template: str, context: dict, tables: list[analytics.Table], file_stem: str):
    """The page, or one of its tables as CSV when the query asks for it (an unknown table is a 404)."""
    wanted = request.GET.get(CSV_PARAMETER)
    if wanted is not None:
        table = next((t for t in tables if t.key == wanted), None)
        if table is None:
            raise Http404("No such table.")
        response = HttpResponse(analytics.to_csv(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{file_stem}-{table.key}.csv"'
        return response
    context["tables"] = [
        (table, analytics.table_chart(table), [list(zip(table.columns, row, strict=True)) for row in table.rows])
        for table in tables
    ]
    context["minimum"] = analytics.PUBLIC_MINIMUM
    return render(request, template, context)


def _tables(filings) -> tuple[analytics.Figures, list[analytics.Table]]:
    cases = analytics.load_cases(filings)
    return analytics.figures_of(cases), analytics.build_tables(cases, timezone.localdate())


@login_required
def processing_times(request, code=None):
    authorities = list(staff_authorities(request.user))
    authority = next((a for a in authorities if code is None or a.code == code), None)
    if authority is None:
        raise Http404("Processing times are for authority staff.")
    figures, tables = _tables(Filing.objects.filter(authority=authority))
    context = {"authority": authority, "authorities": authorities, "figures": figures}
    return _answer(request, "exemptions/processing_times.html", context, tables, f"{authority.code}-processing-times")


@login_required
def organization_statistics(request):
    """An applicant's own organization's figures (`?organization=<id>` for one who applies for several)."""
    organizations = list(Organization.objects.filter(pk__in=organization_ids(request.user)).order_by("name", "pk"))
    chosen = request.GET.get("organization")
    organization = next((o for o in organizations if chosen is None or str(o.pk) == chosen), None)
    if organization is None:
        raise Http404("These figures are for an organization's applicants.")
    figures, tables = _tables(Filing.objects.filter(application__organization=organization))
    context = {"organization": organization, "organizations": organizations, "figures": figures}
    return _answer(request, "exemptions/organization_statistics.html", context, tables, "our-processing-times")


def public_statistics(request):
    _, tables = _tables(Filing.objects.all())
    public = [analytics.publishable(table) for table in tables]
    return _answer(request, "exemptions/public_statistics.html", {}, public, "processing-time-statistics")
