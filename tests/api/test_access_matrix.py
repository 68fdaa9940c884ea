"""Role × organization × authority: who sees which filing through every endpoint. Invisible is 404, never 403,
so nobody learns that a case exists; visible-but-not-your-role is 403."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from exemptions import services
from exemptions.models import Role
from tests import factories

PEOPLE = [
    "applicant",
    "applicant2",
    "applicant-other",
    "reviewer-un",
    "staff-un",
    "reviewer-ofac",
    "staff-ofac",
    "admin",
]

# Which filings each person may see: the organization sees its own (drafts too), an authority its own once filed.
VISIBLE = {
    "un_draft": {"applicant", "applicant2", "admin"},
    "un_submitted": {"applicant", "applicant2", "reviewer-un", "staff-un", "admin"},
    "ofac_submitted": {"applicant", "applicant2", "reviewer-ofac", "staff-ofac", "admin"},
}


@pytest.fixture
def world(org, other_org, applicant):
    people = {
        "applicant": applicant,
        "applicant2": factories.applicant_of(org, "applicant2"),
        "applicant-other": factories.applicant_of(other_org, "applicant-other"),
        "reviewer-un": factories.authority_member("UN1718", Role.REVIEWER, "reviewer-un"),
        "staff-un": factories.authority_member("UN1718", Role.STAFF, "staff-un"),
        "reviewer-ofac": factories.authority_member("OFAC", Role.REVIEWER, "reviewer-ofac"),
        "staff-ofac": factories.authority_member("OFAC", Role.STAFF, "staff-ofac"),
        "admin": factories.user("admin", is_superuser=True, is_staff=True),
    }
    filings = {
        "un_draft": factories.filing(factories.complete_dossier(org, applicant), "UN1718", applicant),
        "un_submitted": factories.submitted_filing(factories.complete_dossier(org, applicant), "UN1718", applicant),
        "ofac_submitted": factories.submitted_filing(factories.complete_dossier(org, applicant), "OFAC", applicant),
    }
    documents = {
        key: services.attach_document(by=applicant, uploaded_file=SimpleUploadedFile("a.pdf", b"%PDF-1.4 a"), filing=f)
        for key, f in filings.items()
    }
    return people, filings, documents


@pytest.mark.parametrize("person", PEOPLE)
def test_every_read_endpoint_shows_exactly_the_visible_filings(world, client_for, person):
    people, filings, documents = world
    client = client_for(people[person])
    listed = {f["reference"] for f in client.get("/api/v1/filings/").json()["results"]}
    assert listed == {filings[key].reference for key in VISIBLE if person in VISIBLE[key]}
    for key, filing in filings.items():
        expected = 200 if person in VISIBLE[key] else 404
        base = f"/api/v1/filings/{filing.reference}/"
        for path in ("", "events/", "messages/", "documents/", f"documents/{documents[key].pk}/download/"):
            assert client.get(base + path).status_code == expected, (person, key, path)
        application = client.get(f"/api/v1/applications/{filing.application.reference}/")
        assert application.status_code == expected, (person, key)
        if expected == 404:
            body = client.get(base).json()
            assert body == {"detail": "No such filing.", "errors": {}}  # the same words whether it exists or not


@pytest.mark.parametrize("person", PEOPLE)
def test_every_write_endpoint_answers_404_for_invisible_filings(world, client_for, person):
    people, filings, _ = world
    client = client_for(people[person])
    for key, filing in filings.items():
        base = f"/api/v1/filings/{filing.reference}/"
        message = client.post(base + "messages/", {"body": "hello"}, format="json")
        upload = client.post(
            base + "documents/",
            {"file": SimpleUploadedFile("b.pdf", b"%PDF-1.4 b"), "kind": "other"},
            format="multipart",
        )
        take = client.post(base + "actions/take/", {}, format="json")
        if person not in VISIBLE[key]:
            assert (message.status_code, upload.status_code, take.status_code) == (404, 404, 404), (person, key)
            continue
        assert (message.status_code, upload.status_code) == (201, 201), (person, key)
        authority_member = person in {"reviewer-un", "staff-un", "reviewer-ofac", "staff-ofac", "admin"}
        if key == "un_draft":
            assert take.status_code == (409 if person == "admin" else 403), (person, key)
        else:
            assert take.status_code == (200 if authority_member else 403), (person, key)


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/authorities/"),
        ("get", "/api/v1/applications/"),
        ("post", "/api/v1/applications/"),
        ("get", "/api/v1/filings/"),
        ("get", "/api/v1/filings/{ref}/"),
        ("post", "/api/v1/filings/{ref}/actions/take/"),
        ("get", "/api/v1/filings/{ref}/events/"),
        ("get", "/api/v1/filings/{ref}/messages/"),
        ("post", "/api/v1/filings/{ref}/messages/"),
        ("get", "/api/v1/filings/{ref}/documents/"),
        ("post", "/api/v1/filings/{ref}/documents/"),
    ],
)
def test_anonymous_callers_get_401_everywhere_but_the_register(world, anon, method, path):
    _, filings, _ = world
    response = getattr(anon, method)(path.format(ref=filings["un_submitted"].reference))
    assert response.status_code == 401
    assert anon.get("/api/v1/register/").status_code == 200
