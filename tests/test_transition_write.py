"""A transition's write (exemptions/models/transitions.py): the compare-and-set, its event and its messages in one
statement. Outside any transaction (a worker, a script) a transition that writes nothing else runs as that one
statement alone; a lost race then writes nothing at all, and the notice is queued once it is written."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exemptions import engine
from exemptions.models import Event, Filing, Message
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def announced(monkeypatch):
    queued = []
    monkeypatch.setattr(engine, "announce", queued.append)
    return queued


@pytest.fixture
def taken(org, applicant, reviewer_ofac):
    filing = factories.submitted_filing(factories.complete_dossier(org, applicant), "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    return filing


def test_a_transition_outside_a_transaction_is_one_statement_with_its_event_and_message(
    taken, reviewer_ofac, announced
):
    with CaptureQueriesContext(connection) as captured:
        event = engine.apply(taken, "request_information", reviewer_ofac, "Send the distribution plan.")
    statements = [q["sql"] for q in captured.captured_queries if q["sql"] not in {"BEGIN", "COMMIT"}]
    assert len(statements) == 1 and statements[0].startswith("WITH won AS (UPDATE")
    stored = Filing.objects.get(pk=taken.pk)
    assert (stored.status, stored.version, stored.audit_tip_hash) == (taken.status, taken.version, event.hash)
    assert Event.objects.get(pk=event.pk).hash == event.hash
    assert Message.objects.filter(filing=taken, body="Send the distribution plan.").count() == 1
    assert announced == [event.pk]


def test_a_lost_race_writes_nothing(taken, reviewer_ofac, announced):
    stale = Filing.objects.select_related("authority", "application").get(pk=taken.pk)
    engine.apply(taken, "request_information", reviewer_ofac, "First request.")
    events, messages = Event.objects.count(), Message.objects.count()
    with pytest.raises(engine.Conflict):
        engine.apply(stale, "request_information", reviewer_ofac, "Second request.")
    assert (Event.objects.count(), Message.objects.count()) == (events, messages)
    assert Filing.objects.get(pk=taken.pk).version == taken.version
    assert len(announced) == 1


def test_a_submit_keeps_its_transaction(org, applicant, announced):
    filing = factories.filing(factories.complete_dossier(org, applicant), "OFAC", applicant)
    with CaptureQueriesContext(connection) as captured:
        engine.apply(filing, "submit", applicant)
    sql = [q["sql"] for q in captured.captured_queries]
    assert any("FOR UPDATE" in q for q in sql)  # the dossier's lock, which only lives inside a transaction
    assert Filing.objects.get(pk=filing.pk).snapshot is not None
