"""A dossier's life after its first filing: check your answers before filing, copy into a new draft, a new
request after a denial, return or expiry (linked to the earlier filing), deleting a never-filed draft, one open or
approved request per authority, and no blank 405 when a POST-only address is reloaded or bookmarked."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exemptions import engine, lifecycle, procedures, services
from exemptions.demo import drive
from exemptions.models import Application, Authority, Document, Filing, Role
from tests import factories


def url(name, *args):
    return reverse(name, args=args)


def authority(code):
    return Authority.objects.get(code=code)


def with_cover_letter(application, by):
    services.attach_document(
        by=by,
        uploaded_file=SimpleUploadedFile("cover.pdf", b"%PDF-1.4 signed cover letter"),
        kind=Document.Kind.COVER_LETTER,
        application=application,
    )
    return application


def drive_to(filing, state, applicant):
    """Bring `filing` into `state` along real transitions."""
    code = filing.authority.code
    return drive(
        filing,
        state,
        applicant=applicant,
        reviewer=factories.member_of(code, Role.REVIEWER),
        staff=factories.member_of(code, Role.STAFF),
    )


# --- check your answers -------------------------------------------------------------------------


def test_filing_starts_with_a_check_of_the_answers_that_files_nothing(dossier, applicant):
    client = factories.web_client(applicant)
    page = client.get(url("application_file", dossier.reference), {"authorities": [authority("OFAC").pk]})
    body = page.content.decode()
    assert page.status_code == 200
    assert "Check your answers before filing" in body and "Rifampicin tablets" in body and "Helvetic Pharma SA" in body
    assert "File the dossier" in body
    assert not dossier.filings.exists()
    filed = client.post(url("application_file", dossier.reference), {"authorities": [authority("OFAC").pk]})
    assert filed.status_code == 302
    assert dossier.filings.get().status != procedures.INITIAL


def test_the_check_names_what_a_chosen_authority_still_needs(org, applicant):
    half = factories.complete_dossier(org, applicant, monitoring_arrangements="")
    body = (
        factories.web_client(applicant)
        .get(url("application_file", half.reference), {"authorities": [authority("UN1718").pk]})
        .content.decode()
    )
    assert "UN1718 needs more" in body and "Monitoring arrangements" in body


def test_the_overview_sends_to_the_check_instead_of_filing(dossier, applicant):
    body = factories.web_client(applicant).get(url("application_detail", dossier.reference)).content.decode()
    assert f'<form method="get" action="{url("application_file", dossier.reference)}"' in body
    assert "Check your answers" in body


# --- no 405 on a reload -------------------------------------------------------------------------


def test_a_post_only_address_opened_with_get_shows_its_page(dossier, applicant, reviewer_un):
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    client = factories.web_client(reviewer_un)
    for address in (
        url("filing_action", filing.reference, "take"),
        url("filing_message", filing.reference),
    ):
        reloaded = client.get(address)
        assert reloaded.status_code == 302 and reloaded.url.startswith(url("filing_detail", filing.reference))
    owner = factories.web_client(applicant)
    assert owner.get(url("application_file", dossier.reference)).status_code == 200
    for name in ("application_copy", "application_delete"):
        assert owner.get(url(name, dossier.reference)).url == url("application_detail", dossier.reference)
    assert owner.get(url("api_token_revoke", "0123456789abcde")).url == url("api_tokens")


def test_an_action_form_error_then_a_get_of_its_address_lands_on_the_case(dossier, applicant, reviewer_un):
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    engine.apply(filing, "take", reviewer_un)
    client = factories.web_client(reviewer_un)
    address = url("filing_action", filing.reference, "request_information")
    assert client.post(address, {"request_information-version": filing.version}).status_code == 400
    assert client.get(address, follow=True).status_code == 200


# --- copy ---------------------------------------------------------------------------------------


def test_copying_a_filed_dossier_makes_an_editable_draft_without_documents(dossier, applicant):
    with_cover_letter(dossier, applicant)
    factories.submitted_filing(dossier, "OFAC", applicant)
    response = factories.web_client(applicant).post(url("application_copy", dossier.reference))
    copy = Application.objects.exclude(pk=dossier.pk).get()
    assert response.url == url("application_detail", copy.reference)
    assert copy.title == f"{dossier.title} (copy)" and not copy.is_locked and not copy.filings.exists()
    assert (copy.beneficiaries, copy.monitoring_arrangements, copy.financial_channel, copy.destinations) == (
        dossier.beneficiaries, dossier.monitoring_arrangements, dossier.financial_channel, dossier.destinations
    )  # fmt: skip
    assert list(copy.items.values_list("description", "hs_code", "quantity")) == list(
        dossier.items.values_list("description", "hs_code", "quantity")
    )
    assert list(copy.parties.values_list("role", "name", "country")) == list(
        dossier.parties.values_list("role", "name", "country")
    )
    assert not copy.documents.exists() and dossier.documents.count() == 1
    services.update_application(copy, applicant, title="Second consignment")  # the copy is a draft
    dossier.refresh_from_db()
    assert dossier.is_locked and dossier.title == "TB drugs for provincial sanatoria"


def test_copying_with_documents_copies_their_content(dossier, applicant):
    with_cover_letter(dossier, applicant)
    factories.web_client(applicant).post(url("application_copy", dossier.reference), {"with_documents": "on"})
    copy = Application.objects.exclude(pk=dossier.pk).get()
    original, duplicate = dossier.documents.get(), copy.documents.get()
    assert (duplicate.sha256, duplicate.original_name, duplicate.kind) == (
        original.sha256, original.original_name, original.kind
    )  # fmt: skip
    assert duplicate.file.name != original.file.name
    with services.open_document(duplicate) as stored:
        assert stored.read() == b"%PDF-1.4 signed cover letter"


def test_nobody_else_can_copy_a_dossier(dossier, applicant_other, reviewer_un):
    factories.submitted_filing(dossier, "UN1718", factories.applicant_of(dossier.organization))
    for outsider in (applicant_other, reviewer_un):
        assert factories.web_client(outsider).post(url("application_copy", dossier.reference)).status_code == 404
    assert Application.objects.count() == 1


# --- delete a draft -----------------------------------------------------------------------------


def test_a_never_filed_draft_can_be_deleted_with_its_documents(dossier, applicant):
    with_cover_letter(dossier, applicant)
    factories.filing(dossier, "OFAC", applicant)  # a draft filing, never sent
    page = factories.web_client(applicant).get(url("application_detail", dossier.reference)).content.decode()
    assert "Delete this draft" in page
    response = factories.web_client(applicant).post(url("application_delete", dossier.reference))
    assert response.url == url("home")
    assert not Application.objects.filter(pk=dossier.pk).exists() and not Document.objects.exists()


def test_a_filed_dossier_is_kept(dossier, applicant):
    factories.submitted_filing(dossier, "OFAC", applicant)
    page = factories.web_client(applicant).get(url("application_detail", dossier.reference)).content.decode()
    assert "Delete this draft" not in page
    response = factories.web_client(applicant).post(url("application_delete", dossier.reference), follow=True)
    assert "kept as a record" in response.content.decode()
    assert Application.objects.filter(pk=dossier.pk).exists()
    with pytest.raises(services.DossierLocked):
        lifecycle.delete_draft(dossier)


# --- a new request after a denial, a return or an expiry ----------------------------------------


@pytest.mark.parametrize(
    "code, state",
    [("UN1718", "objected"), ("OFAC", "returned_without_action"), ("UK-OFSI", "expired"), ("BIS", "withdrawn")],
)
def test_a_new_request_follows_the_earlier_filing(dossier, applicant, code, state):
    earlier = drive_to(factories.filing(dossier, code, applicant), state, applicant)
    assert lifecycle.may_file_again(earlier)
    client = factories.web_client(applicant)
    case_page = client.get(url("filing_detail", earlier.reference)).content.decode()
    assert "File a new request" in case_page and "There is nothing for you to do" not in case_page
    check = client.get(url("application_file", dossier.reference), {"follows": earlier.reference})
    assert check.status_code == 200 and earlier.reference in check.content.decode()
    filed = client.post(
        url("application_file", dossier.reference),
        {"follows": earlier.reference, "authorities": [earlier.authority_id]},
    )
    assert filed.status_code == 302
    again = Filing.objects.get(follows=earlier)
    assert (again.link, again.authority_id, again.application_id) == (
        Filing.Link.RESUBMISSION, earlier.authority_id, dossier.pk
    )  # fmt: skip
    assert again.submitted_at is not None and again.snapshot["title"] == dossier.title
    assert not lifecycle.may_file_again(again)
    reviewer = factories.member_of(code, Role.REVIEWER)
    seen = factories.web_client(reviewer).get(url("filing_detail", again.reference)).content.decode()
    follows = seen[seen.index('id="follows"') :][:400]
    assert earlier.reference in follows and "New request after a denial" in follows


def test_no_new_request_beside_an_approval(dossier, applicant):
    approved = factories.approved_filing(dossier, "OFAC", applicant, dt.date(2027, 1, 1), dt.date(2027, 9, 30))
    client = factories.web_client(applicant)
    assert "File a new request" not in client.get(url("filing_detail", approved.reference)).content.decode()
    refused = client.post(url("application_file", dossier.reference), {"authorities": [approved.authority_id]})
    assert refused.status_code == 400
    assert dossier.filings.count() == 1
    with pytest.raises(Exception, match="still open or approved"):
        lifecycle.file_again(approved, applicant)


def test_a_pending_request_is_not_offered_again(dossier, applicant):
    factories.submitted_filing(dossier, "OFAC", applicant)
    page = factories.web_client(applicant).get(url("application_file", dossier.reference)).content.decode()
    assert f'value="{authority("OFAC").pk}"' not in page
