"""Precision and recall of the triage against a labelled JSON-lines file."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .engine import TriageResult
from .lexicon import KINDS, SIGNALS


class EvalFileError(ValueError):
    pass


@dataclass
class Score:
    label: str
    support: int = 0  # expected positives
    predicted: int = 0
    hits: int = 0

    @property
    def precision(self) -> float | None:
        return self.hits / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.hits / self.support if self.support else None


@dataclass
class Report:
    path: str
    total: int = 0
    urgent: Score = field(default_factory=lambda: Score("urgent"))
    #: The second tier on the urgent texts the rules missed: its recall is how many of those it
    #: still puts first in the queue; its precision counts every text it flags.
    review: Score = field(default_factory=lambda: Score("review"))
    signals: dict[str, Score] = field(default_factory=lambda: {s: Score(s) for s in SIGNALS})
    kinds: dict[str, Score] = field(default_factory=lambda: {k: Score(k) for k in KINDS})
    exact_kinds: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def read_labelled(path: Path) -> list[dict[str, Any]]:
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalFileError(f"第 {number} 行不是有效的 JSON：{exc.msg}") from exc
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise EvalFileError(f"第 {number} 行缺少字符串字段 text")
        for key in ("signals", "kinds"):
            value = record.setdefault(key, [])
            if not isinstance(value, list) or not set(value) <= set(SIGNALS if key == "signals" else KINDS):
                raise EvalFileError(f"第 {number} 行的 {key} 字段含有未知标签")
        record.setdefault("urgent", bool(record["signals"]))
        records.append(record)
    return records


def _count(score: Score, expected: bool, predicted: bool) -> None:
    score.support += expected
    score.predicted += predicted
    score.hits += expected and predicted


def evaluate(path: Path, run: Callable[[str], TriageResult]) -> Report:
    report = Report(path=str(path))
    for record in read_labelled(path):
        result = run(record["text"])
        report.total += 1
        _count(report.urgent, bool(record["urgent"]), result.urgent)
        _count(report.review, bool(record["urgent"]) and not result.urgent, result.review)
        for label, score in report.signals.items():
            _count(score, label in record["signals"], label in result.signals)
        for label, score in report.kinds.items():
            _count(score, label in record["kinds"], label in result.kinds)
        report.exact_kinds += set(record["kinds"]) == set(result.kinds)
        if (
            bool(record["urgent"]) != result.urgent
            or set(record["signals"]) != set(result.signals)
            or set(record["kinds"]) != set(result.kinds)
        ):
            report.errors.append(
                {
                    "id": record.get("id"),
                    "text": record["text"],
                    "expected": {
                        "urgent": record["urgent"],
                        "signals": record["signals"],
                        "kinds": record["kinds"],
                    },
                    "got": {
                        "urgent": result.urgent,
                        "review": result.review,
                        "signals": result.signals,
                        "kinds": result.kinds,
                    },
                    "ignored": result.ignored,
                }
            )
    return report


def _fmt(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:6.3f}"


def format_report(report: Report) -> str:
    lines = [
        f"file: {report.path}   texts: {report.total}",
        f"{'label':<16} {'support':>7} {'predicted':>9} {'correct':>7} {'precision':>9} {'recall':>7}",
    ]

    def row(score: Score) -> str:
        return (
            f"{score.label:<16} {score.support:>7} {score.predicted:>9} {score.hits:>7} "
            f"{_fmt(score.precision):>9} {_fmt(score.recall):>7}"
        )

    lines.append(row(report.urgent))
    lines.append(row(report.review) + "   (second tier: support = urgent texts the rules missed)")
    if report.urgent.support:
        ahead = report.urgent.hits + report.review.hits
        lines.append(
            f"urgent texts put first in the queue (urgent or second tier): {ahead}/{report.urgent.support}"
            f" = {ahead / report.urgent.support:.3f}"
        )
    lines.append("-- signals")
    lines.extend(row(s) for s in report.signals.values())
    lines.append("-- kinds")
    lines.extend(row(k) for k in report.kinds.values())
    if report.total:
        lines.append(f"texts with exactly the expected kinds: {report.exact_kinds}/{report.total}")
    return "\n".join(lines) + "\n"


def format_errors(errors: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in errors)
