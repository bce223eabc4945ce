"""Benchmark: online report submissions per second against the production-style server.

    .venv/bin/python bench/intake_throughput.py                 # throwaway PostgreSQL, 16 clients, 60 s
    .venv/bin/python bench/intake_throughput.py --seconds 20 --clients 16 --workers 3

Starts a throwaway PostgreSQL 15 (or uses --database-url, which must be an empty database),
migrates, loads a small demo city, starts ``anxin serve`` (gunicorn) and drives
``POST /api/intake/reports`` from N concurrent keep-alive clients for the given time. It prints
throughput, latency percentiles and errors, and beside them the raw single-row INSERT rate of
the same database from the same number of connections, measured in the same run.
Target (issue 3): ≥ 300 submissions/s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from pgtemp import temporary_postgres  # noqa: E402

TEXTS = [
    "班上有几个同学天天叫我外号，还把我的作业本扔进厕所，我不想去上学了",
    "宿舍两个室友每天晚上打我，还说明天带刀来收拾我",
    "有人在班级群里发我的丑照，还造谣说我偷东西",
    "课间操的时候他们把我堵在楼梯口要钱，说不给就打我",
    "她们故意不跟我玩，还让别人也不要理我，我每天都一个人吃饭",
    "我看见初二的几个人在厕所里推一个小同学，还踢他",
    "放学路上总有高年级的人拦住我，抢我的零花钱",
    "有人把我的书包扔到楼下，大家都在笑",
]


SAMPLE_ERRORS: list[str] = []


def _post(conn: http.client.HTTPConnection, body: bytes) -> int:
    conn.request("POST", "/api/intake/reports", body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    payload = response.read()
    if response.status != 201 and len(SAMPLE_ERRORS) < 5:
        SAMPLE_ERRORS.append(f"{response.status} {payload[:200].decode('utf-8', 'replace')}")
    return response.status


def drive(port: int, schools: list[str], clients: int, seconds: float) -> tuple[list[float], int, int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(n: int) -> None:
        rng = random.Random(n)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        bad = 0
        i = 0
        while time.monotonic() < deadline:
            i += 1
            body = json.dumps(
                {
                    "school": rng.choice(schools),
                    "text": f"{rng.choice(TEXTS)}（第{n}-{i}次）",
                    "about": rng.choice(["self", "other", "unsure"]),
                    "place": "classroom",
                    "time_band": "break",
                }
            ).encode()
            start = time.perf_counter()
            try:
                status = _post(conn, body)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            mine.append(time.perf_counter() - start)
            if status != 201:
                bad += 1
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0], len(latencies)


def raw_insert_rate(database_url: str, clients: int, seconds: float) -> float:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_raw (id bigserial primary key, school_id bigint, "
            "text text, created_at timestamptz default now())"
        )
    counts = [0] * clients
    deadline = time.monotonic() + seconds

    def worker(n: int) -> None:
        with psycopg.connect(database_url, autocommit=True) as conn:
            while time.monotonic() < deadline:
                conn.execute(
                    "INSERT INTO bench_raw (school_id, text) VALUES (%s, %s)", (n, TEXTS[n % len(TEXTS)])
                )
                counts[n] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument(
        "--database-url", default=None, help="an EMPTY PostgreSQL database (default: throwaway)"
    )
    args = parser.parse_args(argv)

    venv_bin = Path(sys.executable).parent
    with nullcontext(args.database_url) if args.database_url else temporary_postgres() as database_url:
        tmp = Path(tempfile.mkdtemp(prefix="anxin-bench-"))
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "ANXIN_VAR_DIR": str(tmp),
            "LOG_LEVEL": "WARNING",
            "INTAKE_SCHOOL_HOURLY_CAP": "1000000",
            "DEBUG": "false",
        }
        run = lambda *a: subprocess.run([str(venv_bin / "anxin"), *a], env=env, check=True, cwd=ROOT)  # noqa: E731
        run("migrate", "-v0")
        run(
            "demo",
            "--districts",
            "1",
            "--schools",
            "6",
            "--classes-per-grade",
            "1",
            "--students-per-class",
            "5",
        )
        out = subprocess.run(
            [
                str(venv_bin / "anxin"),
                "shell",
                "-c",
                "from anxin.org.models import Unit; print(' '.join(Unit.objects.filter(kind='school').values_list('code', flat=True)))",
            ],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        schools = [w for w in out.stdout.split() if w.isdigit() and len(w) == 10]
        server = subprocess.Popen(
            [
                str(venv_bin / "anxin"),
                "serve",
                "--port",
                str(args.port),
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            for _ in range(100):
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                    conn.request("GET", "/healthz")
                    if conn.getresponse().status == 200:
                        break
                except OSError:
                    time.sleep(0.2)
            _post(
                http.client.HTTPConnection("127.0.0.1", args.port),
                json.dumps(
                    {
                        "school": schools[0],
                        "text": TEXTS[0],
                        "about": "self",
                        "place": "classroom",
                        "time_band": "break",
                    }
                ).encode(),
            )  # warm-up: jieba's dictionary loads on the first report of each worker
            started = time.monotonic()
            latencies, errors, total = drive(args.port, schools, args.clients, args.seconds)
            elapsed = time.monotonic() - started
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        raw = raw_insert_rate(database_url, args.clients, min(args.seconds, 10.0))

    latencies.sort()
    pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000  # noqa: E731
    print(
        f"intake submissions: {total} in {elapsed:.1f} s from {args.clients} clients "
        f"(gunicorn {args.workers}×{args.threads}, PostgreSQL, {len(schools)} schools)"
    )
    print(f"  throughput     {total / elapsed:8.1f} submissions/s   (target ≥ 300)")
    print(f"  latency p50    {pct(0.50):8.1f} ms")
    print(f"  latency p95    {pct(0.95):8.1f} ms")
    print(f"  latency p99    {pct(0.99):8.1f} ms   mean {statistics.fmean(latencies) * 1000:.1f} ms")
    print(f"  errors         {errors:8d}")
    for sample in SAMPLE_ERRORS:
        print(f"    e.g. {sample}")
    print(f"raw single-row INSERT rate, same database, {args.clients} connections: {raw:8.1f} rows/s")
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
