from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from .models import Application, Filing


@login_required
def home(request):
    applications = Application.objects.visible_to(request.user).select_related("organization")[:50]
    filings = Filing.objects.visible_to(request.user).with_related()[:50]
    return render(request, "exemptions/home.html", {"applications": applications, "filings": filings})


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
