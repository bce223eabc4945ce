"""Writing to and verifying the audit trail."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .context import request_id_var
from .models import GENESIS_HASH, AuditEvent, AuditHead

if TYPE_CHECKING:
    from anxin.org.models import Unit, User

MAIN_CHAIN = "main"


def _plain(value: Any) -> Any:
    """JSON as it will read back from the database, so the hash is stable."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def audit_record(
    *,
    actor: User | None,
    action: str,
    unit: Unit | None = None,
    subject: Any = None,
    subject_type: str = "",
    subject_id: str | int = "",
    subject_label: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    chain: str = MAIN_CHAIN,
) -> AuditEvent:
    """Append one event. Call it inside the transaction of the write it describes."""
    if subject is not None:
        subject_type = subject_type or subject._meta.label_lower
        subject_id = subject_id or subject.pk
        subject_label = subject_label or str(subject)
    # No savepoint: an audit failure must fail the write it describes, and a savepoint costs
    # two more round trips on the hottest path (every report). Call this last in the
    # transaction: the head row stays locked from here to the commit.
    with transaction.atomic(savepoint=False):
        # Lock the head so two writers cannot take the same sequence number.
        head = AuditHead.objects.select_for_update().filter(pk=chain).first()
        if head is None:
            head, _ = AuditHead.objects.get_or_create(chain=chain)
            head = AuditHead.objects.select_for_update().get(pk=head.pk)
        actor_obj = actor if actor is not None and getattr(actor, "pk", None) else None
        event = AuditEvent(
            chain=chain,
            seq=head.last_seq + 1,
            at=timezone.now(),
            actor=actor_obj,
            actor_label=(str(actor_obj) if actor_obj else "系统")[:100],
            unit=unit,
            unit_path=unit.path if unit is not None else "",
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            subject_label=subject_label[:200],
            before=_plain(before),
            after=_plain(after),
            request_id=request_id_var.get(),
            prev_hash=head.last_hash,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        AuditHead.objects.filter(pk=head.pk).update(last_seq=event.seq, last_hash=event.hash)
    return event


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    chain: str = ""
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""


def audit_verify(*, batch: int = 5000) -> VerifyResult:
    """Walk every chain in order; report the first event whose link or content does not hold."""
    checked = 0
    chains = set(AuditHead.objects.values_list("chain", flat=True)) | set(
        AuditEvent.objects.values_list("chain", flat=True).distinct()
    )
    for chain in sorted(chains):
        prev_hash = GENESIS_HASH
        expected_seq = 1
        last_seq = 0
        qs = AuditEvent.objects.filter(chain=chain).order_by("seq")
        cursor_seq = 0
        while True:
            page = list(qs.filter(seq__gt=cursor_seq)[:batch])
            if not page:
                break
            for event in page:
                if event.seq != expected_seq:
                    return VerifyResult(False, checked, chain, expected_seq, None, "missing")
                if event.prev_hash != prev_hash:
                    return VerifyResult(False, checked, chain, event.seq, event.pk, "link")
                if event.compute_hash() != event.hash:
                    return VerifyResult(False, checked, chain, event.seq, event.pk, "content")
                prev_hash = event.hash
                expected_seq += 1
                last_seq = event.seq
                checked += 1
            cursor_seq = page[-1].seq
        head = AuditHead.objects.filter(chain=chain).first()
        if head is not None and (head.last_seq != last_seq or head.last_hash != prev_hash):
            # Events were deleted from the end of the chain.
            return VerifyResult(False, checked, chain, last_seq + 1, None, "truncated")
    return VerifyResult(True, checked)
