from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from anxin.audit.checkpoints import CheckpointFileError, read_checkpoints
from anxin.audit.grants import grants_sql
from anxin.audit.services import (
    AuditCheckpointRefused,
    audit_checkpoint,
    audit_verify,
    checkpoint_file_message,
)

BAD_INPUT = 2
BROKEN = 3


class Command(BaseCommand):
    help = (
        "审计日志工具。`anxin audit verify [--checkpoint 文件]` 校验密钥签名的哈希链（及检查点），"
        "发现篡改、删除或截断时以非零状态退出并指出第一个问题；`anxin audit checkpoint` 校验后写入一行"
        "签名的检查点并发送给市级管理员；`anxin audit grants 角色名` 打印应用数据库角色的授权 SQL。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True, metavar="verify|checkpoint|grants")
        verify = sub.add_parser("verify", help="校验审计日志哈希链")
        verify.add_argument(
            "--checkpoint",
            metavar="FILE",
            help="检查点文件（anxin audit checkpoint 写出的行）：每个检查点的签名须正确，其序号和哈希须仍在链中",
        )
        checkpoint = sub.add_parser("checkpoint", help="校验审计链，追加一行签名的检查点并通知市级管理员")
        checkpoint.add_argument("--file", metavar="FILE", help="检查点文件，默认为 AUDIT_CHECKPOINT_FILE")
        grants = sub.add_parser(
            "grants", help="打印 PostgreSQL 应用角色的授权 SQL（由数据库所有者在每次迁移后执行）"
        )
        grants.add_argument("role", help="应用连接数据库所用的角色名")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sub"] == "verify":
            self._verify(options.get("checkpoint"))
        elif options["sub"] == "checkpoint":
            self._checkpoint(options.get("file"))
        else:
            try:
                self.stdout.write(grants_sql(options["role"]))
            except ValueError:
                raise CommandError(
                    _("角色名只能由小写字母、数字和下划线组成：%(role)s") % {"role": options["role"]},
                    returncode=BAD_INPUT,
                ) from None

    def _verify(self, checkpoint_file: str | None) -> None:
        checkpoints = None
        if checkpoint_file:
            try:
                checkpoints = read_checkpoints(Path(checkpoint_file))
            except CheckpointFileError as exc:
                raise CommandError(checkpoint_file_message(exc), returncode=BAD_INPUT) from None
        result = audit_verify(checkpoints=checkpoints)
        if not result.ok:
            raise CommandError(result.message(), returncode=BROKEN)
        message = _("审计链完整：已校验 %(checked)s 条事件。") % {"checked": result.checked}
        if result.legacy:
            message += _("其中 %(legacy)s 条为启用密钥前的旧事件，仅以 SHA-256 链接，强度同升级前。") % {
                "legacy": result.legacy
            }
        if checkpoints is not None:
            message += _("%(count)s 个检查点的签名正确，且均在链中。") % {"count": len(checkpoints)}
        self.stdout.write(self.style.SUCCESS(message))

    def _checkpoint(self, path: str | None) -> None:
        try:
            made = audit_checkpoint(path=Path(path) if path else None)
        except AuditCheckpointRefused as exc:
            raise CommandError(
                _("未写入检查点：%(reason)s") % {"reason": exc.message},
                returncode=BROKEN if exc.result is not None else BAD_INPUT,
            ) from None
        if not made:
            self.stdout.write(_("审计日志为空，没有可写入的检查点。"))
        for cp in made:
            self.stdout.write(cp.line())
