from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from anxin.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "备份数据库（PostgreSQL 用 pg_dump，SQLite 用在线备份接口，服务运行中也一致）和上传文件目录，"
        "写成一个 tar 文件，内含清单（时间、数据库类型、每个文件的大小和 sha256）。备份中不含任何密钥。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            default=None,
            help="备份文件路径（默认 var/backups/anxin-<时间>.tar）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup(options["output"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        size = result.path.stat().st_size
        self.stdout.write(
            self.style.SUCCESS(
                _("备份完成：%(path)s（%(size)s 字节，数据库 %(engine)s，上传文件 %(files)s 个）。")
                % {
                    "path": result.path,
                    "size": size,
                    "engine": manifest["engine"],
                    "files": manifest["media_files"],
                }
            )
        )
