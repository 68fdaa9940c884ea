"""The "API tokens" page: a person's named tokens listed, one made, one revoked, nobody else's touched."""

from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from exemptions import tokens
from exemptions.models import ApiToken


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def api_status(secret):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client.get("/api/v1/filings/").status_code


def test_page_lists_each_named_token_with_its_dates(applicant):
    tokens.issue(applicant, "CI exporter")
    _, used = tokens.issue(applicant, "laptop")
    api_status(used)
    html = signed_in(applicant).get(reverse("api_tokens")).content.decode()
    assert "CI exporter" in html and "laptop" in html
    assert html.count("not yet") == 1  # the laptop token's last use is shown, the exporter's is "not yet"
    assert html.count(">Revoke</button>") == 2


def test_page_shows_none_of_another_users_tokens(applicant, applicant_other):
    tokens.issue(applicant_other, "someone else's")
    html = signed_in(applicant).get(reverse("api_tokens")).content.decode()
    assert "someone else" not in html and "You have no API tokens." in html


def test_revoking_one_token_from_the_page_ends_it_and_keeps_the_other(applicant):
    revoked, revoked_secret = tokens.issue(applicant, "old laptop")
    _, kept_secret = tokens.issue(applicant, "CI exporter")
    client = signed_in(applicant)
    response = client.post(reverse("api_token_revoke", args=[revoked.token_key]), follow=True)
    assert "The token is revoked" in response.content.decode()
    assert "old laptop" not in response.content.decode() and "CI exporter" in response.content.decode()
    assert api_status(revoked_secret) == 401
    assert api_status(kept_secret) == 200


def test_nobody_can_revoke_another_users_token(applicant, applicant_other):
    theirs, secret = tokens.issue(applicant_other, "theirs")
    response = signed_in(applicant).post(reverse("api_token_revoke", args=[theirs.token_key]), follow=True)
    assert "No such token" in response.content.decode()
    assert api_status(secret) == 200


def test_revoking_takes_a_post(applicant):
    token, _ = tokens.issue(applicant, "laptop")
    opened = signed_in(applicant).get(reverse("api_token_revoke", args=[token.token_key]))
    assert opened.status_code == 302 and opened.url == reverse("api_tokens")  # the list, not a blank 405
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_new_token_is_shown_once_and_works(applicant):
    client = signed_in(applicant)
    response = client.post(reverse("api_tokens"), {"name": "reporting script"})
    html = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    secret = html.split('<code id="new-token">')[1].split("</code>")[0]
    assert api_status(secret) == 200
    assert ApiToken.objects.get(user=applicant).name == "reporting script"
    assert secret not in client.get(reverse("api_tokens")).content.decode()


def test_new_token_needs_a_name(applicant):
    response = signed_in(applicant).post(reverse("api_tokens"), {"name": "  "})
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()
