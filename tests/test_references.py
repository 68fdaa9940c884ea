"""Human-readable references: the right shape, unique, never reused, safe under concurrent creation."""

import re
import threading

import pytest
from django.db import connection

from exemptions.models import Application, Filing, next_reference
from tests import factories


def test_application_and_filing_references_have_the_documented_shape(dossier, applicant):
    filing = factories.filing(dossier, "UN1718", applicant)
    assert re.fullmatch(r"APP-\d{4}-\d{6}", dossier.reference)
    assert re.fullmatch(r"UN1718-\d{4}-\d{6}", filing.reference)


def test_a_deleted_application_number_is_never_handed_out_again(org, applicant):
    first = factories.complete_dossier(org, applicant)
    number = first.reference
    first.delete()
    second = factories.complete_dossier(org, applicant)
    assert second.reference != number and second.reference > number


@pytest.mark.django_db(transaction=True)
def test_concurrent_creators_never_get_the_same_reference():
    org = factories.organization()
    by = factories.applicant_of(org)
    references, errors = [], []
    barrier = threading.Barrier(8)

    def create(n):
        try:
            barrier.wait()
            for _ in range(5):
                references.append(factories.complete_dossier(org, by, title=f"Concurrent {n}").reference)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(references) == 40 == len(set(references))
    assert Application.objects.count() == 40


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_use_of_a_new_prefix_still_yields_distinct_numbers():
    results = []
    barrier = threading.Barrier(6)

    def take():
        try:
            barrier.wait()
            results.append(next_reference("TEST", 2031))
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [f"TEST-2031-{n:06d}" for n in range(1, 7)]


def test_filing_reference_uses_the_authority_code(dossier, applicant):
    assert factories.filing(dossier, "UK-OFSI", applicant).reference.startswith("UK-OFSI-")
    assert Filing.objects.count() == 1
