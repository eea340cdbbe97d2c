"""A password change ends the sessions opened with the old password: when a user's stored
password hash changes, by whatever path (the admin's password form, `changepassword`,
`set_password()` and `save()` in code, a raw hash assigned and saved), every refresh token the
user still holds is blacklisted. Connected in AccountsConfig.ready().

A hash upgrade on login (Django re-hashing a right password with a stronger hasher) changes the
hash too and so also ends the user's other sessions, once: the signal cannot tell it apart from
a new password set as a raw hash, and erring towards revoking is the safe side."""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from accounts.services import user_refresh_tokens_revoke

_CHANGED = "_ledgerlens_password_hash_changed"


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="ledgerlens-password-seen")
def _note_password_hash_change(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    setattr(instance, _CHANGED, False)
    if raw or instance.pk is None:  # fixtures; a new user has no tokens yet
        return
    if update_fields is not None and "password" not in update_fields:
        return  # e.g. the last_login update of every login: no query
    stored = (
        sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    )
    setattr(instance, _CHANGED, stored is not None and stored != instance.password)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="ledgerlens-password-saved")
def _revoke_after_password_change(sender, instance, created, raw=False, **kwargs) -> None:
    if getattr(instance, _CHANGED, False):
        setattr(instance, _CHANGED, False)
        user_refresh_tokens_revoke(user_id=instance.pk)
