from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from anxin.audit.services import audit_verify


class Command(BaseCommand):
    help = "审计日志工具。`anxin audit verify` 校验哈希链，发现篡改或删除时以非零状态退出并指出第一条被破坏的事件。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True, metavar="verify")
        sub.add_parser("verify", help="校验审计日志哈希链")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sub"] == "verify":
            result = audit_verify()
            if result.ok:
                self.stdout.write(self.style.SUCCESS(f"审计链完整：已校验 {result.checked} 条事件。"))
                return
            reasons = {
                "missing": "序号缺失（事件被删除）",
                "link": "与前一条事件的链接不符",
                "content": "内容被修改",
                "truncated": "链尾事件被删除",
            }
            where = f"事件 #{result.broken_seq}" + (f"（id={result.broken_id}）" if result.broken_id else "")
            raise CommandError(
                f"审计链被破坏：链 {result.chain} 的{where}{reasons.get(result.reason, result.reason)}。"
                f"此前 {result.checked} 条事件完好。",
                returncode=3,
            )
