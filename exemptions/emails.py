"""Composing emails: what a claimed OutgoingEmail row says, rendered when it is sent.

Each email is a template triplet, templates/emails/<template>_subject.txt, _body.txt and _body.html,
rendered with times in the recipient's zone and links to the case on SITE_URL. compose() turns a row into
the message of its family (deadline reminder, event notice, daily digest) from the database as it is now,
so that a retry says what is true at the retry; a row that no longer makes sense (the deadline moved, the
case closed) raises Obsolete and is dropped rather than sent. Nothing here decides who gets what
(notifications.py) or how sending is retried (outbox.py).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from . import deadlines, procedures, visibility
from .models import DECISION_KINDS, Filing, Membership, OutgoingEmail, Profile, Role, ScreeningHit
from .reminder_schedule import DEADLINE_WORDING


class Obsolete(Exception):
    """The email no longer makes sense (the deadline moved, the case closed): it is dropped, not sent."""


def profile_of(user) -> Profile:
    try:
        return user.profile
    except Profile.DoesNotExist:
        return Profile(user=user)  # defaults: UTC, every email wanted


def filing_url(filing: Filing) -> str:
    return settings.SITE_URL + settings.FILING_PATH.format(reference=filing.reference)


def render_email(template: str, context: dict, recipient) -> EmailMultiAlternatives:
    """Subject, text and HTML from templates/emails/<template>_*, with times in the recipient's zone."""
    profile = profile_of(recipient)
    tz = deadlines.zone_or_utc(profile.time_zone)
    context = {**context, "recipient": recipient, "time_zone": tz.key, "site_url": settings.SITE_URL}
    with timezone.override(tz):
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}_body.txt", context)
        html = render_to_string(f"emails/{template}_body.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [recipient.email])
    message.attach_alternative(html, "text/html")
    return message


def compose(email: OutgoingEmail) -> EmailMultiAlternatives:
    """The message a claimed OutgoingEmail row stands for, rendered now; raises Obsolete if it no longer applies."""
    if email.family == OutgoingEmail.Family.EVENT_NOTICE:
        return _compose_event_notice(email)
    if email.family == OutgoingEmail.Family.DIGEST:
        return _compose_digest(email)
    if email.family == OutgoingEmail.Family.MESSAGE:
        return _compose_message_notice(email)
    if email.family == OutgoingEmail.Family.SCREENING_HIT:
        return _compose_screening_hit(email)
    return _compose_deadline_reminder(email)


def _compose_deadline_reminder(email: OutgoingEmail) -> EmailMultiAlternatives:
    filing = email.filing
    if filing.due_at != email.due_at or filing.state.terminal:
        raise Obsolete(f"{filing.reference} has moved on: its deadline is no longer {email.due_at:%Y-%m-%d %H:%M}")
    wording = DEADLINE_WORDING[email.deadline_kind]
    overdue = email.offset == "overdue"
    context = {
        "filing": filing,
        "state_label": filing.state.applicant_label,
        "deadline_kind": email.deadline_kind,
        "headline": wording.subject,
        "what_to_do": wording.what_to_do,
        "due_at": email.due_at,
        "overdue": overdue,
        "escalation": overdue and email.recipient_id in {u.id for u in _staff(filing)},
        "url": filing_url(filing),
        "extension_url": filing_url(filing) + extension_anchor(filing) if email.deadline_kind == "expiry" else "",
    }
    return render_email("reminder", context, email.recipient)


def extension_anchor(filing) -> str:
    """Where an approval's page offers its extension: an action on the approval, or (UN 1718) a new, linked request."""
    if filing.procedure.with_effect(procedures.CHECK_EXTENSION_REQUEST):
        return "#request_extension"
    return "#request"


def _staff(filing):
    return [m.user for m in Membership.objects.filter(authority_id=filing.authority_id, role=Role.STAFF)]


def _compose_event_notice(email: OutgoingEmail) -> EmailMultiAlternatives:
    filing, event = email.filing, email.event
    transition = filing.procedure.transition(event.action, event.from_status)
    context = {
        "filing": filing,
        "event": event,
        "action_label": transition.label if transition else event.action,
        "state_label": filing.procedure.state(event.to_status).applicant_label,
        "decision": bool(transition and filing.procedure.is_decision(transition)),
        "granted": filing.procedure.state(event.to_status).grants_validity,
        "url": filing_url(filing),
        "decision_letters": filing.documents.filter(kind__in=DECISION_KINDS),
        # The authority's internal note goes to the authority's people only (visibility.py).
        "note": visibility.shown_note(filing, event, visibility.reads_internal(email.recipient, filing)),
    }
    return render_email("event", context, email.recipient)


def _compose_message_notice(email: OutgoingEmail) -> EmailMultiAlternatives:
    filing, message = email.filing, email.message
    author = message.author
    name = (author.get_full_name() or author.get_username()) if author else ""
    side = filing.authority.code if message.side == message.Side.AUTHORITY else filing.application.organization.name
    context = {
        "filing": filing,
        "message": message,
        "sender": f"{name} ({side})" if name else side,
        "url": filing_url(filing) + "#thread",
        "answers_nothing": filing.state.waits_on_applicant and message.side == message.Side.APPLICANT,
    }
    return render_email("message", context, email.recipient)


def _compose_digest(email: OutgoingEmail) -> EmailMultiAlternatives:
    authority = email.authority
    now = email.due_at
    open_filings = (
        Filing.objects.filter(authority=authority, status__in=authority.procedure.open_states)
        .exclude(status=procedures.INITIAL)
        .filter(due_at__lt=now + dt.timedelta(days=7))
        .select_related("application__organization", "assigned_to")
        .order_by("due_at")
    )
    overdue = [f for f in open_filings if f.due_at < now]
    due_soon = [f for f in open_filings if f.due_at >= now]
    for f in overdue + due_soon:
        f.url = filing_url(f)
    context = {"authority": authority, "overdue": overdue, "due_soon": due_soon, "as_of": now}
    return render_email("digest", context, email.recipient)


def _compose_screening_hit(email: OutgoingEmail) -> EmailMultiAlternatives:
    hit = ScreeningHit.objects.select_related("entry__version").get(pk=email.screening_hit_id)
    if hit.disposition == ScreeningHit.Disposition.FALSE_POSITIVE:
        raise Obsolete(f"hit {hit.pk} was cleared as a false positive before the email went out")
    filing = email.filing
    context = {"filing": filing, "hit": hit, "url": filing_url(filing) + "#screening"}
    return render_email("screening_hit", context, email.recipient)
