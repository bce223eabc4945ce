from __future__ import annotations

from django.utils import timezone

from .models import ApiToken, hash_token


def token_user(raw: str):
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
