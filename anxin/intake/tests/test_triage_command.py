from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def test_anxin_triage_command_contract():
    stdin = (
        '{"id": "a", "text": "他说明天带刀来堵我"}\n{broken\n{"id": "c", "text": "美术课用的刻刀找不到了"}\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "anxin.cli", "triage"],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode == 2
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["id"] == "a" and lines[0]["urgent"] is True and lines[0]["signals"] == ["weapon"]
    assert lines[1]["line"] == 2 and lines[1]["code"] == "invalid_json"
    assert lines[2]["id"] == "c" and lines[2]["urgent"] is False


def test_anxin_triage_eval_prints_metrics():
    data = Path(settings.BASE_DIR) / "tests" / "data" / "triage_eval.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "anxin.cli", "triage", "--eval", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode == 0
    assert "precision" in result.stdout and "recall" in result.stdout and "urgent" in result.stdout
