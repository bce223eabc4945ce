from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from anxin.core import workdays
from anxin.core.errors import Invalid
from anxin.core.models import CalendarYear
from anxin.ops.calendar import load_file
from anxin.ops.calendar_file import format_rows


class Command(BaseCommand):
    help = (
        "工作日历（法定节假日与调休）。"
        "load FILE [--year Y]：录入一年的安排（文件每行“日期,休/班,名称”，# 开头为注释，"
        "样例见 anxin/ops/data/calendar-2027.sample.csv）；show YEAR：显示一年的安排。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="load|show")
        load = sub.add_parser("load", help="录入或替换一年的节假日安排")
        load.add_argument("file", help="UTF-8 文本文件：日期,休/班,名称")
        load.add_argument("--year", type=int, help="年份；不填则按文件中的日期")
        load.add_argument("--source", default="", help="依据，如国务院办公厅通知的文号；不填则用文件名")
        show = sub.add_parser("show", help="显示一年的节假日安排")
        show.add_argument("year", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            self._load(Path(options["file"]), options["year"], options["source"])
        else:
            self._show(options["year"])

    def _load(self, path: Path, year: int | None, source: str) -> None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise CommandError(f"找不到文件 {path}。", returncode=2) from None
        except OSError:
            raise CommandError(f"无法读取文件 {path}（是否为目录，或没有读权限？）", returncode=2) from None
        try:
            calendar = load_file(actor=None, data=data, source=source or path.name, year=year)
        except Invalid as exc:
            raise CommandError(f"文件 {path} 有误，未录入任何内容。{exc.message}", returncode=2) from None
        days = list(calendar.days.all())
        holidays = sum(1 for d in days if not d.is_workday)
        self.stdout.write(
            self.style.SUCCESS(
                f"已录入 {calendar.year} 年节假日安排：工作日放假 {holidays} 天，"
                f"周末调休上班 {len(days) - holidays} 天（依据：{calendar.source}）。"
            )
        )
        if calendar.overrides_package:
            self.stdout.write(f"注意：内置日历也有 {calendar.year} 年的数据，今后以本次录入的为准。")

    def _show(self, year: int) -> None:
        entered = CalendarYear.objects.filter(year=year).select_related("loaded_by").first()
        try:
            rows = workdays.year_exceptions(year)
        except workdays.CalendarUnknown as exc:
            raise CommandError(exc.message, returncode=1) from None
        if entered is not None:
            who = str(entered.loaded_by) if entered.loaded_by else "系统"
            self.stdout.write(
                f"# {year} 年：管理员录入（依据：{entered.source}；{who}，{timezone.localtime(entered.loaded_at):%Y-%m-%d %H:%M}）"
            )
        else:
            self.stdout.write(f"# {year} 年：内置日历（chinese-calendar）")
        first, last = date(year, 1, 1), date(year, 12, 31)
        total = workdays.working_days_between(first - date.resolution, last)
        self.stdout.write(f"# 全年工作日 {total} 天；以下只列出工作日放假（休）和周末调休上班（班）的日期")
        self.stdout.write(format_rows(rows))
