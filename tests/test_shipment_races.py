"""Races on an approval's limits (issue 19), run for real in threads with their own connections: contenders
planning the last shipment, or the last boxes, of an approval at the same instant never overshoot it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from exemptions import shipping
from exemptions.models import Application, Shipment, ShipmentLine

from . import factories
from .test_races import CONTENDERS, race

TODAY = timezone.localdate()


def planner(dossier_pk, applicant, quantity):
    def plan():
        dossier = Application.objects.get(pk=dossier_pk)
        return shipping.plan_shipment(
            dossier,
            applicant,
            lines=[{"item": dossier.items.get().pk, "quantity": Decimal(quantity)}],
            mode="road",
            planned_departure_on=TODAY + dt.timedelta(days=2),
            planned_arrival_on=TODAY + dt.timedelta(days=3),
        )

    return plan


@pytest.mark.django_db(transaction=True)
def test_contenders_for_the_last_shipment_and_the_last_boxes_never_overshoot(dossier, applicant):
    factories.approved_filing(dossier, "UN1718", applicant, TODAY, TODAY + dt.timedelta(days=60))
    shipping.plan_shipment(
        dossier,
        applicant,
        lines=[{"item": dossier.items.get().pk, "quantity": Decimal(40)}],
        mode="road",
        planned_departure_on=TODAY + dt.timedelta(days=1),
        planned_arrival_on=TODAY + dt.timedelta(days=2),
    )
    # Two shipments left, 60 boxes left; each contender wants 35: at most one may win.
    results = race(*[planner(dossier.pk, applicant, "35") for _ in range(CONTENDERS)])
    won = [r for r in results if isinstance(r, Shipment)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(won) == 1 and len(refused) == CONTENDERS - 1, results
    # One shipment left (UN1718 allows three): contenders for it, each small enough to fit.
    results = race(*[planner(dossier.pk, applicant, "5") for _ in range(CONTENDERS)])
    assert len([r for r in results if isinstance(r, Shipment)]) == 1, results
    assert Shipment.objects.count() == 3
    assert sum(line.quantity for line in ShipmentLine.objects.all()) == Decimal(80)
