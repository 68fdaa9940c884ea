"""API tokens: issued named and expiring, listed, revoked one by one, and all revoked when the password
changes or the account is deactivated, whichever face (web, admin, a command) made the change."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone

from exemptions.models import ApiToken

# A token's last use is written at most this often: one write per request would double an API call's cost.
LAST_USE_PRECISION = timedelta(minutes=1)


def issue(user, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `user` with the configured lifetime; returns the row and the secret, which is stored
    only as a digest and so can be shown this once."""
    return ApiToken.objects.create(user=user, name=name.strip())


def tokens_of(user):
    """The user's tokens that still authenticate, newest first."""
    return ApiToken.objects.filter(user=user).live(timezone.now())


def revoke(user, token_key: str) -> bool:
    """Revoke the user's token whose public key (the secret's first characters) is `token_key`; False if the
    user has no such token. Keys are matched within the user's own tokens, so nobody can revoke another's."""
    deleted, _ = ApiToken.objects.filter(user=user, token_key=token_key).delete()
    return bool(deleted)


def revoke_all(user) -> int:
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


def record_use(token: ApiToken, now) -> None:
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


@receiver(pre_save, sender=get_user_model(), dispatch_uid="revoke_tokens_on_credential_change")
def revoke_tokens_on_credential_change(sender, instance, update_fields=None, raw=False, **kwargs):
    """A new password (changed, reset, set by an admin or `changepassword`), an unusable one, or a deactivated
    account ends every API token: a token taken by whoever knew the old password must not outlive it.
    Revoking before the save commits is safe: if the save fails, the user signs in again for a new token."""
    if raw or instance.pk is None:
        return
    if getattr(instance, "_password", None) is not None:
        # set_password() keeps the raw password here until the save: Django's own sign of a new password,
        # absent when it re-hashes an unchanged password at sign-in after its hasher's work factor grows.
        revoke_all(instance)
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. last_login on every sign-in: nothing to compare, no query
    before = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    deactivated = before["is_active"] and not instance.is_active
    made_unusable = before["password"] != instance.password and not instance.has_usable_password()
    if deactivated or made_unusable:
        revoke_all(instance)
