"""API tokens: django-rest-knox's token (only a digest of the secret is stored) with a name and a last use."""

from django.db import models
from knox.models import AbstractAuthToken, AuthTokenManager


class ApiTokenQuerySet(models.QuerySet):
    def live(self, now):
        """Tokens that still authenticate: knox deletes an expired token only when it is next presented."""
        return self.filter(models.Q(expiry__isnull=True) | models.Q(expiry__gt=now))


class ApiToken(AbstractAuthToken):
    """knox's AuthToken swapped in by KNOX_TOKEN_MODEL, so a person can tell their tokens apart ("CI
    exporter", "laptop") and see which one is still in use: one row per token, read by knox's own
    authentication, rather than a second table beside knox's that every list and every sign-in would join."""

    name = models.CharField(max_length=100, blank=True, help_text="Chosen by the owner to tell their tokens apart")
    last_used_at = models.DateTimeField(null=True, blank=True, help_text="Updated at most once a minute")

    objects = AuthTokenManager.from_queryset(ApiTokenQuerySet)()  # knox's create() makes the secret

    class Meta:
        verbose_name = "API token"
        ordering = ["-created"]

    def __str__(self):
        return f"{self.name or 'API token'} of {self.user} ({self.token_key}…)"
