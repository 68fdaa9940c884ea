"""Processing-time evidence: a page for an authority's staff (their authority) and an anonymised public page
(aggregates per authority only, suppressed below analytics.PUBLIC_MINIMUM decided cases)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from exemptions import analytics

from .queue import staff_authorities


@login_required
def processing_times(request, code=None):
    authorities = list(staff_authorities(request.user))
    authority = next((a for a in authorities if code is None or a.code == code), None)
    if authority is None:
        raise Http404("Processing times are for authority staff.")
    ((_, figures),) = analytics.by_authority([authority])
    context = {"authority": authority, "authorities": authorities, "figures": figures}
    return render(request, "exemptions/processing_times.html", context)


def public_statistics(request):
    context = {"rows": analytics.public_rows(), "minimum": analytics.PUBLIC_MINIMUM}
    return render(request, "exemptions/public_statistics.html", context)
