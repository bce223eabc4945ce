"""``anxin triage``: triage report texts from JSON lines, or evaluate against a labelled file.

    anxin triage < reports.jsonl            # {"id", "text"} per line -> one result line each
    anxin triage --eval tests/data/triage_heldout.jsonl

The lead wires ``main`` into a management command; it takes its streams as arguments so that
tests and other callers can drive it without touching ``sys``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import IO, Any, NoReturn

from ..errors import IntakeError
from .engine import triage
from .metrics import EvalFileError, evaluate, format_errors, format_report

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class _Exit(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


class _Parser(argparse.ArgumentParser):
    """argparse writing to the given streams and raising instead of calling sys.exit."""

    def __init__(self, *args: Any, stdout: IO[str], stderr: IO[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._out = stdout
        self._err = stderr

    def _print_message(self, message: str, file: IO[str] | None = None) -> None:
        if message:
            (self._err if file is sys.stderr else self._out).write(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self._err.write(message)
        raise _Exit(status)


def build_parser(stdout: IO[str], stderr: IO[str]) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="anxin triage",
        description="欺凌报告文本分诊：识别紧急危险信号（自伤、凶器、性侵害、严重伤害、勒索）与欺凌类型。"
        '不带参数时从标准输入逐行读取 JSON（{"id", "text"}），每行输出一条结果。',
        stdout=stdout,
        stderr=stderr,
    )
    parser.add_argument(
        "--eval",
        metavar="FILE",
        type=Path,
        help="用带标注的 JSON Lines 文件评估，输出各信号、各类型及“紧急”的精确率与召回率",
    )
    parser.add_argument(
        "--show-errors", action="store_true", help="与 --eval 一起使用：逐条输出判断与标注不一致的文本"
    )
    return parser


def _process(stdin: IO[str], stdout: IO[str]) -> int:
    status = EXIT_OK
    for number, line in enumerate(stdin, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            record = None
            message = f"第 {number} 行不是有效的 JSON"
        else:
            message = f"第 {number} 行缺少字符串字段 text"
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            stdout.write(
                json.dumps(
                    {"line": number, "error": message, "code": IntakeError.INVALID_JSON}, ensure_ascii=False
                )
                + "\n"
            )
            status = EXIT_BAD_INPUT
            continue
        output = {"id": record.get("id"), **triage(record["text"]).as_dict()}
        stdout.write(json.dumps(output, ensure_ascii=False) + "\n")
    return status


def main(
    argv: list[str] | None = None,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """Run the CLI; returns the exit status (0 fine, 2 bad input lines, a bad option or file)."""
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    parser = build_parser(stdout, stderr)
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except _Exit as exc:
        return exc.status
    if args.eval is None:
        if args.show_errors:
            stderr.write("--show-errors 只能与 --eval 一起使用\n")
            return EXIT_BAD_INPUT
        return _process(stdin, stdout)
    try:
        report = evaluate(args.eval, triage)
    except FileNotFoundError:
        stderr.write(f"找不到评估文件：{args.eval}\n")
        return EXIT_BAD_INPUT
    except EvalFileError as exc:
        stderr.write(f"评估文件 {args.eval} 有误：{exc}\n")
        return EXIT_BAD_INPUT
    stdout.write(format_report(report))
    if args.show_errors:
        stdout.write(format_errors(report.errors))
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
