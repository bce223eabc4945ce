from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PasswordChangeRequired(models.Model):
    """The account must choose a new password before doing anything else.

    A row exists for accounts whose password someone else chose: imported accounts and accounts an
    administrator created. Choosing a new password deletes it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="password_change_required",
    )
    reason = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("待修改密码")
        verbose_name_plural = _("待修改密码")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.reason}"
