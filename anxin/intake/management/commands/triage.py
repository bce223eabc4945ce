from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        '研判举报文本：从标准输入读取 JSON 行 {"id", "text"}，每行输出 '
        '{"id", "kinds", "urgent", "review", "signals", "reasons"}（review：模型提示的“可能紧急”，不发送提醒）；'
        "--eval FILE 输出各信号和类型的精确率与召回率。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("rest", nargs="*", help="passed on: --eval FILE, --show-errors")

    def run_from_argv(self, argv: list[str]) -> None:
        # Everything after "triage" goes to the triage CLI untouched, so its own argparse
        # (with --eval and --show-errors) answers, and the exit code is its own (2 on bad lines).
        from anxin.intake.triage.cli import main

        raise SystemExit(main(argv[2:], sys.stdin, sys.stdout, sys.stderr))

    def handle(self, *args: Any, **options: Any) -> None:  # pragma: no cover - run_from_argv handles it
        from anxin.intake.triage.cli import main

        raise SystemExit(main(options["rest"], sys.stdin, sys.stdout, sys.stderr))
