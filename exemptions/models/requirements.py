"""Why an authority is in a dossier's required set: proposed by the triage (with its route and reason) or added
by the applicant, and whether the applicant dropped it, with the written reason reviewers read.

`Application.required_authorities` stays the set cleared-to-ship counts: required_set.py keeps it equal to the
authorities here that are not dropped (plus any chosen before the triage existed, which have no row)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .dossiers import Application
from .people import Authority


class RequiredAuthority(models.Model):
    class Source(models.TextChoices):
        TRIAGE = "triage", "Proposed by the triage"
        APPLICANT = "applicant", "Added by the applicant"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="requirements")
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)
    route = models.CharField(max_length=20, blank=True, help_text="The route the triage proposes, e.g. ofac_gl")
    reason = models.TextField(blank=True, help_text="Why the dossier needs this authority, in plain words")
    rule = models.CharField(max_length=40, blank=True, help_text="The triage rule that proposed it")
    dropped_at = models.DateTimeField(null=True, blank=True)
    dropped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    drop_reason = models.TextField(blank=True, help_text="Why the applicant does not seek this authority")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["authority__code"]
        constraints = [
            models.UniqueConstraint(fields=["application", "authority"], name="required_authority_once"),
            # A drop without its reason is what the rule forbids: the database stands behind required_set.
            models.CheckConstraint(
                name="required_authority_dropped_with_reason",
                condition=Q(dropped_at__isnull=True) | ~Q(drop_reason=""),
            ),
        ]

    def __str__(self):
        return f"{self.application_id}: {self.authority_id} ({self.source})"

    @property
    def dropped(self) -> bool:
        return self.dropped_at is not None
