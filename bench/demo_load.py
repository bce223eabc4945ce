"""Benchmark: load a whole demo city (300 schools, about 300,000 pupils) into a fresh database.

    .venv/bin/python bench/demo_load.py                      # SQLite in a temporary directory
    .venv/bin/python bench/demo_load.py --database-url postgres://anxin@127.0.0.1:5432/bench

It runs ``anxin demo`` end to end (progress on stderr) and prints the wall time, rows per second
and peak resident memory. It exits 1 when the load takes longer than the budget (3 minutes).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--districts", type=int, default=10)
    parser.add_argument("--schools", type=int, default=30, help="schools per district")
    parser.add_argument("--classes-per-grade", type=int, default=4)
    parser.add_argument(
        "--students", type=int, default=300_000, help="target pupils; sets --students-per-class from the plan"
    )
    parser.add_argument("--students-per-class", type=int, default=None, help="overrides --students")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--database-url",
        default=None,
        help="an EMPTY database to load into (e.g. PostgreSQL); default: SQLite in a temporary directory",
    )
    parser.add_argument("--reset", action="store_true", help="pass --reset (reuse a database holding a demo)")
    parser.add_argument("--budget", type=float, default=180.0, help="seconds allowed (default 180)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="anxin-bench-"))
    # Settings read the environment at django.setup(): point everything at the scratch directory.
    os.environ["ANXIN_VAR_DIR"] = str(tmp)
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anxin.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from anxin.audit.models import AuditEvent
    from anxin.demo.city import plan_city

    try:
        plan = plan_city(
            seed=args.seed,
            districts=args.districts,
            schools=args.schools,
            classes_per_grade=args.classes_per_grade,
        )
        per_class = args.students_per_class or max(1, round(args.students / plan.class_count))
        print(
            f"database: {connection.vendor} ({connection.settings_dict['NAME']})\n"
            f"city: {args.districts} districts x {args.schools} schools = {len(plan.schools)} schools, "
            f"{plan.class_count} classes ({args.classes_per_grade} per grade), {per_class} pupils per class "
            f"= {plan.class_count * per_class:,} pupils",
            flush=True,
        )
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrate_s = time.perf_counter() - t0

        out = io.StringIO()
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        call_command(
            "demo",
            seed=args.seed,
            districts=args.districts,
            schools=args.schools,
            classes_per_grade=args.classes_per_grade,
            students_per_class=per_class,
            reset=args.reset,
            stdout=out,
            stderr=sys.stderr,
        )
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0

        # The load's one audit event carries its row counts.
        event = AuditEvent.objects.filter(action="demo.loaded").order_by("-seq").first()
        counts: dict[str, int] = event.after["counts"] if event else {}
        rows = sum(counts.values())
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"migrate: {migrate_s:.1f} s")
        print("rows: " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))
        print(
            f"demo load (seed {args.seed}): {wall:.1f} s wall ({cpu:.1f} s CPU in this process), {rows:,} rows, "
            f"{rows / wall:,.0f} rows/s, peak RSS {peak_mb:,.0f} MB"
        )
        if wall > args.budget:
            print(f"FAIL: over the {args.budget:.0f} s budget", file=sys.stderr)
            return 1
        print(f"OK: within the {args.budget:.0f} s budget")
        return 0
    finally:
        connection.close()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
