"""Sanctions lists as loaded (a version per published file, its entries) and the screening of parties against
them: runs frozen on a filing with the versions they used, and the hits reviewers dispose of."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..screening.formats import SOURCES
from ..screening.matching import RULES
from ..screening.records import KINDS, Alias, Identifier, ListedEntry
from .dossiers import Application
from .filings import Event, Filing


class SanctionsListVersion(models.Model):
    """One published file of one list, as loaded. A reload of the same file (same SHA-256) adds nothing."""

    source = models.CharField(max_length=20, choices=[(key, label) for key, (label, _) in SOURCES.items()])
    published_on = models.DateField(null=True, blank=True, help_text="The publication date the file gives")
    sha256 = models.CharField("SHA-256", max_length=64)
    record_count = models.PositiveIntegerField(default=0)
    changed_count = models.PositiveIntegerField(default=0, help_text="Entries added or changed since the previous")
    origin = models.CharField(max_length=500, blank=True, help_text="The file or URL it was loaded from")
    loaded_at = models.DateTimeField(default=timezone.now)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rescreened_at = models.DateTimeField(null=True, blank=True, help_text="When its changes were rescreened")

    class Meta:
        ordering = ["source", "-loaded_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["source", "sha256"], name="sanctions_version_once")]

    def __str__(self):
        return f"{self.get_source_display()} of {self.published_on or self.loaded_at.date()}"

    @classmethod
    def current(cls) -> list["SanctionsListVersion"]:
        """The newest version of each source: what a screening uses now."""
        newest = {}
        for version in cls.objects.order_by("source", "-loaded_at", "-id"):
            newest.setdefault(version.source, version)
        return list(newest.values())


class SanctionsListEntry(models.Model):
    version = models.ForeignKey(SanctionsListVersion, on_delete=models.CASCADE, related_name="entries")
    external_id = models.CharField(max_length=64, help_text="The list's own id")
    kind = models.CharField(max_length=12, choices=[(k, k.title()) for k in KINDS])
    name = models.CharField(max_length=500)
    aliases = models.JSONField(default=list, blank=True, help_text="[name, quality] pairs")
    programmes = models.JSONField(default=list, blank=True)
    identifiers = models.JSONField(default=list, blank=True, help_text="[kind, value, label] triples")
    countries = models.JSONField(default=list, blank=True)
    addresses = models.JSONField(default=list, blank=True)
    dates_of_birth = models.JSONField(default=list, blank=True)
    reference = models.CharField(max_length=64, blank=True)
    listed_on = models.DateField(null=True, blank=True)
    remarks = models.TextField(blank=True)
    fingerprint = models.CharField(max_length=64, help_text="Digest of the entry's content")
    changed = models.BooleanField(default=True, help_text="New or changed in this version")

    class Meta:
        ordering = ["version_id", "id"]
        verbose_name_plural = "sanctions list entries"
        indexes = [models.Index(fields=["version", "changed"], name="sanctions_entry_changed")]

    def __str__(self):
        return f"{self.name} ({self.version.get_source_display()})"

    @classmethod
    def from_record(cls, version, record: ListedEntry, changed: bool) -> "SanctionsListEntry":
        return cls(
            version=version,
            external_id=record.external_id[:64],
            kind=record.kind,
            name=record.name[:500],
            aliases=[[a.name, a.quality] for a in record.aliases],
            programmes=record.programmes,
            identifiers=[[i.kind, i.value, i.label] for i in record.identifiers],
            countries=record.countries,
            addresses=record.addresses,
            dates_of_birth=record.dates_of_birth,
            reference=record.reference[:64],
            listed_on=record.listed_on,
            remarks=record.remarks,
            fingerprint=record.fingerprint(),
            changed=changed,
        )

    def as_record(self) -> ListedEntry:
        return ListedEntry(
            external_id=self.external_id,
            kind=self.kind,
            name=self.name,
            aliases=[Alias(*a) for a in self.aliases],
            programmes=self.programmes,
            identifiers=[Identifier(*i) for i in self.identifiers],
            countries=self.countries,
            dates_of_birth=self.dates_of_birth,
        )


class ScreeningRun(models.Model):
    """The parties of a dossier checked against the lists at one moment, with the list versions used."""

    class Occasion(models.TextChoices):
        FILING = "filing", "When filed"
        ON_DEMAND = "on_demand", "On demand while drafting"
        RESCREEN = "rescreen", "Rescreened after a list changed"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="screening_runs")
    filing = models.ForeignKey(Filing, null=True, blank=True, on_delete=models.PROTECT, related_name="screening_runs")
    occasion = models.CharField(max_length=10, choices=Occasion.choices)
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="The filing's event"
    )
    list_versions = models.ManyToManyField(SanctionsListVersion, related_name="runs", blank=True)
    parties = models.JSONField(default=list, help_text="The parties as screened")
    created_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_occasion_display()} on {self.created_at:%Y-%m-%d %H:%M}"


class ScreeningHitQuerySet(models.QuerySet):
    def blocking(self):
        """Hits that keep a shipment from being cleared: not yet disposed of, or confirmed."""
        return self.filter(~Q(disposition=ScreeningHit.Disposition.FALSE_POSITIVE))

    def undisposed(self):
        return self.filter(disposition="")


class ScreeningHit(models.Model):
    """A party that matched a list entry (or a rule): a reviewer says whether it is the listed party."""

    class Disposition(models.TextChoices):
        FALSE_POSITIVE = "false_positive", "False positive"
        CONFIRMED = "confirmed", "Confirmed match"

    run = models.ForeignKey(ScreeningRun, on_delete=models.CASCADE, related_name="hits")
    filing = models.ForeignKey(Filing, null=True, blank=True, on_delete=models.PROTECT, related_name="screening_hits")
    party_index = models.PositiveIntegerField(help_text="The party's position in the dossier as screened")
    party_name = models.CharField(max_length=200)
    party_role = models.CharField(max_length=20)
    party_country = models.CharField(max_length=2, blank=True)
    match_key = models.CharField(max_length=100, help_text="source:id of the entry, or rule:name")
    entry = models.ForeignKey(SanctionsListEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="hits")
    rule = models.CharField(max_length=40, blank=True, choices=list(RULES.items()))
    matched_name = models.CharField(max_length=500, blank=True)
    score = models.DecimalField(max_digits=4, decimal_places=1)
    reasons = models.JSONField(default=list)
    disposition = models.CharField(max_length=20, choices=Disposition.choices, blank=True)
    disposition_note = models.TextField(blank=True)
    disposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    disposed_at = models.DateTimeField(null=True, blank=True)
    disposition_event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = ScreeningHitQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            # A filing hears of a match once: a rescreen finds only what no earlier run of the filing found.
            models.UniqueConstraint(
                fields=["filing", "party_index", "match_key"],
                condition=Q(filing__isnull=False),
                name="screening_hit_once_per_filing",
            )
        ]
        indexes = [models.Index(fields=["filing", "disposition"], name="screening_hit_open")]

    def __str__(self):
        return f"{self.party_name} ~ {self.matched_name or self.get_rule_display()}"

    @property
    def blocks(self) -> bool:
        return self.disposition != self.Disposition.FALSE_POSITIVE

    @property
    def what(self) -> str:
        """The list and programme, or the rule, in a few words."""
        if self.rule:
            return self.get_rule_display()
        version = self.entry.version
        programmes = ", ".join(self.entry.programmes)
        return f"{version.get_source_display()} ({version.published_on or version.loaded_at.date()}) — {programmes}"
