"""Who at an authority opened a case file is recorded; applicants reading their own case are not."""

import pytest
from django.urls import reverse

from exemptions import services
from exemptions.models import FilingView
from tests import factories


@pytest.fixture
def filing(dossier, applicant):
    return factories.submitted_filing(dossier, "UN1718", applicant)


def test_reviewer_and_staff_views_are_logged_applicant_views_are_not(filing, applicant, reviewer_un, staff_un):
    assert services.record_view(filing, applicant, FilingView.Channel.WEB) is None
    services.record_view(filing, reviewer_un, FilingView.Channel.WEB)
    services.record_view(filing, staff_un, FilingView.Channel.API)
    assert [(v.user, v.channel) for v in services.recent_views(filing)] == [
        (staff_un, "api"),
        (reviewer_un, "web"),
    ]


def test_opening_a_filing_in_the_admin_is_logged(client, filing, django_user_model):
    admin_user = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin_user)
    response = client.get(reverse("admin:exemptions_filing_change", args=[filing.pk]))
    assert response.status_code == 200
    assert FilingView.objects.get().user == admin_user
    assert FilingView.objects.get().channel == "admin"
    # The log itself is read-only, even to a superuser.
    response = client.get(reverse("admin:exemptions_filingview_changelist"))
    assert response.status_code == 200 and filing.reference in response.content.decode()
    assert (
        client.post(reverse("admin:exemptions_filingview_delete", args=[FilingView.objects.get().pk])).status_code
        == 403
    )


def test_web_and_api_views_by_the_authority_are_logged_and_shown_to_its_staff(
    client, filing, applicant, reviewer_un, staff_un, reviewer_ofac
):
    page = reverse("filing_detail", args=[filing.reference])
    client.force_login(applicant)
    assert client.get(page).status_code == 200
    assert "Opened by" not in client.get(page).content.decode()  # applicants do not see the log
    client.force_login(reviewer_un)
    assert client.get(page).status_code == 200
    assert "Opened by" not in client.get(page).content.decode()  # nor do reviewers
    assert client.get(f"/api/v1/filings/{filing.reference}/").status_code == 200
    client.force_login(reviewer_ofac)
    assert client.get(page).status_code == 404  # not visible: not logged either
    client.force_login(staff_un)
    shown = client.get(page).content.decode()
    assert "Opened by" in shown and "reviewer-un" in shown

    logged = [(v.user.username, v.channel) for v in FilingView.objects.order_by("id")]
    assert logged == [("reviewer-un", "web"), ("reviewer-un", "web"), ("reviewer-un", "api"), ("staff-un", "web")]
