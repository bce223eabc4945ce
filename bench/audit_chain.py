"""Benchmark: the audit trail's append (on every report's path) and verify rates.

    .venv/bin/python bench/audit_chain.py                               # SQLite in a temp directory
    .venv/bin/python bench/audit_chain.py --database-url postgres://anxin@127.0.0.1:54331/bench

Migrates an empty database, then appends --events events, each in its own transaction as a
service write does, first from one thread and then from --threads threads at once (PostgreSQL
only: SQLite has one writer), and walks the chain with ``audit_verify``. Prints events per second.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="anxin-audit-bench-")
    os.environ["ANXIN_VAR_DIR"] = tmp
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anxin.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections, transaction

    from anxin.audit.services import audit_record, audit_verify

    call_command("migrate", verbosity=0)
    after = {"status": "received", "urgent": False, "kinds": ["verbal", "physical"], "school": 12345}

    def append(n: int, label: str) -> None:
        for i in range(n):
            with transaction.atomic():
                audit_record(
                    actor=None,
                    action="bench.append",
                    subject_type="intake.report",
                    subject_id=f"{label}-{i}",
                    after=after,
                )

    t0 = time.perf_counter()
    append(args.events, "single")
    single = args.events / (time.perf_counter() - t0)
    print(f"{connection.vendor}: append, 1 thread: {single:,.0f} events/s")

    if connection.vendor == "postgresql" and args.threads > 1:
        per_thread = args.events // args.threads

        def worker(k: int) -> None:
            append(per_thread, f"t{k}")
            connections.close_all()

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(args.threads)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rate = per_thread * args.threads / (time.perf_counter() - t0)
        print(f"{connection.vendor}: append, {args.threads} threads: {rate:,.0f} events/s")

    t0 = time.perf_counter()
    result = audit_verify()
    elapsed = time.perf_counter() - t0
    assert result.ok, result
    print(
        f"{connection.vendor}: verify: {result.checked:,} events in {elapsed:.2f} s = {result.checked / elapsed:,.0f}/s"
    )


if __name__ == "__main__":
    main()
