"""Benchmark: report texts triaged per second on one core (anxin.intake.triage).

    .venv/bin/python bench/triage_speed.py                 # 20,000 texts
    .venv/bin/python bench/triage_speed.py --texts 50000 --seed 7

The texts are built from the labelled sentences in tests/data/ (tuning and held-out sets): each
is one to five of them joined, with a greeting or closing now and then, like the reports parents,
pupils and teachers send.  The engine's one-off start-up (jieba's dictionary) is timed on its
own and not counted in the rate.  Exits 1 when the rate is below --budget (default 500 texts/s).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from anxin.intake.triage import get_engine, triage  # noqa: E402

DATA = [ROOT / "tests" / "data" / "triage_eval.jsonl", ROOT / "tests" / "data" / "triage_heldout.jsonl"]
OPENINGS = ["老师您好，", "王老师，", "您好，我是家长。", "匿名反映：", "", "", "", ""]
CLOSINGS = ["希望学校尽快处理。", "谢谢老师。", "请不要告诉别人是我说的。", "", "", ""]


def build_corpus(count: int, seed: int) -> list[str]:
    sentences = [
        json.loads(line)["text"]
        for path in DATA
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    rng = random.Random(seed)
    corpus = []
    for _ in range(count):
        body = "。".join(rng.sample(sentences, rng.choice((1, 2, 2, 3, 3, 4, 5))))
        corpus.append(f"{rng.choice(OPENINGS)}{body}。{rng.choice(CLOSINGS)}")
    return corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--budget", type=float, default=500.0, help="minimum texts per second (default 500)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    get_engine()
    startup = time.perf_counter() - started

    corpus = build_corpus(args.texts, args.seed)
    lengths = [len(t) for t in corpus]
    urgent = 0
    started = time.perf_counter()
    for text in corpus:
        urgent += triage(text).urgent
    elapsed = time.perf_counter() - started
    rate = len(corpus) / elapsed

    print(
        f"data: {len(corpus):,} texts, {sum(lengths):,} characters "
        f"(mean {statistics.mean(lengths):.0f}, median {statistics.median(lengths):.0f}, max {max(lengths)})"
    )
    print(f"start-up (jieba dictionary + lexicon): {startup:.2f} s, not counted")
    print(
        f"triage: {elapsed:.2f} s on one core = {rate:,.0f} texts/s ({sum(lengths) / elapsed:,.0f} chars/s)"
    )
    print(f"urgent: {urgent:,} of {len(corpus):,}")
    if rate < args.budget:
        print(f"SLOWER than the budget of {args.budget:,.0f} texts/s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
