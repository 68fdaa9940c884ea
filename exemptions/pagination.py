"""Keyset pages over filings in deadline order, for the reviewer queue and `GET /api/v1/filings/`.

A page starts after (or before) the last row the reader saw, named by an opaque cursor, instead of counting
every visible filing and skipping the rows of earlier pages. With the `filing_queue_keyset` index every page then
costs the same, whether an authority has a thousand filings or a million (bench/RESULTS.md). The total is counted
only up to `COUNT_LIMIT`: "1,000+" tells a reviewer as much as the exact figure, at a bounded cost.
"""

import base64
import binascii
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from .models import NO_DEADLINE, FilingQuerySet

COUNT_LIMIT = 1000
PAGE_SIZE, MAX_PAGE_SIZE = settings.REST_FRAMEWORK["PAGE_SIZE"], 100  # one page size for the UI and the API


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class Cursor:
    """A position between two rows: the deadline key and id of the row it follows (or, `before`, precedes)."""

    deadline: dt.datetime
    id: int
    before: bool = False

    def encode(self) -> str:
        text = f"{'b' if self.before else 'a'}|{self.deadline.isoformat()}|{self.id}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> "Cursor":
        try:
            text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            side, deadline, pk = text.split("|")
            cursor = cls(dt.datetime.fromisoformat(deadline), int(pk), before={"a": False, "b": True}[side])
        except (ValueError, KeyError, UnicodeDecodeError, binascii.Error) as error:
            raise InvalidCursor("This page link is not valid; start again from the first page.") from error
        if cursor.deadline.tzinfo is None or cursor.id < 1:
            raise InvalidCursor("This page link is not valid; start again from the first page.")
        return cursor

    @classmethod
    def at(cls, filing, before: bool = False) -> "Cursor":
        return cls(filing.due_at or NO_DEADLINE, filing.pk, before)


@dataclass
class DeadlinePage:
    object_list: list
    next_cursor: Cursor | None
    previous_cursor: Cursor | None
    count: int
    count_is_capped: bool

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def page_size(requested, default: int = PAGE_SIZE) -> int:
    """`?page_size=`, kept within 1..MAX_PAGE_SIZE; anything unreadable means the default (as DRF does)."""
    try:
        size = int(requested)
    except (TypeError, ValueError):
        return default
    return min(max(size, 1), MAX_PAGE_SIZE) if size > 0 else default


def rows_beyond(cursor: Cursor, towards_larger: bool) -> Q:
    """Rows strictly after the cursor's row in (deadline key, id) order, or strictly before it. The first term
    bounds the index range; the second only drops the rows that share the cursor's deadline."""
    key, pk = cursor.deadline, cursor.id
    if towards_larger:
        return Q(deadline_key__gte=key) & (Q(deadline_key__gt=key) | Q(id__gt=pk))
    return Q(deadline_key__lte=key) & (Q(deadline_key__lt=key) | Q(id__lt=pk))


def deadline_page(
    queryset: FilingQuerySet,
    cursor: Cursor | None,
    size: int,
    descending: bool = False,
    count: bool = True,
    position=Cursor.at,
) -> DeadlinePage:
    """One page of `queryset` in `by_deadline(descending)` order: `size` rows from the cursor on (or, for a
    `before` cursor, the `size` rows that precede it). Two queries at most: the capped count and the rows.
    `position(row, before)` is the cursor at a row: `Cursor.at` for filings, another for `values_list()` rows."""
    rows = list(page_query(queryset, cursor, size, descending))
    total, capped = _capped_count(queryset) if count else (0, False)
    return page_of(rows, cursor, size, position, total, capped)


def page_query(queryset: FilingQuerySet, cursor: Cursor | None, size: int, descending: bool = False):
    """The rows of a page and the one after them (which tells whether another page follows), in reading order
    for a forward page and reversed for a `before` cursor's."""
    ordered = queryset.by_deadline(descending)
    backwards = cursor is not None and cursor.before
    if cursor is not None:
        ordered = ordered.filter(rows_beyond(cursor, towards_larger=descending == backwards))
    if backwards:
        ordered = ordered.reverse()
    return ordered[: size + 1]


def page_of(rows: list, cursor: Cursor | None, size: int, position=Cursor.at, total=0, capped=False) -> DeadlinePage:
    """The page from the rows `page_query` read."""
    backwards = cursor is not None and cursor.before
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    # A cursor's own row lies before a forward page and after a backward one, so that side is known to go on.
    has_later = more if not backwards else True
    has_earlier = cursor is not None if not backwards else more
    return DeadlinePage(
        object_list=rows,
        next_cursor=position(rows[-1]) if rows and has_later else None,
        previous_cursor=position(rows[0], before=True) if rows and has_earlier else None,
        count=total,
        count_is_capped=capped,
    )


def _capped_count(queryset) -> tuple[int, bool]:
    # Counted in deadline order, so PostgreSQL walks the pages' own index and stops at the cap; without an order
    # it scanned the table (bench/RESULTS.md: 29 ms against 4 ms at 20,000 filings, growing with the table).
    total = queryset.by_deadline()[: COUNT_LIMIT + 1].count()
    return min(total, COUNT_LIMIT), total > COUNT_LIMIT
