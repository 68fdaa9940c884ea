"""Evidence that the aid reached the people it was for: the monitoring plan, the visits made (and whether access
was granted), the files they brought back, and any diversion or loss with its reporting deadline."""

from django.conf import settings
from django.db import models

from .dossiers import Application, Item
from .people import Authority
from .shipments import Shipment
from .validators import validate_plausible_date, validate_positive


class PlannedVisit(models.Model):
    """One line of a dossier's monitoring plan: how many visits a facility gets, by whom, on what access terms."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="planned_visits")
    facility = models.CharField(max_length=200)
    visits = models.PositiveIntegerField(default=1, validators=[validate_positive])
    monitor = models.CharField(max_length=200, help_text="Who monitors, e.g. the field office or a third party")
    access_arrangements = models.TextField(blank=True)

    class Meta:
        ordering = ["facility", "id"]

    def __str__(self):
        return f"{self.facility}: {self.visits} visit(s)"


def visit_file_path(visit_file, filename):
    # Like a dossier document: the stored name never comes from the user.
    return f"monitoring/{visit_file.sha256 or 'pending'}"


class MonitoringVisit(models.Model):
    class Access(models.TextChoices):
        GRANTED = "granted", "Access granted"
        RESTRICTED = "restricted", "Access restricted"
        REFUSED = "refused", "Access refused"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="monitoring_visits")
    shipment = models.ForeignKey(
        Shipment, null=True, blank=True, on_delete=models.SET_NULL, related_name="monitoring_visits"
    )
    visited_on = models.DateField(validators=[validate_plausible_date])
    site = models.CharField(max_length=200, help_text="The facility visited")
    monitor = models.CharField(max_length=200)
    access = models.CharField(max_length=12, choices=Access.choices)
    findings = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["visited_on", "id"]

    def __str__(self):
        return f"{self.site} on {self.visited_on} ({self.get_access_display()})"


class VisitFile(models.Model):
    """A photo or document a monitor brought back from a visit."""

    visit = models.ForeignKey(MonitoringVisit, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=visit_file_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.original_name


class Incident(models.Model):
    """Goods diverted, stolen, lost or spoiled, and when it was reported to the authority. The report falls due
    `Authority.incident_report_days` after discovery; the sweep reminds once and escalates once."""

    class Kind(models.TextChoices):
        DIVERSION = "diversion", "Diversion"
        THEFT = "theft", "Theft"
        LOSS = "loss", "Loss in transit"
        SPOILAGE = "spoilage", "Spoilage (e.g. cold chain broken)"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="incidents")
    shipment = models.ForeignKey(Shipment, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    description = models.TextField(help_text="What happened")
    location = models.CharField(max_length=200, help_text="Where")
    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    quantity = models.DecimalField(
        max_digits=14, decimal_places=3, null=True, blank=True, validators=[validate_positive]
    )
    discovered_on = models.DateField(validators=[validate_plausible_date])
    authority = models.ForeignKey(
        Authority, on_delete=models.PROTECT, related_name="incidents", help_text="The authority it must be reported to"
    )
    report_due_on = models.DateField(editable=False)
    reported_on = models.DateField(null=True, blank=True, validators=[validate_plausible_date])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-discovered_on", "-id"]
        indexes = [
            models.Index(
                fields=["report_due_on"],
                name="incident_unreported",
                condition=models.Q(reported_on__isnull=True),
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.location} ({self.discovered_on})"
