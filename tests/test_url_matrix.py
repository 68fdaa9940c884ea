"""Every URL of the site (web UI and API) × every persona: the status each one gets, declared cell by cell.

The URL list is generated from the URL resolver, so a new page or endpoint without a declared row fails
here until someone decides who may see it. Invisible objects are 404 (never 403), so nobody learns that a
case exists; anonymous callers are sent to sign in (web) or get 401 (API)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from exemptions import services
from exemptions.models import Role
from tests import factories

PERSONAS = ("applicant_a", "applicant_b", "reviewer_un", "reviewer_ofac", "staff_un", "anonymous")
# Who may see org A's dossier and its UN1718 filing; every other persona must find no trace of them.
ALLOWED = {"applicant_a", "reviewer_un", "staff_un"}
# Endpoints that only take POST are called with an empty body: the answer shows the access rule first.
POST_ONLY = {
    "logout", "api:token", "api:filing-action", "api:application-filings",
    "application_file", "application_copy", "application_delete", "filing_action", "filing_message",
    "filing_document", "filing_follow", "api_token_revoke", "api:filing-screening-disposition", "application_screen",
    "shipment_plan", "planned_visit_add", "visit_add", "incident_add", "incident_reported", "shipment_departure",
    "shipment_delivery", "shipment_distribution", "shipment_cancel", "api:shipment-delivery", "api:incident-reported",
    "application_retriage", "application_authority_add", "application_authority_drop",
    "api:application-authority-add", "api:application-authority-drop",
}  # fmt: skip
# URLs of a dossier's after-approval pages, called with the dossier's reference.
DOSSIER_URLS = {"shipments_overview", "shipment_plan", "planned_visit_add", "visit_add", "incident_add"}

# One row per URL name, one status per persona, in the order of PERSONAS. 404 means "no such case" to the
# caller; 302 sends an anonymous visitor to sign in; 401 asks an API client for credentials.
EXPECTED = {
    # Django's auth pages: open to all, the password change needs a session.
    "login": (200, 200, 200, 200, 200, 200),
    "logout": (302, 302, 302, 302, 302, 302),
    "password_change": (200, 200, 200, 200, 200, 302),
    "password_change_done": (200, 200, 200, 200, 200, 302),
    "password_reset": (200, 200, 200, 200, 200, 200),
    "password_reset_done": (200, 200, 200, 200, 200, 200),
    "password_reset_confirm": (200, 200, 200, 200, 200, 200),  # an invalid link page, for everyone
    "password_reset_complete": (200, 200, 200, 200, 200, 200),
    # API.
    "api:token": (400, 400, 400, 400, 400, 400),  # no credentials sent
    "api:authority-list": (200, 200, 200, 200, 200, 401),
    "api:filing-action": (403, 404, 200, 404, 200, 401),  # "take": visible to the applicant, not its role
    "api:filing-events": (200, 404, 200, 404, 200, 401),
    "api:filing-messages": (200, 404, 200, 404, 200, 401),
    "api:filing-documents": (200, 404, 200, 404, 200, 401),
    "api:filing-document-download": (200, 404, 200, 404, 200, 401),
    "api:register": (200, 200, 200, 200, 200, 200),
    "api:filing-screening": (200, 404, 200, 404, 200, 401),
    "api:filing-screening-disposition": (404, 404, 404, 404, 404, 401),  # the filing has no such hit
    "api:sanctions-lists": (200, 200, 200, 200, 200, 401),
    "api:application-list": (200, 200, 200, 200, 200, 401),  # each sees only its own rows
    "api:application-detail": (200, 404, 200, 404, 200, 401),  # the authority it was filed with sees it
    "api:application-filings": (400, 404, 403, 404, 403, 401),  # visible to the authority, not its role
    "api:application-triage": (200, 404, 200, 404, 200, 401),  # a reviewer reads its own line and the drops
    "api:application-authority-add": (400, 404, 403, 404, 403, 401),  # only the organization shapes the set
    "api:application-authority-drop": (200, 404, 403, 404, 403, 401),  # one the applicant chose: no reason needed
    "api:filing-list": (200, 200, 200, 200, 200, 401),
    "api:filing-detail": (200, 404, 200, 404, 200, 401),
    # After approval (issue 19). The world's filing is filed, not approved: the organization sees its dossier's
    # page and may write (an empty form: 400); no authority has ruled, so no authority sees it yet. No shipment,
    # incident or visit file exists, so their URLs are 404 for everyone signed in.
    "api:shipment-list": (200, 200, 200, 200, 200, 401),  # each sees only its own rows
    "api:shipment-detail": (404, 404, 404, 404, 404, 401),
    "api:shipment-delivery": (404, 404, 404, 404, 404, 401),
    "api:shipment-distributions": (404, 404, 404, 404, 404, 401),
    "api:visit-list": (200, 200, 200, 200, 200, 401),
    "api:incident-list": (200, 200, 200, 200, 200, 401),
    "api:incident-reported": (404, 404, 404, 404, 404, 401),
    "api:filing-shipping": (404, 404, 404, 404, 404, 401),  # not an approval (yet)
    "api:filing-end-use-report": (404, 404, 404, 404, 404, 401),
    "shipments_overview": (200, 404, 404, 404, 404, 302),
    "shipment_plan": (400, 404, 404, 404, 404, 302),
    "planned_visit_add": (400, 404, 404, 404, 404, 302),
    "visit_add": (400, 404, 404, 404, 404, 302),
    "incident_add": (400, 404, 404, 404, 404, 302),
    "incident_reported": (404, 404, 404, 404, 404, 302),
    "visit_file_download": (404, 404, 404, 404, 404, 302),
    "shipment_detail": (404, 404, 404, 404, 404, 302),
    "shipment_departure": (404, 404, 404, 404, 404, 302),
    "shipment_delivery": (404, 404, 404, 404, 404, 302),
    "shipment_distribution": (404, 404, 404, 404, 404, 302),
    "shipment_cancel": (404, 404, 404, 404, 404, 302),
    "approval_report": (404, 404, 404, 404, 404, 302),  # not an approval (yet)
    "monitoring_dashboard": (200, 200, 200, 200, 200, 302),  # each sees its own organization's dossiers
    "api:schema": (200, 200, 200, 200, 200, 200),
    "api:docs": (200, 200, 200, 200, 200, 200),
    # Web UI.
    "home": (200, 200, 302, 302, 302, 302),  # authority people are sent on to their queue
    "application_new": (200, 200, 404, 404, 404, 302),
    "application_detail": (200, 404, 404, 404, 404, 302),
    "application_file": (400, 404, 404, 404, 404, 302),
    "application_copy": (302, 404, 404, 404, 404, 302),  # the owner lands on the new draft
    "application_delete": (302, 404, 404, 404, 404, 302),  # filed: kept, and the owner is told why
    "application_screen": (302, 404, 404, 404, 404, 302),  # the owner screens its parties, back to the dossier
    "application_retriage": (302, 404, 404, 404, 404, 302),  # the triage, then back to the dossier
    "application_authority_add": (302, 404, 404, 404, 404, 302),  # nothing chosen: told so on the dossier
    "application_authority_drop": (302, 404, 404, 404, 404, 302),  # one the applicant chose goes without a reason
    "application_edit": (302, 404, 404, 404, 404, 302),  # filed: the owner is sent back to the overview
    "filing_detail": (200, 404, 200, 404, 200, 302),
    "filing_action": (403, 404, 302, 404, 302, 302),
    "filing_message": (400, 404, 400, 404, 400, 302),
    "filing_document": (400, 404, 400, 404, 400, 302),
    # An extension or amendment: the applicant's, of an approval only (this filing is pending).
    "filing_follow": (403, 404, 403, 404, 403, 302),
    "document_download": (200, 404, 200, 404, 200, 302),
    "review_queue": (404, 404, 200, 200, 200, 302),
    "staff_dashboard": (404, 404, 404, 404, 200, 302),
    "staff_dashboard_for": (404, 404, 404, 404, 200, 302),
    "workflow_list": (200, 200, 200, 200, 200, 200),
    "workflow_detail": (200, 200, 200, 200, 200, 200),
    "workflow_route": (200, 200, 200, 200, 200, 200),
    "register": (200, 200, 200, 200, 200, 200),
    "public_statistics": (200, 200, 200, 200, 200, 200),  # aggregates only, no case or organization
    "processing_times": (404, 404, 404, 404, 200, 302),  # staff of their own authority
    "processing_times_for": (404, 404, 404, 404, 200, 302),
    "organization_statistics": (200, 200, 404, 404, 404, 302),  # an applicant's own organization's figures
    "healthz": (200, 200, 200, 200, 200, 200),
    "favicon": (301, 301, 301, 301, 301, 301),
    "email_preferences": (200, 200, 200, 200, 200, 302),
    "api_tokens": (200, 200, 200, 200, 200, 302),
    "api_token_revoke": (302, 302, 302, 302, 302, 302),  # back to the list (no such token), or to sign in
}


def url_patterns(resolver=None, namespace=""):
    """(name, parameter names) of every URL the site serves, the admin's aside (its own staff-only gate)."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if str(entry.pattern).startswith("admin/"):
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and "format" not in entry.pattern.regex.groupindex:
            yield f"{namespace}{entry.name}", tuple(entry.pattern.regex.groupindex)


@pytest.fixture
def world(db):
    org_a, org_b = factories.organization("Org A"), factories.organization("Org B")
    people = {
        "applicant_a": factories.applicant_of(org_a, "applicant-a"),
        "applicant_b": factories.applicant_of(org_b, "applicant-b"),
        "reviewer_un": factories.authority_member("UN1718", Role.REVIEWER, "reviewer-un"),
        "reviewer_ofac": factories.authority_member("OFAC", Role.REVIEWER, "reviewer-ofac"),
        "staff_un": factories.authority_member("UN1718", Role.STAFF, "staff-un"),
        "anonymous": None,
    }
    applicant = people["applicant_a"]
    dossier = factories.complete_dossier(org_a, applicant)
    services.attach_document(
        by=applicant, uploaded_file=SimpleUploadedFile("cover.pdf", b"%PDF-1.4 cover"), application=dossier
    )
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    document = dossier.documents.get()
    values = {
        "section": "basics",
        "action": "take",
        "pk": document.pk,
        "document_id": document.pk,
        "code": "UN1718",
        "route": "un1718",
        "token_key": "0123456789abcde",
        "fmt": "pdf",
        "hit_id": 1,
    }
    secrets = [dossier.reference, filing.reference, dossier.title, "Helvetic Pharma SA"]
    return people, dossier, filing, values, secrets


def path_for(name, params, dossier, filing, values):
    kwargs = {key: values.get(key) for key in params}
    if "reference" in kwargs:
        kwargs["reference"] = dossier.reference if "application" in name or name in DOSSIER_URLS else filing.reference
    if name == "password_reset_confirm":
        kwargs = {"uidb64": "MQ", "token": "set-password"}
    return reverse(name, kwargs=kwargs)


def call(name, path, user):
    # A fresh client per visit: one URL (logout, a session-changing POST) must not change the next one's caller.
    client = Client()
    if user is not None:
        client.force_login(user)
    if name in POST_ONLY:
        if name.startswith("api:"):
            return client.post(path, data={}, content_type="application/json")
        return client.post(path, data={})
    return client.get(path)


def test_every_url_has_a_declared_row():
    served = {name for name, _ in url_patterns()}
    assert sorted(served - EXPECTED.keys()) == [], "new URLs: declare who may reach them in EXPECTED"
    assert sorted(EXPECTED.keys() - served) == [], "stale rows in EXPECTED"


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_url_answers_each_persona_as_declared_and_leaks_nothing(world, persona):
    people, dossier, filing, values, secrets = world
    column = PERSONAS.index(persona)
    wrong, leaks = [], []
    for name, params in url_patterns():
        path = path_for(name, params, dossier, filing, values)
        response = call(name, path, people[persona])
        if response.status_code != EXPECTED[name][column]:
            wrong.append(f"{name} {path}: {response.status_code}, declared {EXPECTED[name][column]}")
        if persona not in ALLOWED and not response.streaming:
            body = response.content.decode(errors="replace")
            leaks += [f"{name} {path} shows {secret!r}" for secret in secrets if secret in body]
    assert wrong == []
    assert leaks == []
