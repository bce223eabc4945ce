"""The append-only audit trail, chained with HMAC-SHA256 under a key the database does not hold.

Each event's ``hash`` is the MAC of the previous event's hash and of its own content
(``anxin.audit.signing``). The chain's head is its event with the highest ``seq``: there is no head
row to update, so the application's database role needs only INSERT and SELECT on this table.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import labels
from .signing import GENESIS_HASH, Keyring, canonical, event_hash

__all__ = ["GENESIS_HASH", "AppendOnlyError", "AuditEvent"]


class AppendOnlyError(RuntimeError):
    pass


class AuditEvent(models.Model):
    chain = models.CharField(max_length=40, default="main")
    seq = models.BigIntegerField()
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        # PROTECT: the actor id is part of the hash, so an account is deactivated, never deleted.
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("操作人"), max_length=100, blank=True)
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, blank=True, db_index=True)
    action = models.CharField(_("操作"), max_length=60, db_index=True)
    subject_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    subject_id = models.CharField(_("对象"), max_length=40, blank=True)
    subject_label = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # Fingerprint of the AUDIT_HMAC_KEYS key that signed the event; empty for a legacy SHA-256 event.
    key_id = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        ordering = ["-at", "-seq"]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events cannot be deleted")

    @property
    def action_label(self) -> str:
        """The event code's Chinese name, for the audit log page."""
        return labels.label_for(self.action)

    def canonical(self) -> dict[str, Any]:
        return canonical(self)

    def compute_hash(self, ring: Keyring | None = None) -> str:
        return event_hash(self, ring)
