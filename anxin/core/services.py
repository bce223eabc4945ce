from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from .models import ApiToken, Notification, hash_token


def token_user(raw: str) -> AbstractBaseUser | None:
    """The active account a bearer token stands for; issuing and revoking live in anxin.accounts."""
    if not raw or len(raw) > 200:
        return None
    try:
        token = ApiToken.objects.select_related("user").get(key_hash=hash_token(raw), revoked=False)
    except ApiToken.DoesNotExist:
        return None
    now = timezone.now()
    if token.expires_at <= now or not token.user.is_active:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def notifications_read(*, user: Any, notification: Notification | None = None) -> int:
    """Mark one of the person's own notices read, or all of them; how many changed. Reading twice
    keeps the first time."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification is not None:
        unread = unread.filter(pk=notification.pk)
    return unread.update(read_at=timezone.now())
