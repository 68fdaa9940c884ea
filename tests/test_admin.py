"""The Django admin: every model is registered, status is read-only, overrides go through the workflow."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from exemptions.models import Filing
from tests import factories


@pytest.fixture
def admin_client_(client, django_user_model):
    superuser = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(superuser)
    return client


def test_every_model_is_registered_in_the_admin():
    missing = [m.__name__ for m in apps.get_app_config("exemptions").get_models()
               if m not in admin.site._registry and m.__name__ != "ReferenceCounter"]  # fmt: skip
    assert missing == []


@pytest.mark.parametrize("model", ["organization", "authority", "application", "filing", "event", "outgoingemail"])
def test_admin_lists_render(admin_client_, dossier, applicant, model):
    factories.submitted_filing(dossier, "OFAC", applicant)
    response = admin_client_.get(reverse(f"admin:exemptions_{model}_changelist") + "?q=2026")
    assert response.status_code == 200


def test_filing_status_is_read_only_in_the_admin(admin_client_, dossier, applicant):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    page = admin_client_.get(reverse("admin:exemptions_filing_change", args=[filing.pk])).content.decode()
    assert 'name="status"' not in page and "Override status" in page


def test_override_requires_a_reason_and_records_a_real_transition(admin_client_, dossier, applicant):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    url = reverse("admin:exemptions_filing_override", args=[filing.pk])
    response = admin_client_.post(url, {"action": "take", "reason": "", "payload": "{}"})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert Filing.objects.get(pk=filing.pk).status == "submitted"
    response = admin_client_.post(url, {"action": "take", "reason": "Reviewer on leave", "payload": "{}"})
    assert response.status_code == 302
    event = filing.events.order_by("-sequence").first()
    assert (event.action, event.note, event.actor_label) == ("take", "Reviewer on leave", "root")


def test_override_shows_workflow_errors_instead_of_failing(admin_client_, dossier, applicant):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    url = reverse("admin:exemptions_filing_override", args=[filing.pk])
    admin_client_.post(url, {"action": "take", "reason": "r", "payload": "{}"})
    response = admin_client_.post(url, {"action": "approve", "reason": "r", "payload": '{"valid_from_on": "x"}'})
    assert response.status_code == 200 and "valid_from_on" in response.content.decode()
    assert Filing.objects.get(pk=filing.pk).status == "in_review"
