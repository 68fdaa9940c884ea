"""Real faults on real services: the database connection dies in the middle of a write."""

import json

import pytest
from django.db import OperationalError, connection, connections
from django.urls import reverse

from exemptions import engine
from exemptions.middleware import UNAVAILABLE, DatabaseUnavailableMiddleware
from exemptions.models import Event, Filing
from tests import factories


def kill_own_database_connection():
    """Terminate this thread's PostgreSQL backend from another connection, as a failover or restart would."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    killer = connections.create_connection("default")
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        killer.close()


@pytest.mark.django_db(transaction=True)
def test_connection_lost_mid_transition_gives_a_clear_503_and_writes_nothing(
    client, django_user_model, dossier, applicant, monkeypatch
):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    events_before = Event.objects.filter(filing=filing).count()
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "pw"))
    real_new_event = engine.new_event

    def append_after_losing_the_database(*args, **kwargs):
        # The status compare-and-set has run inside the transaction; the event insert is next.
        kill_own_database_connection()
        return real_new_event(*args, **kwargs)

    monkeypatch.setattr(engine, "new_event", append_after_losing_the_database)
    url = reverse("admin:exemptions_filing_override", args=[filing.pk])
    response = client.post(url, {"action": "take", "reason": "Reviewer on leave", "payload": "{}"})

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Nothing was saved" in response.content.decode()
    monkeypatch.undo()
    filing_now = Filing.objects.get(pk=filing.pk)  # a fresh connection
    assert (filing_now.status, filing_now.version, filing_now.assigned_to) == ("submitted", filing.version, None)
    assert Event.objects.filter(filing=filing).count() == events_before
    # The next request works: the dead connection was dropped, not reused.
    response = client.post(url, {"action": "take", "reason": "Reviewer on leave", "payload": "{}"})
    assert response.status_code == 302
    assert Filing.objects.get(pk=filing.pk).status == "in_review"


@pytest.mark.django_db(transaction=True)
def test_api_clients_get_the_json_error_shape_when_the_database_is_lost(rf):
    kill_own_database_connection()
    with pytest.raises(OperationalError) as lost:
        Filing.objects.count()

    response = DatabaseUnavailableMiddleware(lambda request: None).process_exception(
        rf.get("/api/v1/filings/"), lost.value
    )

    assert response.status_code == 503
    assert json.loads(response.content) == {"detail": UNAVAILABLE, "errors": {}}
    assert Filing.objects.count() == 0  # the dead connection was dropped; this one is new
