"""API tokens stop working when the session that stands behind them does.

Tokens are revoked on logout, when an account is deactivated and when it loses its last role;
the password change revokes them in its service. The lockout notice hangs on django-axes' signal.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django_otp import user_has_device

from anxin.org.models import RoleAssignment, User
from anxin.org.signals import password_set_by_other

from . import lockout
from .services import password_change_require, signin_completed, tokens_revoke_all

user_locked_out.connect(lockout.on_locked_out, dispatch_uid="anxin-lockout-notice")


@receiver(user_logged_in, dispatch_uid="anxin-signin-completed")
def _logged_in(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    # Without a second factor the password completes the sign-in; with one, the code page does.
    if request is not None and user is not None and not user_has_device(user):
        signin_completed(request=request, user=user)


@receiver(user_logged_out, dispatch_uid="anxin-tokens-logout")
def _logged_out(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    if user is not None and user.pk:
        tokens_revoke_all(user=user, reason="logout", actor=user)


@receiver(pre_save, sender=User, dispatch_uid="anxin-user-was-active")
def _remember_active(sender: Any, instance: User, **kwargs: Any) -> None:
    if instance.pk and not instance.is_active:
        instance._was_active = User.objects.filter(pk=instance.pk, is_active=True).exists()  # type: ignore[attr-defined]


@receiver(post_save, sender=User, dispatch_uid="anxin-tokens-deactivated")
def _deactivated(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    if not created and not instance.is_active and getattr(instance, "_was_active", False):
        tokens_revoke_all(user=instance, reason="deactivated")


@receiver(post_delete, sender=RoleAssignment, dispatch_uid="anxin-tokens-no-role")
def _role_removed(sender: Any, instance: RoleAssignment, **kwargs: Any) -> None:
    user = User.objects.filter(pk=instance.user_id).first()
    if user is not None and not RoleAssignment.objects.filter(user_id=user.pk).exists():
        tokens_revoke_all(user=user, reason="no_role")


@receiver(password_set_by_other, dispatch_uid="anxin-password-set-by-other")
def _password_set_by_other(sender: Any, users: list[User], reason: str, **kwargs: Any) -> None:
    # Someone else chose these passwords: each person chooses their own at first login.
    password_change_require(users=users, reason=reason)
