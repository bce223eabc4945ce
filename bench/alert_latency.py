"""Benchmark: time from an urgent report's submission to its first outbound message (issue 14: < 5 s).

    .venv/bin/python bench/alert_latency.py                       # throwaway SQLite, 4 loaders, 40 urgent
    .venv/bin/python bench/alert_latency.py --urgent 100 --loaders 8 --database-url postgres://…/empty

In one process: migrates a throwaway database (or the empty one given), makes the test cast's small
city, gives the principal a DingTalk channel pointed at a local fake DingTalk server (a thread with
http.server), then submits urgent letters through the 爱心信箱 service while ``--loaders`` threads
submit ordinary letters as fast as they can. For each urgent letter it measures from the call to
``report_submit`` to the moment the fake server has received the signed robot request. It prints the
latency percentiles with the data size (reports in the database, background rate) beside them.

What it does not include: gunicorn and the network between phone and server (see
intake_throughput.py for those), nor a real provider's own delay.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

URGENT = "宿舍两个室友每天晚上打我，还说明天带刀来收拾我"
ORDINARY = "班上有几个同学天天叫我外号，还把我的作业本扔进厕所"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urgent", type=int, default=40)
    parser.add_argument("--loaders", type=int, default=4)
    parser.add_argument("--preload", type=int, default=2000, help="ordinary reports stored before measuring")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    var = tempfile.mkdtemp(prefix="anxin-alert-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anxin.settings")
    os.environ["ANXIN_VAR_DIR"] = var
    os.environ["INTAKE_SCHOOL_HOURLY_CAP"] = "1000000"
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from anxin.core import channels
    from anxin.core.models import ChannelSettings, Delivery
    from anxin.core.tests.fakehttp import fake_server
    from anxin.intake import services
    from anxin.intake.models import Report
    from anxin.testing import build_cast

    call_command("migrate", verbosity=0)
    cast = build_cast()
    ChannelSettings.objects.create(
        user=cast.users["principal"], channels=["dingtalk"], dingtalk_token="bench"
    )
    code = cast.school.code
    t0 = time.perf_counter()
    for _ in range(args.preload):
        services.report_submit(school_code=code, text=ORDINARY)
    preload_s = time.perf_counter() - t0

    received: dict[int, float] = {}
    with fake_server() as fake:
        settings.NOTIFY_CHANNELS = ["dingtalk"]
        settings.DINGTALK_API_BASE = fake.url
        settings.DINGTALK_SECRET = "bench-secret"
        channels.forget_tokens()

        def answer(seen):  # noqa: ANN001, ANN202
            received[len(received)] = time.perf_counter()
            return 200, {"errcode": 0, "errmsg": "ok"}

        fake.answer = answer
        stop = threading.Event()
        loaded = [0]
        errors: list[str] = []

        def loader() -> None:
            try:
                while not stop.is_set():
                    try:
                        services.report_submit(school_code=code, text=ORDINARY)
                        loaded[0] += 1
                    except Exception as exc:  # SQLite "database is locked" under load: counted
                        if len(errors) < 3:
                            errors.append(repr(exc)[:120])
            finally:
                connection.close()

        threads = [threading.Thread(target=loader, daemon=True) for _ in range(args.loaders)]
        for t in threads:
            t.start()
        latencies = []
        load_start = time.perf_counter()
        for _ in range(args.urgent):
            before = len(received)
            start = time.perf_counter()
            services.report_submit(school_code=code, text=URGENT)
            while len(received) == before and time.perf_counter() - start < 30:
                time.sleep(0.0005)
            latencies.append(received[before] - start if len(received) > before else float("inf"))
            time.sleep(0.05)
        load_s = time.perf_counter() - load_start
        stop.set()
        for t in threads:
            t.join()

    latencies.sort()
    ms = [x * 1000 for x in latencies]
    print(f"database: {connection.vendor}; reports stored: {Report.objects.count()} "
          f"(preloaded {args.preload} in {preload_s:.1f} s); deliveries: {Delivery.objects.count()}")  # fmt: skip
    print(f"background: {args.loaders} threads submitting ordinary letters, {loaded[0] / load_s:.1f}/s "
          f"during the measurement; errors: {len(errors)} {errors}")  # fmt: skip
    print(f"submission → first outbound message (fake DingTalk), {len(ms)} urgent letters: "
          f"p50 {statistics.median(ms):.1f} ms, p95 {ms[int(0.95 * (len(ms) - 1))]:.1f} ms, max {ms[-1]:.1f} ms "
          f"(target < 5000 ms)")  # fmt: skip


if __name__ == "__main__":
    main()
