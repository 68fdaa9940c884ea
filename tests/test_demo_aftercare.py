"""The demo after approval (issue 19): seeded approvals carry shipments in different stages, a distribution with
partial reach, one access refusal and one reported loss; a second run adds nothing."""

import pytest
from django.core.management import call_command

from exemptions import demo_aftercare, shipping
from exemptions.models import Distribution, Incident, MonitoringVisit, Shipment


@pytest.fixture
def seeded(db):
    call_command("seed_demo", force=True, verbosity=0)


def test_the_demo_ships_delivers_distributes_and_monitors(seeded):
    stages = {s.stage for s in Shipment.objects.all()}
    assert stages == set(Shipment.Stage.values)
    per_dossier = {s.application_id for s in Shipment.objects.all()}
    assert 1 <= len(per_dossier) <= 2
    for application_id in per_dossier:
        assert 1 <= Shipment.objects.filter(application_id=application_id).count() <= 3
    assert any(d.reached_total < d.planned_total for d in Distribution.objects.all())
    assert MonitoringVisit.objects.filter(access=MonitoringVisit.Access.REFUSED).exists()
    loss = Incident.objects.get(kind=Incident.Kind.LOSS, application_id=min(per_dossier))
    assert loss.reported_on is not None
    for shipment in Shipment.objects.all():
        for summary in shipping.approval_summaries(shipment.application):
            assert all(row["remaining"] >= 0 for row in summary.rows)


def test_a_second_run_adds_nothing(seeded):
    before = Shipment.objects.count()
    assert demo_aftercare.seed() == 0
    assert Shipment.objects.count() == before
