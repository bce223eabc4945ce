"""``anxin warnings evaluate [--school CODE] [--date YYYY-MM-DD]``: run the early-warning rules.

The same evaluation runs every 15 minutes as a periodic task (``anxin/warnings/tasks.py``,
run by ``anxin worker`` or in-process by ``anxin serve``); this command runs it by hand. Idempotent.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from anxin.org.models import Unit, UnitKind


class Command(BaseCommand):
    help = "预警：运行预警规则（幂等；后台任务每 15 分钟自动运行一次）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ev = sub.add_parser("evaluate", help="运行全部预警规则")
        ev.add_argument("--school", help="只评估这所学校（学校代码）")
        ev.add_argument("--date", help="按这一天评估（YYYY-MM-DD，默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        from anxin.warnings.services import evaluate_all

        today = None
        if options.get("date"):
            try:
                today = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date 须为 YYYY-MM-DD") from None
        schools = None
        if options.get("school"):
            schools = list(Unit.objects.filter(kind=UnitKind.SCHOOL, code=options["school"]))
            if not schools:
                raise CommandError(f"没有代码为 {options['school']} 的学校")
        result = evaluate_all(today, schools=schools)
        self.stdout.write(
            f"schools={result.schools} candidates={result.candidates} created={result.created} "
            f"merged={result.merged} unchanged={result.unchanged} suppressed={result.suppressed} "
            f"failed={len(result.failed)}"
        )
        for failure in result.failed:
            self.stderr.write(f"rule failed: {failure}")
