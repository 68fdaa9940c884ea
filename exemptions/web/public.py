"""Pages for anyone, signed in or not: the workflow diagrams, the public register of exemptions in force, and
the health check."""

from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from exemptions import procedures
from exemptions.models import Authority, Filing, Item

from . import diagram
from .shortcuts import page_of


def workflow_list(request):
    return render(request, "exemptions/workflow_list.html", {"authorities": Authority.objects.all()})


def workflow_detail(request, code, route=""):
    authority = get_object_or_404(Authority, code=code)
    if route and route not in authority.routes:
        raise Http404(f"{authority.code} has no procedure {route}.")
    wf = procedures.procedure_for(route) if route else authority.procedure
    states = []
    for state in wf.states:
        outgoing = [
            {"transition": t, "target": wf.state(t.target_from(state.name)), "roles": sorted(t.roles)}
            for t in wf.transitions
            if state.name in t.sources
        ]
        shorter = dict(state.deadline.working_days_setting_when).get(procedures.EXPEDITED) if state.deadline else None
        states.append(
            {
                "state": state,
                "outgoing": outgoing,
                "expedited": getattr(authority, shorter) if shorter else None,
            }
        )
    context = {
        "authority": authority,
        "workflow": wf,
        "routes": [(key, procedures.procedure_for(key).name) for key in authority.routes],
        "states": states,
        "mermaid": wf.mermaid(),
        "graph": diagram.layout(wf),
    }
    return render(request, "exemptions/workflow_detail.html", context)


def register(request):
    """Approvals in force, for anyone: what a bank or a shipper checks before moving goods."""
    authority = request.GET.get("authority", "")
    search = request.GET.get("search", "").strip()
    approvals = Filing.objects.on_register(timezone.localdate(), authority=authority, search=search)
    page = page_of(request, approvals)
    rows = [
        (
            f,
            sorted(
                {dict(Item.Category.choices).get(i.get("category"), "") for i in (f.snapshot or {}).get("items", [])}
            ),
        )
        for f in page
    ]
    context = {
        "page": page,
        "rows": rows,
        "authorities": Authority.objects.filter(publishes_register=True),
        "authority": authority,
        "search": search,
    }
    return render(request, "exemptions/register.html", context)


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
