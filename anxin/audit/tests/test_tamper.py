"""Attacks on the audit trail by someone who owns the database but not the application's key."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from anxin.audit.checkpoints import parse_line, read_checkpoints
from anxin.audit.models import AuditEvent
from anxin.audit.services import AuditCheckpointRefused, audit_checkpoint, audit_record, audit_verify
from anxin.audit.signing import GENESIS_HASH, _keyring, canonical, event_hash, key_id_of, keyring
from anxin.core.models import Notification
from anxin.core.periodic import JOBS
from anxin.testing import Cast

pytestmark = pytest.mark.django_db

ATTACKER_KEY = "the-attacker-s-own-key-of-forty-characters"
NEW_KEY = "a-newer-audit-key-added-at-rotation-0123456789"


def _owner_sql(sql: str, params: list[str | int] | None = None) -> None:
    """Run SQL as the table's owner would: with the append-only triggers switched off first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        cursor.execute(sql, params or [])


def _rehash(events: list[AuditEvent], sign: Callable[[AuditEvent], None]) -> None:
    """Relink ``events`` (in order) after the event before the first, signing each with ``sign``."""
    before = AuditEvent.objects.filter(chain="main", seq=events[0].seq - 1).first()
    prev = before.hash if before else GENESIS_HASH
    for event in events:
        event.prev_hash = prev
        sign(event)
        _owner_sql(
            "UPDATE audit_auditevent SET after = %s, prev_hash = %s, hash = %s, key_id = %s WHERE id = %s",
            [
                json.dumps(event.after, cls=DjangoJSONEncoder),
                event.prev_hash,
                event.hash,
                event.key_id,
                event.pk,
            ],
        )
        prev = event.hash


def _old_algorithm(event: AuditEvent) -> None:
    event.key_id = ""
    event.hash = event_hash(event)


def _sha256_keeping_key_id(event: AuditEvent) -> None:
    event.hash = hashlib.sha256(_signed_bytes(event)).hexdigest()


def _attacker_key_same_id(event: AuditEvent) -> None:
    event.hash = _keyring((ATTACKER_KEY,)).mac(key_id_of(ATTACKER_KEY), _signed_bytes(event))


def _attacker_key_own_id(event: AuditEvent) -> None:
    event.key_id = key_id_of(ATTACKER_KEY)
    event.hash = _keyring((ATTACKER_KEY,)).mac(event.key_id, _signed_bytes(event))


def _signed_bytes(event: AuditEvent) -> bytes:
    body = json.dumps(canonical(event), sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)
    return (event.prev_hash + body).encode("utf-8")


def _chain() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(chain="main").order_by("seq"))


def _checkpoint_file(tmp_path: Path) -> Path:
    path = tmp_path / "audit-checkpoints.log"
    audit_checkpoint(path=path)
    return path


# --- (a) rewrite and re-hash -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sign", "whole_chain", "reason"),
    [
        # The old, unkeyed algorithm over the whole chain: every link holds, but nothing is keyed.
        (_old_algorithm, True, "unsealed"),
        # The old algorithm from the victim on: an unkeyed event after keyed ones.
        (_old_algorithm, False, "legacy_after_keyed"),
        # Plain SHA-256 where the key's MAC belongs.
        (_sha256_keeping_key_id, False, "content"),
        # An HMAC with a key of the attacker's own, under the real key id or under its own.
        (_attacker_key_same_id, False, "content"),
        (_attacker_key_own_id, False, "unknown_key"),
    ],
    ids=[
        "old-algorithm-whole-chain",
        "old-algorithm-from-victim",
        "sha256",
        "own-key-real-id",
        "own-key-own-id",
    ],
)
def test_rewritten_and_rehashed_event_fails_verify(
    cast: Cast, tmp_path: Path, sign: Callable[[AuditEvent], None], whole_chain: bool, reason: str
) -> None:
    path = _checkpoint_file(tmp_path)
    events = _chain()
    victim = events[5]
    victim.after = {"boarder": "forged"}
    _rehash(events if whole_chain else events[5:], sign)

    result = audit_verify()
    assert result.ok is False
    assert result.reason == reason
    if not whole_chain:
        assert result.broken_seq == victim.seq
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify")
    assert exc.value.returncode == 3
    assert "审计链被破坏" in str(exc.value)
    assert audit_verify(checkpoints=read_checkpoints(path)).ok is False


def test_unknown_key_is_named_in_the_message(cast: Cast) -> None:
    events = _chain()
    _rehash(events[3:], _attacker_key_own_id)
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify")
    assert f"#{events[3].seq}" in str(exc.value)
    assert key_id_of(ATTACKER_KEY) in str(exc.value)


# --- (b) truncation ------------------------------------------------------------------------------------


def test_truncation_passes_a_bare_verify_but_not_the_checkpoint(cast: Cast, tmp_path: Path) -> None:
    path = _checkpoint_file(tmp_path)
    pinned = parse_line(path.read_text().splitlines()[0])
    assert pinned is not None
    _owner_sql("DELETE FROM audit_auditevent")
    # The application carries on, starting a fresh chain after the "head reset".
    for n in range(3):
        audit_record(actor=None, action=f"after.truncation.{n}")

    assert audit_verify().ok is True  # nothing inside the database can tell
    result = audit_verify(checkpoints=read_checkpoints(path))
    assert result.ok is False
    assert result.reason == "checkpoint_missing"
    assert result.broken_seq == pinned.seq
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify", "--checkpoint", str(path))
    assert exc.value.returncode == 3
    assert "第 1 行" in str(exc.value) and "截断" in str(exc.value)


def test_truncated_and_refilled_chain_fails_the_checkpoint(cast: Cast, tmp_path: Path) -> None:
    """The chain deleted and refilled past the checkpoint's seq: the seq exists, its hash does not."""
    path = _checkpoint_file(tmp_path)
    pinned = parse_line(path.read_text().splitlines()[0])
    assert pinned is not None
    _owner_sql("DELETE FROM audit_auditevent")
    for n in range(pinned.seq + 2):
        audit_record(actor=None, action=f"refill.{n}")
    result = audit_verify(checkpoints=read_checkpoints(path))
    assert result.ok is False
    assert result.reason == "checkpoint_mismatch"
    assert result.broken_seq == pinned.seq


def test_daily_checkpoint_after_truncation_is_refused_and_alarms_the_city(
    cast: Cast, settings: Settings, tmp_path: Path
) -> None:
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints.log"
    from anxin.audit.tasks import daily_checkpoint

    assert daily_checkpoint.call()["ok"] is True
    lines_before = settings.AUDIT_CHECKPOINT_FILE.read_text()
    _owner_sql("DELETE FROM audit_auditevent")
    audit_record(actor=None, action="after.truncation")

    outcome = daily_checkpoint.call()
    assert outcome["ok"] is False
    assert settings.AUDIT_CHECKPOINT_FILE.read_text() == lines_before  # nothing blessed
    alarm = Notification.objects.get(user=cast.users["city_admin"], title="审计日志校验失败")
    assert alarm.urgent is True
    assert "审计链被破坏" in alarm.body and "第 1 行" in alarm.body and "截断" in alarm.body


# --- (c) tampered checkpoint ------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["seq", "hash", "sig"])
def test_tampered_checkpoint_line_is_detected(cast: Cast, tmp_path: Path, field: str) -> None:
    path = _checkpoint_file(tmp_path)
    line = path.read_text().splitlines()[0]
    cp = parse_line(line)
    assert cp is not None
    forged = {
        "seq": line.replace(f" seq={cp.seq} ", f" seq={cp.seq - 1} "),
        "hash": line.replace(cp.hash, _chain()[0].hash),
        "sig": line.replace(cp.sig, cp.sig[::-1]),
    }[field]
    assert forged != line
    path.write_text("# kept by the city\n" + forged + "\n")
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify", "--checkpoint", str(path))
    assert exc.value.returncode == 3
    assert "第 2 行的签名不正确" in str(exc.value)


# --- (d) key rotation ------------------------------------------------------------------------------------


def test_rotation_keeps_old_events_verifiable_while_the_old_key_stays(
    cast: Cast, settings: Settings, tmp_path: Path
) -> None:
    old_keys = list(settings.AUDIT_HMAC_KEYS)
    old_id = key_id_of(old_keys[0])
    old_path = _checkpoint_file(tmp_path)

    settings.AUDIT_HMAC_KEYS = [NEW_KEY, *old_keys]  # the new key first, the old one kept
    newer = audit_record(actor=None, action="after.rotation")
    assert newer.key_id == key_id_of(NEW_KEY) != old_id
    assert {e.key_id for e in _chain()} == {old_id, key_id_of(NEW_KEY)}
    result = audit_verify(checkpoints=read_checkpoints(old_path))
    assert result.ok is True
    assert result.checkpoints == 1

    settings.AUDIT_HMAC_KEYS = [NEW_KEY]  # the old key dropped too early
    result = audit_verify()
    assert result.ok is False
    assert result.reason == "unknown_key"
    assert result.broken_seq == 1
    assert result.key_id == old_id
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify")
    assert old_id in str(exc.value) and "AUDIT_HMAC_KEYS" in str(exc.value)


def test_checkpoint_signed_with_a_removed_key_is_named(
    cast: Cast, settings: Settings, tmp_path: Path
) -> None:
    path = _checkpoint_file(tmp_path)
    old_id = key_id_of(settings.AUDIT_HMAC_KEYS[0])
    settings.AUDIT_HMAC_KEYS = [NEW_KEY]
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify", "--checkpoint", str(path))
    assert "第 1 行" in str(exc.value) and old_id in str(exc.value)


# --- legacy events from before the chain was keyed -------------------------------------------------------


def _legacy_chain(n: int) -> None:
    """Replace the chain with ``n`` unkeyed events, as a database deployed before this change holds."""
    events = _chain()[:n]
    _owner_sql("DELETE FROM audit_auditevent WHERE seq > %s", [n])
    _rehash(events, _old_algorithm)


def test_legacy_events_verify_once_a_keyed_event_follows_them(
    cast: Cast, capsys: pytest.CaptureFixture[str]
) -> None:
    _legacy_chain(6)
    first_keyed = audit_record(actor=None, action="audit.legacy_sealed")
    assert first_keyed.prev_hash == _chain()[5].hash  # the first keyed event links to the legacy tail

    result = audit_verify()
    assert result.ok is True
    assert result.legacy == 6
    call_command("audit", "verify")
    assert "6 条为启用密钥前的旧事件" in capsys.readouterr().out


def test_legacy_only_chain_fails(cast: Cast) -> None:
    _legacy_chain(6)
    result = audit_verify()
    assert result.ok is False
    assert result.reason == "unsealed"


# --- the checkpoint itself -------------------------------------------------------------------------------


def test_checkpoint_writes_a_private_signed_line_and_tells_the_city_admin(
    cast: Cast, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = cast.users["city_admin"]
    path = tmp_path / "sub" / "audit-checkpoints.log"
    head = _chain()[-1]
    settings.AUDIT_CHECKPOINT_FILE = path
    call_command("audit", "checkpoint")
    printed = capsys.readouterr().out.strip()

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = path.read_text().splitlines()
    assert lines == [printed]
    cp = parse_line(lines[0])
    assert cp is not None
    assert (cp.chain, cp.seq, cp.hash) == ("main", head.seq, head.hash)
    assert cp.key_id == keyring().newest_id and cp.signature_ok()
    notice = Notification.objects.get(user=admin, title__startswith="审计日志检查点")
    assert lines[0] in notice.body
    assert not Notification.objects.filter(
        user=cast.users["county_admin"], title__startswith="审计日志"
    ).exists()
    assert AuditEvent.objects.filter(action="audit.checkpoint", after__seq=head.seq).exists()

    call_command("audit", "checkpoint", "--file", str(path))  # the next day: one more line
    assert len(path.read_text().splitlines()) == 2
    call_command("audit", "verify", "--checkpoint", str(path))
    assert "2 个检查点的签名正确" in capsys.readouterr().out


def test_checkpoint_mail_leaves_after_the_commit(
    cast: Cast, tmp_path: Path, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    admin = cast.users["city_admin"]
    admin.email = "city@example.edu.cn"
    admin.save()
    with django_capture_on_commit_callbacks(execute=True):
        made = audit_checkpoint(path=tmp_path / "c.log")
    assert [m.to for m in mail.outbox] == [["city@example.edu.cn"]]
    assert made[0].line() in mail.outbox[0].body


def test_checkpoint_of_a_broken_chain_is_refused_and_writes_nothing(cast: Cast, tmp_path: Path) -> None:
    _rehash(_chain()[4:], _sha256_keeping_key_id)
    path = tmp_path / "c.log"
    with pytest.raises(AuditCheckpointRefused):
        audit_checkpoint(path=path)
    assert not path.exists()
    with pytest.raises(CommandError) as exc:
        call_command("audit", "checkpoint", "--file", str(path))
    assert exc.value.returncode == 3 and "未写入检查点" in str(exc.value)


def test_checkpoint_runs_daily_as_a_periodic_job() -> None:
    job = JOBS["audit.checkpoint"]
    assert job.every.total_seconds() == 24 * 60 * 60


# --- (e) bad input to the command line ---------------------------------------------------------------


def _anxin(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "anxin.cli", *args],
        cwd=django_settings.BASE_DIR,
        env={**os.environ},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_bad_checkpoint_files_get_a_chinese_error_and_no_traceback(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.log"
    garbage.write_text("anxin-audit-checkpoint/1 chain=main seq=12 hash=zz\n")
    for path, expected in [(tmp_path / "nope.log", "不存在"), (garbage, "第 1 行不是检查点")]:
        done = _anxin("audit", "verify", "--checkpoint", str(path))
        assert done.returncode == 2, done.stderr
        assert expected in done.stderr
        assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"", "没有检查点"), (b"\xff\xfe\x00binary", "不是 UTF-8"), (b"seq=1\n", "第 1 行不是检查点")],
)
def test_cli_refuses_unusable_checkpoint_files(
    cast: Cast, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "c.log"
    path.write_bytes(content)
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify", "--checkpoint", str(path))
    assert exc.value.returncode == 2
    assert expected in str(exc.value)


def test_cli_refuses_a_directory_as_checkpoint_file(cast: Cast, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify", "--checkpoint", str(tmp_path))
    assert exc.value.returncode == 2 and "无法读取" in str(exc.value)


def test_deployment_guide_shows_the_grants_that_anxin_audit_grants_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("audit", "grants", "anxin_app")
    printed = capsys.readouterr().out
    guide = (Path(django_settings.BASE_DIR) / "docs" / "deployment.md").read_text(encoding="utf-8")
    assert printed.strip() in guide
    with pytest.raises(CommandError) as exc:
        call_command("audit", "grants", "app; DROP TABLE x")
    assert exc.value.returncode == 2 and "角色名" in str(exc.value)
