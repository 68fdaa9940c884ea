"""The Django admin: every model is registered, status is read-only, overrides go through the workflow."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from exemptions.models import Authority, Filing, OutgoingEmail
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


# --- permissions of the custom admin views, and what the filing form may change ------------------------------


def staff_with(client, *codenames):
    """A staff user (may enter the admin) holding only the named permissions of the exemptions app."""
    user = factories.user(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="exemptions", codename__in=codenames))
    client.force_login(user)
    return client


@pytest.mark.parametrize("codenames", [(), ("view_filing",)], ids=["no permission", "view only"])
def test_override_needs_the_change_permission_on_filings(client, dossier, applicant, codenames):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    staff = staff_with(client, *codenames)
    url = reverse("admin:exemptions_filing_override", args=[filing.pk])
    assert staff.get(url).status_code == 403
    assert staff.post(url, {"action": "take", "reason": "r", "payload": "{}"}).status_code == 403
    assert Filing.objects.get(pk=filing.pk).status == "submitted" and filing.events.count() == 1


def test_view_only_staff_get_no_override_link_and_holders_of_change_open_the_page(client, dossier, applicant):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    page = staff_with(client, "view_filing").get(reverse("admin:exemptions_filing_change", args=[filing.pk]))
    assert page.status_code == 200 and "Override status" not in page.content.decode()
    override = reverse("admin:exemptions_filing_override", args=[filing.pk])
    assert staff_with(client, "view_filing", "change_filing").get(override).status_code == 200


def test_the_filing_form_cannot_move_a_filing_to_another_dossier_authority_or_state(
    admin_client_, dossier, applicant, org
):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    other = factories.complete_dossier(org, applicant, title="Other dossier")
    url = reverse("admin:exemptions_filing_change", args=[filing.pk])
    page = admin_client_.get(url).content.decode()
    for field in ("application", "authority", "status", "assigned_to", "authority_reference", "valid_until_on"):
        assert f'name="{field}"' not in page, field
    uk = Authority.objects.get(code="UK-OFSI")
    form = {
        "application": other.pk, "authority": uk.pk, "status": "approved", "authority_reference": "FORGED",
        "valid_from_on": "2027-01-01", "valid_until_on": "2027-06-30",
        "legal_basis": "notification", "submission_channel": "direct", "channel_detail": "",
        "events-TOTAL_FORMS": "1", "events-INITIAL_FORMS": "1", "events-MIN_NUM_FORMS": "0",
        "events-MAX_NUM_FORMS": "1000", "events-0-id": filing.events.get().pk, "events-0-filing": filing.pk,
    }  # fmt: skip
    response = admin_client_.post(url, form)
    assert response.status_code == 302, response.content.decode()
    filing.refresh_from_db()
    assert (filing.application, filing.authority.code, filing.status) == (dossier, "OFAC", "submitted")
    assert (filing.authority_reference, filing.valid_until_on) == ("", None)
    assert filing.legal_basis == "notification"  # how it was sent stays correctable


def test_filings_cannot_be_added_from_the_admin(admin_client_):
    assert admin_client_.get(reverse("admin:exemptions_filing_add")).status_code == 403


def unsent_email(recipient):
    return OutgoingEmail.objects.create(
        family=OutgoingEmail.Family.DIGEST,
        authority=Authority.objects.get(code="OFAC"),
        due_at=timezone.now(),
        recipient=recipient,
        attempts=5,
        error="SMTP down",
    )


def test_retrying_emails_needs_the_change_permission_on_the_outbox(client, applicant):
    email = unsent_email(applicant)
    url = reverse("admin:exemptions_outgoingemail_changelist")
    retry = {"action": "retry_now", "_selected_action": [email.pk]}
    assert staff_with(client).post(url, retry).status_code == 403
    viewer = staff_with(client, "view_outgoingemail")
    assert "retry_now" not in viewer.get(url).content.decode()
    viewer.post(url, retry)
    email.refresh_from_db()
    assert (email.attempts, email.error) == (5, "SMTP down")
    staff_with(client, "view_outgoingemail", "change_outgoingemail").post(url, retry)
    email.refresh_from_db()
    assert (email.attempts, email.error) == (0, "")
