"""What the BIS procedure adds to the engine's transitions: the registration its 90-day clock counts from, and an
approval in part (what may ship of each item). Effects as the engine calls them; nothing here writes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Authority, Filing


def record_registration(filing, plan, cleaned):
    number = cleaned["registration_number"]
    # Two registrations of one number at the same moment: the authority's row lock (held to the transition's
    # commit, engine.apply runs this in a transaction) makes the second wait, and its check then reads the first
    # one's number. A single-threaded loader planning transitions outside one (the demo) has nobody to race.
    if transaction.get_connection().in_atomic_block:
        list(Authority.objects.select_for_update().filter(pk=filing.authority_id).values_list("pk"))
    taken = Filing.objects.filter(authority_id=filing.authority_id, registration_number=number).exclude(pk=filing.pk)
    if taken.exists():
        raise ValidationError(
            {"registration_number": f"{filing.authority.code} registered another application as {number}."}
        )
    plan.changes.update(registration_number=number, registered_at=plan.at)
    if filing.assigned_to_id is None and plan.actor is not None:
        plan.changes["assigned_to"] = plan.actor  # who registers it reviews it, until staff assign another


def record_approved_quantities(filing, plan, cleaned):
    # Written with the event (engine.apply): shipping.check_limits then refuses a shipment beyond them.
    plan.approved_quantities = cleaned["item_quantities"]
