"""Every outgoing email, claimed as a row before it is sent (the outbox)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .filings import Event, Filing, Message
from .monitoring import Incident
from .people import Authority
from .screening import ScreeningHit


class OutgoingEmail(models.Model):
    """Every email the app sends: a deadline reminder, an event notice, a daily digest, a new
    message's notice, a new screening hit's, or word that a filing waiting on another's approval may now be
    filed (ready to file: `filing` is the waiting one, `event` the approval). The row is claimed
    (inserted under a unique constraint) before the email goes out, so each occasion has one row per
    recipient; the row is then delivered at least once (exemptions/outbox.py says how, and when twice). What
    the email is about is held in the fields of its family; the check constraint keeps them filled, so that
    no NULL slips through a family's unique constraint."""

    # The rows a sweep may (re)try now: unsent, with their next try due (a lease that ran out included).
    DUE = Q(sent_at__isnull=True, next_attempt_at__isnull=False)

    class Family(models.TextChoices):
        REMINDER = "reminder", "Deadline reminder"
        EVENT_NOTICE = "event_notice", "Event notice"
        DIGEST = "digest", "Daily digest"
        MESSAGE = "message", "New message"
        SCREENING_HIT = "screening_hit", "Screening hit"
        INCIDENT = "incident", "Incident report reminder"
        READY_TO_FILE = "ready_to_file", "Ready to file"

    family = models.CharField(max_length=20, choices=Family.choices)
    filing = models.ForeignKey(
        Filing,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outgoing_emails",
        help_text="Empty for digests",
    )
    deadline_kind = models.CharField(max_length=40, blank=True, help_text="Reminders: the deadline, e.g. reply")
    offset = models.CharField(
        max_length=20,
        blank=True,
        help_text="Reminders: when, e.g. T-5wd (5 working days before), T-60d (60 days before) or overdue",
    )
    event = models.ForeignKey(
        Event,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notices",
        help_text="Event notices: the transition announced",
    )
    message = models.ForeignKey(
        Message,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notices",
        help_text="New-message emails: the message the other side wrote",
    )
    authority = models.ForeignKey(
        Authority,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="digests",
        help_text="Digests: the authority whose work is listed",
    )
    screening_hit = models.ForeignKey(
        ScreeningHit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Screening hits: the new hit a rescreen found",
    )
    incident = models.ForeignKey(
        Incident,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
        help_text="Incident reminders: the diversion or loss not yet reported",
    )
    due_at = models.DateTimeField(help_text="The deadline a reminder is about, the event's time, or the digest's")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outgoing_emails")
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    send_started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set while the message is handed to the mail server; left set by a sender that died mid-send",
    )
    attempts_in_doubt = models.PositiveIntegerField(
        default=0, help_text="Attempts cut short mid-send: the recipient may hold this message more than once"
    )
    error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When an unsent email is (re)tried; empty once sent or given up"
    )

    class Meta:
        ordering = ["-claimed_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        family="reminder",
                        filing__isnull=False,
                        event__isnull=True,
                        message__isnull=True,
                        screening_hit__isnull=True,
                        authority__isnull=True,
                    )
                    & ~Q(deadline_kind="")
                    & ~Q(offset="")
                )
                | Q(
                    family="event_notice",
                    filing__isnull=False,
                    event__isnull=False,
                    message__isnull=True,
                    screening_hit__isnull=True,
                    authority__isnull=True,
                    deadline_kind="",
                    offset="",
                )
                | Q(
                    family="digest",
                    filing__isnull=True,
                    event__isnull=True,
                    message__isnull=True,
                    screening_hit__isnull=True,
                    authority__isnull=False,
                    deadline_kind="",
                    offset="",
                )
                | Q(
                    family="message",
                    filing__isnull=False,
                    event__isnull=True,
                    message__isnull=False,
                    screening_hit__isnull=True,
                    authority__isnull=True,
                    deadline_kind="",
                    offset="",
                )
                | Q(
                    family="screening_hit",
                    filing__isnull=False,
                    screening_hit__isnull=False,
                    event__isnull=True,
                    message__isnull=True,
                    authority__isnull=True,
                    deadline_kind="",
                    offset="",
                )
                | Q(
                    family="ready_to_file",
                    filing__isnull=False,
                    event__isnull=False,
                    message__isnull=True,
                    screening_hit__isnull=True,
                    authority__isnull=True,
                    deadline_kind="",
                    offset="",
                )
                | (
                    Q(family="incident", incident__isnull=False, filing__isnull=True, event__isnull=True)
                    & Q(message__isnull=True, screening_hit__isnull=True, authority__isnull=True, deadline_kind="")
                    & ~Q(offset="")
                ),
                name="outgoing_email_fields_of_its_family",
            ),
            # One constraint per family, each on the fields the check above keeps non-NULL.
            models.UniqueConstraint(
                fields=["filing", "deadline_kind", "offset", "due_at", "recipient"],
                condition=Q(family="reminder"),
                name="outgoing_reminder_once",
            ),
            models.UniqueConstraint(
                fields=["event", "recipient"], condition=Q(family="event_notice"), name="outgoing_event_notice_once"
            ),
            models.UniqueConstraint(
                fields=["authority", "due_at", "recipient"], condition=Q(family="digest"), name="outgoing_digest_once"
            ),
            models.UniqueConstraint(
                fields=["message", "recipient"], condition=Q(family="message"), name="outgoing_message_notice_once"
            ),
            models.UniqueConstraint(
                fields=["screening_hit", "recipient"],
                condition=Q(family="screening_hit"),
                name="outgoing_screening_hit_once",
            ),
            # One per waiting filing, approval and recipient: a re-run or a second sweep finds it claimed.
            models.UniqueConstraint(
                fields=["filing", "event", "recipient"],
                condition=Q(family="ready_to_file"),
                name="outgoing_ready_to_file_once",
            ),
            models.UniqueConstraint(
                fields=["incident", "offset", "recipient"],
                condition=Q(family="incident"),
                name="outgoing_incident_once",
            ),
        ]
        indexes = [models.Index(fields=["claimed_at"], name="outgoing_email_unsent", condition=Q(sent_at__isnull=True))]

    def __str__(self):
        return f"{self.about} to {self.recipient_id}"

    @property
    def about(self) -> str:
        """What the email is about, in a few words: "reply T-5wd on 12", "approve on 12", "UN1718 digest"."""
        if self.family == self.Family.REMINDER:
            return f"{self.deadline_kind} {self.offset} on {self.filing_id}"
        if self.family == self.Family.EVENT_NOTICE:
            return f"{self.event.action} on {self.filing_id}"
        if self.family == self.Family.MESSAGE:
            return f"message {self.message_id} on {self.filing_id}"
        if self.family == self.Family.SCREENING_HIT:
            return f"screening hit {self.screening_hit_id} on {self.filing_id}"
        if self.family == self.Family.INCIDENT:
            return f"incident {self.offset} on {self.incident_id}"
        if self.family == self.Family.READY_TO_FILE:
            return f"ready to file {self.filing_id} after {self.event_id}"
        return f"{self.authority.code} digest"

    def delivery_state(self, now=None) -> str:
        """sent, sending (a sender holds it now), in doubt (its sender died mid-send: the mail server may have
        it; the retry resends it under the same Message-ID), failed (the mail server refused; retried), queued,
        dropped (the case moved on) or given up."""
        now = now or timezone.now()
        if self.sent_at:
            return "sent"
        if self.send_started_at:
            return "sending" if self.next_attempt_at and self.next_attempt_at > now else "in doubt"
        if self.next_attempt_at:
            return "failed" if self.error else "queued"
        return "dropped" if self.error.startswith("Not sent:") else "given up"
