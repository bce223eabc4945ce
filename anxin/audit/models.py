"""The append-only, hash-chained audit trail."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AppendOnlyError(RuntimeError):
    pass


class AuditHead(models.Model):
    """The last link of one chain. Locking this row serialises appends to the chain."""

    chain = models.CharField(max_length=40, primary_key=True)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"{self.chain}#{self.last_seq}"


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
    subject_type = models.CharField(_("对象类型"), max_length=40, blank=True)
    subject_id = models.CharField(_("对象"), max_length=40, blank=True)
    subject_label = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        ordering = ["-at", "-seq"]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")

    def canonical(self) -> dict[str, Any]:
        """Every field that the hash covers, in a form that survives a database round trip."""
        return {
            "chain": self.chain,
            "seq": self.seq,
            "at": self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "unit": self.unit_id,
            "unit_path": self.unit_path,
            "action": self.action,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "subject_label": self.subject_label,
            "before": self.before,
            "after": self.after,
            "request_id": self.request_id,
        }

    def compute_hash(self) -> str:
        body = json.dumps(self.canonical(), sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)
        return hashlib.sha256((self.prev_hash + body).encode("utf-8")).hexdigest()
