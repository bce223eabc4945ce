"""Restore drill: a backup restored into a fresh database keeps the audit chain and the receipts.

Data is written the way the platform writes it (a child's report with a photo through the public
service, the school's reply, the audit events they leave), ``anxin backup`` copies it, and
``anxin restore`` puts it into a new, empty database and upload folder, run as the operator would
run it: a separate ``anxin`` process pointed there by DATABASE_URL and MEDIA_ROOT. Then, in that
database, ``anxin audit verify`` passes, the receipt opens the follow-up page with the reply, and
the photo is there byte for byte. On SQLite by default; on PostgreSQL when DATABASE_URL is one.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from PIL import Image

from anxin.audit.models import AuditEvent
from anxin.intake import services

ANXIN = str(Path(sys.executable).parent / "anxin")
TEXT = "课间操的时候他们把我堵在楼梯口要钱，说不给就打我"
REPLY = "我们已经知道了，明天课间请到心理室找王老师。"

# Run inside the restored installation: the receipt must open the follow-up page with the reply,
# and the photo must be readable through the storage.
FOLLOW_UP = """
import sys
from django.test import Client
from anxin.intake.models import Photo
page = Client().post("/box/follow/", {"receipt": sys.argv[1]})
assert page.status_code == 200, page.status_code
assert sys.argv[2] in page.content.decode(), "reply not on the follow-up page"
photo = Photo.objects.get()
with photo.file.open("rb") as fh:
    print("PHOTO", fh.read().hex())
"""


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 40, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database of the same engine as the test database."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        path = Path(db["NAME"]).with_name(f"drill-{uuid.uuid4().hex[:8]}.sqlite3")
        yield f"sqlite:///{path}"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    name = f"anxin_drill_{uuid.uuid4().hex[:8]}"
    params = {
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "user": db["USER"] or None,
        "password": db["PASSWORD"] or None,
        "dbname": db["NAME"],
        "autocommit": True,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    yield f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _anxin(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ANXIN, *args], env=env, capture_output=True, text=True, timeout=300)


def test_backup_restores_into_a_fresh_database_with_chain_receipt_and_photo(
    cast_tx, settings, tmp_path, fresh_database
):
    settings.MEDIA_ROOT = tmp_path / "media"
    png = _png()
    sub = services.report_submit(
        school_code=cast_tx.school.code,
        text=TEXT,
        about="self",
        photos=[("p.png", SimpleUploadedFile("p.png", png, content_type="image/png"))],
    )
    services.report_reply(actor=cast_tx.users["moral_director"], report=sub.report, text=REPLY)
    stored = sub.report.photos.get().file.read()
    events = AuditEvent.objects.count()
    assert events > 0

    archive = tmp_path / "backup.tar"
    call_command("backup", output=archive, stdout=io.StringIO())
    assert archive.stat().st_mode & 0o077 == 0  # the backup holds children's data: owner only

    restored_media = tmp_path / "restored-media"
    env = {
        **os.environ,
        "DATABASE_URL": fresh_database,
        "MEDIA_ROOT": str(restored_media),
        "ANXIN_VAR_DIR": str(django_settings.VAR_DIR),
        "SECRET_KEY": django_settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(django_settings.FIELD_ENCRYPTION_KEYS),
        # The restored chain is checked with the same keys, against no checkpoint yet.
        "AUDIT_HMAC_KEYS": ",".join(django_settings.AUDIT_HMAC_KEYS),
        "AUDIT_CHECKPOINT_FILE": str(tmp_path / "no-checkpoints.log"),
    }
    done = _anxin("restore", str(archive), env=env)
    assert done.returncode == 0, done.stderr
    assert "恢复完成" in done.stdout and f"审计链校验通过（{events} 条事件）" in done.stdout

    verify = _anxin("audit", "verify", env=env)
    assert verify.returncode == 0, verify.stderr
    assert f"已校验 {events} 条事件" in verify.stdout

    follow = _anxin(
        "shell",
        "-c",
        FOLLOW_UP.replace("sys.argv[1]", repr(sub.receipt)).replace("sys.argv[2]", repr(REPLY)),
        env=env,
    )
    assert follow.returncode == 0, follow.stderr
    photo_line = next(line for line in follow.stdout.splitlines() if line.startswith("PHOTO "))
    assert bytes.fromhex(photo_line.split()[1]) == stored

    # A second restore over the now non-empty database is refused, and nothing is harmed.
    again = _anxin("restore", str(archive), env=env)
    assert again.returncode != 0
    assert "已有数据" in again.stderr and "--force" in again.stderr
    assert _anxin("audit", "verify", env=env).returncode == 0


def test_a_changed_backup_is_refused_before_anything_is_written(cast_tx, settings, tmp_path, fresh_database):
    import tarfile

    settings.MEDIA_ROOT = tmp_path / "media"
    services.report_submit(school_code=cast_tx.school.code, text=TEXT)
    archive = tmp_path / "backup.tar"
    call_command("backup", output=archive, stdout=io.StringIO())

    # Swap the database copy for other bytes of the same size, keeping the manifest.
    tampered = tmp_path / "tampered.tar"
    with tarfile.open(archive) as src, tarfile.open(tampered, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name.startswith("database."):
                data = bytes(len(data))
            dst.addfile(member, io.BytesIO(data))

    env = {**os.environ, "DATABASE_URL": fresh_database, "MEDIA_ROOT": str(tmp_path / "restored")}
    done = _anxin("restore", str(tampered), env=env)
    assert done.returncode != 0
    assert "备份已损坏" in done.stderr
    assert not (tmp_path / "restored").exists()


def test_restoring_a_backup_older_than_the_last_checkpoint_says_what_was_lost_and_what_to_do(
    cast_tx, settings, tmp_path, fresh_database
):
    from anxin.audit.services import audit_checkpoint

    settings.MEDIA_ROOT = tmp_path / "media"
    services.report_submit(school_code=cast_tx.school.code, text=TEXT)
    archive = tmp_path / "backup.tar"
    call_command("backup", output=archive, stdout=io.StringIO())
    # After the backup: another letter, and the day's checkpoint pins the longer chain.
    services.report_submit(school_code=cast_tx.school.code, text=TEXT + "，今天又发生了")
    checkpoints = tmp_path / "checkpoints.log"
    audit_checkpoint(path=checkpoints)

    env = {
        **os.environ,
        "DATABASE_URL": fresh_database,
        "MEDIA_ROOT": str(tmp_path / "restored"),
        "ANXIN_VAR_DIR": str(django_settings.VAR_DIR),
        "SECRET_KEY": django_settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(django_settings.FIELD_ENCRYPTION_KEYS),
        "AUDIT_HMAC_KEYS": ",".join(django_settings.AUDIT_HMAC_KEYS),
        "AUDIT_CHECKPOINT_FILE": str(checkpoints),
    }
    done = _anxin("restore", str(archive), env=env)
    assert done.returncode == 0, done.stderr
    assert "审计链与检查点不一致" in done.stderr and str(checkpoints) in done.stderr
    assert "anxin audit checkpoint" in done.stderr
