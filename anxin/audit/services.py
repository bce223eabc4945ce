"""Writing to and verifying the audit trail, and publishing signed checkpoints of it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.core.context import request_id_var
from anxin.core.fields import to_minute
from anxin.core.notify import notify

from . import events
from .checkpoints import (
    Checkpoint,
    CheckpointFileError,
    append_checkpoints,
    checkpoint_sign,
    read_checkpoints,
)
from .models import GENESIS_HASH, AuditEvent
from .selectors import city_administrators
from .signing import UnknownAuditKey, keyring

if TYPE_CHECKING:
    from anxin.org.models import Unit, User


MAIN_CHAIN = "main"


def _plain(value: Any) -> Any:
    """JSON as it will read back from the database, so the hash is stable."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _lock_chain(chain: str) -> None:
    """Serialise appends to one chain until the commit.

    PostgreSQL: a transaction-level advisory lock, which any role may take, so the application's
    role needs no UPDATE on an audit table. SQLite: nothing to do, every write transaction begins
    IMMEDIATE (settings.py) and so already holds the database's only write lock.
    """
    if connection.vendor == "postgresql":
        digest = hashlib.sha256(b"anxin.audit.chain\x00" + chain.encode("utf-8")).digest()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
            )


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
    to_the_minute: bool = False,
) -> AuditEvent:
    """Append one event. Call it inside the transaction of the write it describes.

    ``to_the_minute``: the event tells when an anonymous reporter acted (a letter, a message, an
    appeal by receipt); its time is kept without seconds, like the rows it describes."""
    if subject is not None:
        subject_type = subject_type or subject._meta.label_lower
        subject_id = subject_id or subject.pk
        subject_label = subject_label or str(subject)
    ring = keyring()
    # No savepoint: an audit failure must fail the write it describes, and a savepoint costs
    # two more round trips on the hottest path (every report). Call this last in the
    # transaction: the chain stays locked from here to the commit.
    with transaction.atomic(savepoint=False):
        _lock_chain(chain)
        # The head is the last event itself (index on chain, seq): read after taking the lock, it
        # includes every append committed before.
        last = AuditEvent.objects.filter(chain=chain).order_by("-seq").values_list("seq", "hash").first()
        last_seq, last_hash = last if last is not None else (0, GENESIS_HASH)
        actor_obj = actor if actor is not None and getattr(actor, "pk", None) else None
        event = AuditEvent(
            chain=chain,
            seq=last_seq + 1,
            at=to_minute(timezone.now()) if to_the_minute else timezone.now(),
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
            prev_hash=last_hash,
            key_id=ring.newest_id,
        )
        event.hash = event.compute_hash(ring)
        event.save(force_insert=True)
    return event


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    chain: str = ""
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""
    #: the key id an event or checkpoint names that is not configured (reason unknown_key)
    key_id: str = ""
    #: line of the checkpoint file a checkpoint problem is on
    lineno: int = 0
    #: events written before the chain was keyed (plain SHA-256), among those checked
    legacy: int = 0
    #: checkpoints found in the chain with their hash
    checkpoints: int = 0
    #: chain -> (seq, hash) of the last event verified
    heads: dict[str, tuple[int, str]] = field(default_factory=dict)

    def message(self) -> str:
        """What is wrong, in Chinese, naming the first problem found."""
        where = {"chain": self.chain, "seq": self.broken_seq, "id": self.broken_id, "line": self.lineno}
        texts = {
            "missing": _("链 %(chain)s 的事件 #%(seq)s 缺失（事件被删除）"),
            "link": _("链 %(chain)s 的事件 #%(seq)s（id=%(id)s）与前一条事件的链接不符"),
            "content": _("链 %(chain)s 的事件 #%(seq)s（id=%(id)s）内容被修改，或其签名被伪造"),
            "unknown_key": _(
                "链 %(chain)s 的事件 #%(seq)s（id=%(id)s）由审计密钥 %(key)s 签名，"
                "但 AUDIT_HMAC_KEYS 中没有该密钥（轮换密钥时旧密钥须保留）"
            ),
            "legacy_after_keyed": _(
                "链 %(chain)s 的事件 #%(seq)s（id=%(id)s）是未加密钥的旧式事件，却排在加密钥事件之后（事件被改写）"
            ),
            "unsealed": _(
                "链 %(chain)s 只有未加密钥的旧式事件，缺少升级时写入的加密钥封存事件（整条链可能被改写）"
            ),
            "checkpoint_signature": _("检查点文件第 %(line)s 行的签名不正确（该行被篡改）"),
            "checkpoint_unknown_key": _(
                "检查点文件第 %(line)s 行由审计密钥 %(key)s 签名，但 AUDIT_HMAC_KEYS 中没有该密钥"
            ),
            "checkpoint_mismatch": _(
                "链 %(chain)s 的事件 #%(seq)s 与检查点文件第 %(line)s 行记录的哈希不同（链被改写，或被截断后重建）"
            ),
            "checkpoint_missing": _(
                "检查点文件第 %(line)s 行记录的链 %(chain)s 事件 #%(seq)s 已不存在（审计链被截断）"
            ),
        }
        text = texts.get(self.reason, "%(chain)s #%(seq)s " + self.reason) % {**where, "key": self.key_id}
        # A bad checkpoint line is found before any event is read.
        if self.reason in {"checkpoint_signature", "checkpoint_unknown_key"}:
            return _("审计链校验未通过：%(problem)s。") % {"problem": text}
        return _("审计链被破坏：%(problem)s。此前 %(checked)s 条事件完好。") % {
            "problem": text,
            "checked": self.checked,
        }


def _problem(reason: str, checked: int, chain: str, **kwargs: Any) -> VerifyResult:
    return VerifyResult(False, checked, chain, reason=reason, **kwargs)


def audit_verify(
    *,
    batch: int = 5000,
    checkpoints: list[tuple[int, Checkpoint]] | None = None,
    start: dict[str, tuple[int, Checkpoint]] | None = None,
) -> VerifyResult:
    """Walk every chain in order; report the first event whose link, content or key does not hold.

    ``checkpoints`` (line number, checkpoint) from a checkpoint file: each signature must be right,
    and each (seq, hash) must still be in the chain. ``start``: per chain, a trusted checkpoint (and its
    line number) to begin after instead of the first event (the daily checkpoint only walks what is new).
    """
    ring = keyring()
    checked = legacy = matched = 0
    pinned: dict[str, dict[int, list[tuple[int, Checkpoint]]]] = {}
    for lineno, cp in checkpoints or []:
        try:
            signature_ok = cp.signature_ok(ring)
        except UnknownAuditKey as exc:
            return _problem("checkpoint_unknown_key", 0, cp.chain, lineno=lineno, key_id=exc.key_id)
        if not signature_ok:
            return _problem("checkpoint_signature", 0, cp.chain, lineno=lineno)
        pinned.setdefault(cp.chain, {}).setdefault(cp.seq, []).append((lineno, cp))
    start = start or {}
    heads: dict[str, tuple[int, str]] = {}
    chains = set(AuditEvent.objects.values_list("chain", flat=True).distinct()) | set(pinned) | set(start)
    for chain in sorted(chains):
        pins = pinned.get(chain, {})
        origin_line, origin = start.get(chain, (0, None))
        prev_hash, last_seq = (origin.hash, origin.seq) if origin else (GENESIS_HASH, 0)
        if last_seq:
            held = AuditEvent.objects.filter(chain=chain, seq=last_seq).values_list("hash", flat=True).first()
            if held is None:
                return _problem("checkpoint_missing", checked, chain, broken_seq=last_seq, lineno=origin_line)
            if held != prev_hash:
                return _problem(
                    "checkpoint_mismatch", checked, chain, broken_seq=last_seq, lineno=origin_line
                )
        # A checkpoint is only ever taken of a keyed chain: nothing after it may be legacy.
        seen_keyed = last_seq > 0
        seen_legacy = False
        qs = AuditEvent.objects.filter(chain=chain).order_by("seq")
        while True:
            page = list(qs.filter(seq__gt=last_seq)[:batch])
            if not page:
                break
            for event in page:
                if event.seq != last_seq + 1:
                    return _problem("missing", checked, chain, broken_seq=last_seq + 1)
                where = {"broken_seq": event.seq, "broken_id": event.pk}
                if event.prev_hash != prev_hash:
                    return _problem("link", checked, chain, **where)
                if event.key_id:
                    seen_keyed = True
                elif seen_keyed:
                    return _problem("legacy_after_keyed", checked, chain, **where)
                else:
                    seen_legacy = True
                    legacy += 1
                try:
                    good = event.compute_hash(ring) == event.hash
                except UnknownAuditKey as exc:
                    return _problem("unknown_key", checked, chain, key_id=exc.key_id, **where)
                if not good:
                    return _problem("content", checked, chain, **where)
                for lineno, cp in pins.get(event.seq, ()):
                    if cp.hash != event.hash:
                        return _problem("checkpoint_mismatch", checked, chain, lineno=lineno, **where)
                    matched += 1
                prev_hash = event.hash
                last_seq = event.seq
                checked += 1
        if seen_legacy and not seen_keyed:
            return _problem("unsealed", checked, chain)
        beyond = [pin for seq, found in pins.items() if seq > last_seq for pin in found]
        if beyond:
            lineno, cp = min(beyond, key=lambda pin: pin[0])
            return _problem("checkpoint_missing", checked, chain, broken_seq=cp.seq, lineno=lineno)
        matched += len(pins.get(0, ()))  # checkpoints of the empty chain
        heads[chain] = (last_seq, prev_hash)
    return VerifyResult(True, checked, legacy=legacy, checkpoints=matched, heads=heads)


class AuditCheckpointRefused(Exception):
    """No checkpoint was written: the chain does not verify, or the checkpoint file is unusable."""

    def __init__(self, message: str, *, result: VerifyResult | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.result = result


def checkpoint_file_message(exc: CheckpointFileError) -> str:
    texts = {
        "missing": _("检查点文件 %(path)s 不存在"),
        "unreadable": _("无法读取检查点文件 %(path)s：%(detail)s"),
        "not_text": _("检查点文件 %(path)s 不是 UTF-8 文本"),
        "empty": _("检查点文件 %(path)s 中没有检查点"),
        "garbage": _("检查点文件 %(path)s 第 %(line)s 行不是检查点：%(detail)s"),
    }
    return texts.get(exc.reason, "%(path)s: " + exc.reason) % {
        "path": exc.path,
        "line": exc.lineno,
        "detail": exc.detail,
    }


def _last_trusted(path: Path) -> dict[str, tuple[int, Checkpoint]]:
    """The latest checkpoint per chain in the file whose signature holds: the daily walk starts there."""
    if not path.exists():
        return {}
    ring = keyring()
    trusted: dict[str, tuple[int, Checkpoint]] = {}
    for lineno, cp in read_checkpoints(path):
        try:
            if cp.signature_ok(ring) and (cp.chain not in trusted or cp.seq >= trusted[cp.chain][1].seq):
                trusted[cp.chain] = (lineno, cp)
        except UnknownAuditKey:
            continue
    return trusted


def audit_checkpoint(*, path: Path | None = None) -> list[Checkpoint]:
    """Verify the chain, then append one signed line per chain to the checkpoint file and send the
    lines to the city administrators. Raises AuditCheckpointRefused, having written nothing, when
    the chain does not verify."""
    path = Path(path or settings.AUDIT_CHECKPOINT_FILE)
    try:
        start = _last_trusted(path)
    except CheckpointFileError as exc:
        raise AuditCheckpointRefused(checkpoint_file_message(exc)) from None
    result = audit_verify(start=start)
    if not result.ok:
        raise AuditCheckpointRefused(result.message(), result=result)
    at = timezone.now().astimezone(UTC).isoformat(timespec="seconds")
    ring = keyring()
    made = [
        checkpoint_sign(chain=chain, seq=seq, hash=head, at=at, ring=ring)
        for chain, (seq, head) in sorted(result.heads.items())
        if seq > 0
    ]
    if not made:
        return []
    try:
        append_checkpoints(path, made)
    except OSError as exc:
        raise AuditCheckpointRefused(
            _("无法写入检查点文件 %(path)s：%(detail)s") % {"path": path, "detail": exc.strerror or exc}
        ) from None
    lines = "\n".join(cp.line() for cp in made)
    with transaction.atomic():
        for cp in made:
            audit_record(
                actor=None,
                action=events.AUDIT_CHECKPOINT,
                subject_type="audit.chain",
                subject_id=cp.chain,
                subject_label=cp.chain,
                after={"seq": cp.seq, "hash": cp.hash, "at": cp.at, "key_id": cp.key_id},
            )
        notify(
            city_administrators(),
            title=_("审计日志检查点 %(at)s") % {"at": at},
            body=_(
                "审计链已校验完好。请保存下面这行（例如存入单位档案或另一台电脑），"
                "以后可用 anxin audit verify --checkpoint 文件 核对审计日志未被截断或改写：\n%(lines)s"
            )
            % {"lines": lines},
            email=True,
        )
    return made


def audit_alarm(message: str, *, key: str) -> None:
    """Tell the city administrators, once per problem, that the audit trail did not verify."""
    with transaction.atomic():
        notify(
            city_administrators(),
            title=_("审计日志校验失败"),
            body=message,
            urgent=True,
            subject_key=f"audit.alarm:{key}"[:100],
            email=True,
        )
