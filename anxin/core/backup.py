"""Backup and restore of the whole platform: the database and the uploaded files.

A backup is one tar file:

    manifest.json       time, database engine, Django version, every other member with size and sha256
    database.dump       PostgreSQL: ``pg_dump --format=custom``
    database.sqlite3    SQLite: a page-by-page copy through SQLite's online backup API
    media/...           MEDIA_ROOT as it is on disk (uploaded photos, possibly encrypted)

Both database copies are consistent while the server keeps running: pg_dump reads one snapshot,
SQLite's backup API copies one read transaction. The keys (SECRET_KEY, FIELD_ENCRYPTION_KEYS, the
audit key) are never in a backup: whoever holds a backup file without them holds ciphertext. The
manifest keeps a short keyed check of the field keys so a restore can tell that the keys differ.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP_NAME = "database.dump"
SQLITE_NAME = "database.sqlite3"
# Tables that hold data a person entered; a database with rows in any of them is not empty.
DATA_TABLES = ("org_unit", "org_user", "audit_auditevent", "intake_report")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator, in Chinese."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    return info


def key_check() -> str:
    """A short keyed value that tells whether two installations share the newest field key."""
    keys = getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or []
    if not keys:
        return ""
    return hmac.new(keys[0].encode(), b"anxin-backup-key-check", hashlib.sha256).hexdigest()[:16]


# --- PostgreSQL -------------------------------------------------------------------------------


def _pg_major() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore of the server's major version if installed, else the one on PATH."""
    try:
        major = _pg_major()
    except Exception:  # noqa: BLE001 - no server to ask: fall back to PATH
        major = 0
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin/{name}")] if major else []
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise BackupError(_("找不到 %(tool)s，请安装 PostgreSQL 客户端工具。") % {"tool": name})


def _pg_env(db: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The connection as libpq environment variables, so the password is never on a command line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    pairs = {
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
    }
    options = db.get("OPTIONS") or {}
    for option, var in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
        ("passfile", "PGPASSFILE"),
    ):
        if options.get(option):
            pairs[var] = options[option]
    env.update({k: str(v) for k, v in pairs.items() if v})
    return env, ["--dbname", str(db["NAME"])]


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(
            _("%(what)s失败（退出码 %(code)s）：%(error)s")
            % {"what": what, "code": done.returncode, "error": done.stderr.strip()[-2000:]}
        )


def _pg_dump(target: Path) -> None:
    env, conn_args = _pg_env(connection.settings_dict)
    cmd = [pg_tool("pg_dump"), "--format=custom", "--compress=6", "--file", str(target), *conn_args]
    _run(cmd, env, _("pg_dump 导出数据库"))


def _pg_restore(source: Path) -> None:
    env, conn_args = _pg_env(connection.settings_dict)
    # --no-owner/--no-acl: the restoring role owns what it creates; the grants of a restricted
    # application role are applied again afterwards (docs/deployment.md), never carried blindly.
    cmd = [
        pg_tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-acl",
        "--single-transaction",
        "--exit-on-error",
        *conn_args,
        str(source),
    ]
    _run(cmd, env, _("pg_restore 恢复数据库"))


# --- SQLite -----------------------------------------------------------------------------------


def _sqlite_path() -> Path:
    return Path(str(connection.settings_dict["NAME"]))


def _sqlite_backup(target: Path) -> None:
    source = sqlite3.connect(f"file:{_sqlite_path()}?mode=ro", uri=True, timeout=30)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest, pages=1024)
            dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            dest.close()
    finally:
        source.close()


def _sqlite_restore(source: Path) -> None:
    connection.close()
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        check = src.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupError(_("备份中的 SQLite 数据库已损坏：%(check)s") % {"check": check})
        dest = sqlite3.connect(_sqlite_path(), timeout=30)
        try:
            src.backup(dest)
        finally:
            dest.close()
    finally:
        src.close()


# --- Emptiness --------------------------------------------------------------------------------


def database_holds_data() -> bool:
    """Whether the configured database has rows a person entered (a freshly migrated one has none)."""
    tables = set(connection.introspection.table_names())
    user_table = django.apps.apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table
    with connection.cursor() as cursor:
        for table in {*DATA_TABLES, user_table} & tables:
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
            if cursor.fetchone():
                return True
    return False


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _media_files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


# --- Backup -----------------------------------------------------------------------------------


def default_backup_path() -> Path:
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.VAR_DIR) / "backups" / f"anxin-{stamp}.tar"


def backup(output: Path | None = None) -> BackupResult:
    """Write a backup of the database and MEDIA_ROOT to ``output`` (a new tar file, mode 0600)."""
    output = Path(output) if output else default_backup_path()
    if output.exists():
        raise BackupError(_("文件 %(path)s 已存在，不会覆盖。") % {"path": output})
    output.parent.mkdir(parents=True, exist_ok=True)
    vendor = connection.vendor
    if vendor not in {"postgresql", "sqlite"}:
        raise BackupError(_("不支持的数据库：%(vendor)s") % {"vendor": vendor})
    started = timezone.now()
    with tempfile.TemporaryDirectory(prefix="anxin-backup-", dir=output.parent) as tmp:
        db_name = PG_DUMP_NAME if vendor == "postgresql" else SQLITE_NAME
        db_file = Path(tmp) / db_name
        (_pg_dump if vendor == "postgresql" else _sqlite_backup)(db_file)
        members: list[dict[str, Any]] = [
            {"name": db_name, "size": db_file.stat().st_size, "sha256": _sha256(db_file)}
        ]
        media_root = _media_root()
        media = list(_media_files(media_root))
        partial = output.with_name(output.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with (
                os.fdopen(fd, "wb") as raw,
                tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar,
            ):
                tar.add(db_file, arcname=db_name, filter=_private)
                for path in media:
                    rel = path.relative_to(media_root).as_posix()
                    members.append(
                        {"name": f"media/{rel}", "size": path.stat().st_size, "sha256": _sha256(path)}
                    )
                    tar.add(path, arcname=f"media/{rel}", filter=_private)
                manifest = {
                    "format": FORMAT,
                    "created_at": started.isoformat(),
                    "finished_at": timezone.now().isoformat(),
                    "engine": vendor,
                    "django": django.get_version(),
                    "key_check": key_check(),
                    "media_files": len(media),
                    "members": members,
                }
                data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode, info.mtime = len(data), 0o600, int(started.timestamp())
                tar.addfile(info, io.BytesIO(data))
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return BackupResult(path=output, manifest=manifest)


# --- Restore ----------------------------------------------------------------------------------


_SAFE_NAME = re.compile(r"^(manifest\.json|database\.(dump|sqlite3)|media/[^\x00]+)$")


@contextmanager
def _opened(path: Path) -> Iterator[tuple[dict[str, Any], Path]]:
    """The backup unpacked into a temporary folder after every member's sha256 was checked."""
    if not path.is_file():
        raise BackupError(_("找不到备份文件 %(path)s。") % {"path": path})
    with tempfile.TemporaryDirectory(prefix="anxin-restore-") as tmp:
        try:
            with tarfile.open(path, mode="r:*") as tar:
                names = tar.getnames()
                bad = [n for n in names if not _SAFE_NAME.match(n) or ".." in Path(n).parts]
                if bad or MANIFEST not in names:
                    raise BackupError(_("这不是安心校园的备份文件：%(path)s") % {"path": path})
                tar.extractall(tmp, filter="data")
        except tarfile.TarError as exc:
            raise BackupError(_("备份文件无法读取：%(error)s") % {"error": exc}) from exc
        root = Path(tmp)
        try:
            manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        except ValueError as exc:
            raise BackupError(_("备份清单无法读取：%(error)s") % {"error": exc}) from exc
        if manifest.get("format") != FORMAT:
            raise BackupError(_("不认识的备份格式版本：%(format)s") % {"format": manifest.get("format")})
        listed = {m["name"] for m in manifest.get("members", [])}
        for member in manifest.get("members", []):
            file = root / member["name"]
            if (
                not file.is_file()
                or file.stat().st_size != member["size"]
                or _sha256(file) != member["sha256"]
            ):
                raise BackupError(_("备份已损坏：%(name)s 的校验值不符。") % {"name": member["name"]})
        extra = {n for n in names if n != MANIFEST and not (root / n).is_dir()} - listed
        if extra:
            raise BackupError(_("备份中有清单未列出的文件：%(name)s") % {"name": sorted(extra)[0]})
        yield manifest, root


def restore(path: Path, *, force: bool = False) -> dict[str, Any]:
    """Restore a backup into the configured database and MEDIA_ROOT; refuses a non-empty target."""
    path = Path(path)
    with _opened(path) as (manifest, root):
        vendor = connection.vendor
        if manifest.get("engine") != vendor:
            raise BackupError(
                _("备份来自 %(source)s 数据库，当前配置的是 %(target)s，无法直接恢复。")
                % {"source": manifest.get("engine"), "target": vendor}
            )
        media_root = _media_root()
        media_busy = any(True for _ in _media_files(media_root))
        if not force and (database_holds_data() or media_busy):
            raise BackupError(
                _(
                    "目标数据库或上传文件目录中已有数据，为防止覆盖已拒绝恢复。确认要用备份覆盖现有数据时，请加 --force。"
                )
            )
        if vendor == "postgresql":
            _pg_restore(root / PG_DUMP_NAME)
        else:
            _sqlite_restore(root / SQLITE_NAME)
        if media_root.exists() and force:
            shutil.rmtree(media_root)
        source_media = root / "media"
        if source_media.is_dir():
            shutil.copytree(source_media, media_root, dirs_exist_ok=True)
            for file in _media_files(media_root):
                file.chmod(0o600)
        connection.close()
    return manifest
