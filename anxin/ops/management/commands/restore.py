from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from anxin.core.backup import BackupError, key_check, restore


class Command(BaseCommand):
    help = (
        "从 `anxin backup` 的备份文件恢复数据库和上传文件。先逐个核对 sha256；"
        "目标数据库或上传文件目录已有数据时拒绝，除非加 --force。恢复后请运行 `anxin audit verify`。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="备份文件")
        parser.add_argument("--force", action="store_true", help="覆盖目标中已有的数据")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = restore(options["path"], force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("恢复完成：%(created)s 的备份（数据库 %(engine)s，上传文件 %(files)s 个）。")
                % {
                    "created": manifest["created_at"],
                    "engine": manifest["engine"],
                    "files": manifest["media_files"],
                }
            )
        )
        if manifest.get("key_check") and manifest["key_check"] != key_check():
            self.stderr.write(
                self.style.WARNING(
                    _(
                        "注意：当前的 FIELD_ENCRYPTION_KEYS 与备份时的最新密钥不同，加密字段可能无法解密。"
                        "请使用备份时的密钥。"
                    )
                )
            )
        self._verify_audit()

    def _verify_audit(self) -> None:
        """The restored chain against the checkpoints kept since: a backup older than the last
        checkpoint lacks the events after it, and the daily checkpoint will refuse until told."""
        from django.conf import settings

        from anxin.audit.checkpoints import CheckpointFileError, read_checkpoints
        from anxin.audit.services import audit_verify

        path = Path(settings.AUDIT_CHECKPOINT_FILE)
        try:
            checkpoints = read_checkpoints(path) if path.exists() else None
        except CheckpointFileError:
            checkpoints = None
        result = audit_verify(checkpoints=checkpoints)
        if result.ok:
            self.stdout.write(_("审计链校验通过（%(n)s 条事件）。") % {"n": result.checked})
            return
        self.stderr.write(
            self.style.WARNING(
                _(
                    "审计链与检查点不一致：%(why)s。如果备份早于最近的检查点，备份之后的审计记录已随恢复丢失。"
                    "请把检查点文件 %(path)s 另存留证（它记录了丢失前的链头），再运行 `anxin audit checkpoint` "
                    "开始新的检查点文件。"
                )
                % {"why": result.message(), "path": path}
            )
        )
