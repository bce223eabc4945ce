"""``anxin oversight_backfill --since 2026-09-01 [--until 2026-12-31] [--school CODE]``: recount the
dashboards' daily figures for a range of days. Idempotent: run it again whenever old records change."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.org.models import Unit, UnitKind

from ...services import rebuild

#: A backfill further back than this is a typo (a year like 0202), not history.
EARLIEST = date(2000, 1, 1)


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CommandError(_("日期格式应为 YYYY-MM-DD：%(raw)s") % {"raw": raw}) from None


class Command(BaseCommand):
    help = "重新统计监管看板的每日数据（可重复运行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", required=True, help="起始日期 YYYY-MM-DD")
        parser.add_argument("--until", help="截止日期 YYYY-MM-DD（默认今天）")
        parser.add_argument(
            "--school", action="append", default=[], help="只统计这所学校（学校代码，可重复）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = _date(options["since"])
        until = _date(options["until"]) if options["until"] else timezone.localdate()
        if since < EARLIEST:
            raise CommandError(_("起始日期不能早于 %(day)s。") % {"day": EARLIEST.isoformat()})
        if until < since:
            raise CommandError(_("截止日期不能早于起始日期。"))
        schools = None
        if options["school"]:
            schools = list(Unit.objects.filter(kind=UnitKind.SCHOOL, code__in=options["school"]))
            missing = set(options["school"]) - {s.code for s in schools}
            if missing:
                raise CommandError(_("找不到学校：%(codes)s") % {"codes": "、".join(sorted(missing))})

        def progress(start: date, end: date, rows: int) -> None:
            self.stdout.write(
                _("%(start)s – %(end)s：%(rows)s 行")
                % {"start": start.isoformat(), "end": end.isoformat(), "rows": rows}
            )

        result = rebuild(since, until, schools, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                _("完成：%(schools)s 所学校，%(days)s 天，%(rows)s 行统计数据。")
                % {"schools": result.schools, "days": result.days, "rows": result.rows}
            )
        )
