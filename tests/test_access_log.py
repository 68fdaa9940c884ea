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
