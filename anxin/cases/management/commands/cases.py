"""``anxin cases sweep``: run the deadline sweep once (reminders and escalations; idempotent).

The worker (``anxin worker``) runs it every 15 minutes; this is for cron without a worker, or to
see at once what a calendar just entered changed. Exits 1 when a deadline could not be handled.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "案件：sweep 检查全部期限，发送到期提醒和逾期上报（每项只发一次，可重复运行）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="操作")
        sub.add_parser("sweep", help="检查全部未办结期限：到期提醒、逾期通知、上报校长和教育局")

    def handle(self, *args: Any, **options: Any) -> None:
        from anxin.cases.sweep import sweep

        result = sweep()
        self.stdout.write(result.summary())
        for error in result.errors:
            where = f"期限 {error.deadline}（案件 {error.case}）" if error.deadline else "补算期限"
            self.stderr.write(f"{where}：{error.message}")
        if result.errors:
            raise CommandError(f"{len(result.errors)} 个期限未能处理，下次运行时会重试")
