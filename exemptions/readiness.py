"""Word to the applicant that a filing which waited on another's approval may now be filed (prerequisites.py): when
the UN 1718 Committee approves, the dossier's EU filing is ready to file.

The rows are claimed with the approval's event notices, in the transaction that marks the event notified
(notifications.claim_event_notices), so a re-run, the sweep's catch-up and the notice task never claim them
twice; the family's unique constraint (waiting filing, approval event, recipient) stands behind that."""

from __future__ import annotations

import datetime as dt

from . import prerequisites
from .emails import profile_of
from .models import Event, OutgoingEmail


def ready_to_file_rows(event: Event, now: dt.datetime, directory) -> list[OutgoingEmail]:
    """The unsaved rows of the ready-to-file emails an event causes: none unless it is an approval that leaves a
    draft of the dossier waiting on nothing more. `directory` tells who the applicants are (notifications.Directory)."""
    filing = event.filing
    procedure = filing.procedure
    if not procedure.state(event.to_status).grants_validity or procedure.state(event.from_status).grants_validity:
        return []  # only the approval itself, not an extension or a reassignment of one
    return [
        OutgoingEmail(
            family=OutgoingEmail.Family.READY_TO_FILE,
            filing=ready,
            event=event,
            due_at=event.created_at,
            recipient=user,
            next_attempt_at=now,
        )
        for ready in prerequisites.released_by(filing)
        for user in directory.applicants(ready)
        if profile_of(user).wants_event_emails
    ]
