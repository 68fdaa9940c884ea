"""Keyset pages (exemptions/pagination.py): walking `next` then `previous` visits every filing exactly once, in
deadline order, with ties and missing deadlines, in both sort directions."""

import datetime as dt
import random

import pytest

from exemptions.models import NO_DEADLINE, Filing
from exemptions.pagination import COUNT_LIMIT, Cursor, InvalidCursor, deadline_page, page_size
from tests import factories


@pytest.fixture
def filings(org, applicant):
    """13 drafts whose deadlines repeat (ties broken by id) and five of which have none."""
    made = [factories.filing(factories.complete_dossier(org, applicant), "OFAC", applicant) for _ in range(13)]
    days = [3, None, 1, 3, None, 2, 3, None, 1, None, 2, 3, None]
    random.Random(7).shuffle(days)
    for filing, day in zip(made, days, strict=True):
        due = dt.datetime(2030, 1, day, tzinfo=dt.UTC) if day else None
        Filing.objects.filter(pk=filing.pk).update(due_at=due)
    return Filing.objects.filter(pk__in=[f.pk for f in made])


def expected_order(queryset, descending):
    rows = sorted(queryset, key=lambda f: (f.due_at or NO_DEADLINE, f.pk), reverse=descending)
    return [f.pk for f in rows]


def walk(queryset, size, descending):
    """Every page forwards from the first, then backwards from the last."""
    forwards, page = [], deadline_page(queryset, None, size, descending)
    pages = [page]
    for _ in range(queryset.count() + 1):  # a cursor that failed to advance would loop for ever
        forwards += [f.pk for f in page]
        if not page.has_next:
            break
        page = deadline_page(queryset, page.next_cursor, size, descending)
        pages.append(page)
    backwards = []
    for _ in range(queryset.count() + 1):
        if not page.has_previous:
            break
        page = deadline_page(queryset, page.previous_cursor, size, descending)
        backwards = [f.pk for f in page] + backwards
    return forwards, backwards, pages


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("size", [1, 4, 13, 20])
def test_pages_visit_every_filing_once_in_deadline_order(filings, size, descending):
    forwards, backwards, pages = walk(filings, size, descending)
    order = expected_order(filings, descending)
    assert forwards == order
    last_page_size = len(pages[-1])
    assert backwards == order[: len(order) - last_page_size]
    assert all(len(p) == size for p in pages[:-1]) and 0 < last_page_size <= size
    assert not pages[0].has_previous and not pages[-1].has_next
    assert {p.count for p in pages} == {13} and not pages[0].count_is_capped


def test_a_filing_added_between_pages_neither_repeats_nor_shifts_a_row(filings, org, applicant):
    first = deadline_page(filings, None, 5)
    earliest = factories.filing(factories.complete_dossier(org, applicant), "OFAC", applicant)
    Filing.objects.filter(pk=earliest.pk).update(due_at=dt.datetime(2029, 1, 1, tzinfo=dt.UTC))
    second = deadline_page(Filing.objects.all(), first.next_cursor, 5)
    assert [f.pk for f in second] == expected_order(filings, False)[5:10]


def test_cursors_survive_their_encoding_and_reject_anything_else(filings):
    cursor = deadline_page(filings, None, 3).next_cursor
    assert Cursor.decode(cursor.encode()) == cursor
    for bad in ["", "x", "@@@", Cursor(dt.datetime(2030, 1, 1), 5).encode(), "YXwyMDMwfDA"]:
        with pytest.raises(InvalidCursor):
            Cursor.decode(bad)


def test_the_count_stops_at_its_limit(filings, monkeypatch):
    monkeypatch.setattr("exemptions.pagination.COUNT_LIMIT", 10)
    page = deadline_page(filings, None, 5)
    assert (page.count, page.count_is_capped) == (10, True)
    assert COUNT_LIMIT == 1000


@pytest.mark.parametrize(
    "requested, size", [(None, 25), ("", 25), ("x", 25), ("0", 25), ("-3", 25), ("7", 7), ("100", 100), ("101", 100)]
)
def test_page_size_is_read_leniently_and_bounded(requested, size):
    assert page_size(requested) == size
