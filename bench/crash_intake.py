"""Crash test: kill -9 the web server and PostgreSQL during an intake load; count lost reports.

    .venv/bin/python bench/crash_intake.py                       # 2,000 letters, 4 clients
    .venv/bin/python bench/crash_intake.py --submissions 500 --pg-port 54337

Starts its own PostgreSQL 15 (fsync ON: a crash must be survivable as in production) on
--pg-port, migrates, loads a 3-school demo city, starts ``anxin serve`` (gunicorn) on 127.0.0.1 and
has a few client threads post ``POST /api/intake/reports`` until --submissions letters were tried
or --max-seconds passed. Meanwhile, at a quarter of the load the whole server process group gets
SIGKILL and is started again; at three fifths every PostgreSQL process gets SIGKILL and the
cluster is started again (crash recovery from its WAL). Clients never retry: every letter is tried
once, and a refusal or a broken connection is counted as a failure the child saw.

Afterwards each receipt the clients were given with a 201 is looked up in the database through
the same code the follow-up page uses. The promise is "no acknowledged report is ever lost", so
the script prints the 201s beside the receipts that resolve, and exits 1 when they differ.
Traffic goes to 127.0.0.1 only, and the run is bounded in count and time.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from pgtemp import _as_pg, _pg_bin  # noqa: E402

TEXTS = [
    "班上有几个同学天天叫我外号，还把我的作业本扔进厕所，我不想去上学了",
    "有人在班级群里发我的丑照，还造谣说我偷东西",
    "课间操的时候他们把我堵在楼梯口要钱，说不给就打我",
    "她们故意不跟我玩，还让别人也不要理我，我每天都一个人吃饭",
    "放学路上总有高年级的人拦住我，抢我的零花钱",
]

RESOLVE = """
import json, sys
from anxin.intake.services import report_by_receipt
from anxin.intake.models import Report
from anxin.core.errors import ServiceError
found = missing = 0
for receipt in json.load(open(sys.argv[1])):
    try:
        report_by_receipt(receipt)
        found += 1
    except ServiceError:
        missing += 1
print(json.dumps({"found": found, "missing": missing, "reports": Report.objects.count()}))
"""


class Postgres:
    """A cluster in a temporary folder that can be killed with SIGKILL and started again."""

    def __init__(self, port: int) -> None:
        self.port, self.bin = port, _pg_bin()
        self.tmp = Path(tempfile.mkdtemp(prefix="anxin-crash-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.tmp, "postgres")
        self.data = self.tmp / "data"
        subprocess.run(
            _as_pg(
                str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "anxin", "-E", "UTF8"
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.start()
        subprocess.run(
            _as_pg(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "anxin", "anxin"),
            check=True,
        )
        self.url = f"postgres://anxin@127.0.0.1:{port}/anxin"

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.tmp} -c listen_addresses=127.0.0.1 -c max_connections=100"
        for attempt in range(5):
            done = subprocess.run(
                _as_pg(
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-o",
                    opts,
                    "-l",
                    str(self.tmp / "log"),
                    "-w",
                    "-t",
                    "120",
                    "start",
                ),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if done.returncode == 0:
                return
            time.sleep(2.0 * (attempt + 1))  # a killed backend may still hold the shared memory
        log = (self.tmp / "log").read_text(errors="replace").splitlines()[-15:]
        raise RuntimeError("PostgreSQL did not start again:\n" + "\n".join(log))

    def kill9(self) -> int:
        """SIGKILL to the postmaster and every process it started; returns how many were killed."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = _descendants(postmaster)
        killed = 0
        for pid in [postmaster, *children]:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        for _ in range(300):  # wait until they are all gone, as after a power cut
            if not any(_alive(pid) for pid in [postmaster, *children]):
                break
            time.sleep(0.1)
        return killed

    def stop(self) -> None:
        subprocess.run(
            _as_pg(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(self.tmp, ignore_errors=True)


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _descendants(root: int) -> list[int]:
    parents = {pid: _ppid(pid) for pid in _pids()}
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def _ppid(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return -1
    return int(stat.rsplit(")", 1)[1].split()[1])


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Server:
    def __init__(self, env: dict[str, str], port: int, workers: int, threads: int) -> None:
        self.env, self.port, self.workers, self.threads = env, port, workers, threads
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "anxin"),
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
            ],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(600):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the server did not answer /healthz within 60 s")

    def kill9(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


class Load:
    """Client threads that try each letter once and remember every receipt they were given."""

    def __init__(self, port: int, schools: list[str], total: int, deadline: float) -> None:
        self.port, self.schools, self.total, self.deadline = port, schools, total, deadline
        self.lock = threading.Lock()
        self.tried = 0
        self.receipts: list[str] = []
        self.outcomes: collections.Counter[str] = collections.Counter()

    def _next(self) -> int | None:
        with self.lock:
            if self.tried >= self.total or time.monotonic() > self.deadline:
                return None
            self.tried += 1
            return self.tried

    def client(self, n: int) -> None:
        rng = random.Random(n)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        while (i := self._next()) is not None:
            body = json.dumps(
                {
                    "school": rng.choice(self.schools),
                    "text": f"{rng.choice(TEXTS)}（第{i}封）",
                    "about": "self",
                    "place": "classroom",
                    "time_band": "break",
                }
            ).encode()
            try:
                conn.request(
                    "POST", "/api/intake/reports", body=body, headers={"Content-Type": "application/json"}
                )
                response = conn.getresponse()
                payload = response.read()
                outcome = str(response.status)
                if response.status == 201:
                    receipt = json.loads(payload)["receipt"]
                    with self.lock:
                        self.receipts.append(receipt)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                outcome = f"connection: {type(exc).__name__}"
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
                time.sleep(0.5)  # the server is down: a person would wait before trying the next letter
            with self.lock:
                self.outcomes[outcome] += 1

    @property
    def done(self) -> int:
        with self.lock:
            return self.tried


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--submissions", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--max-seconds", type=float, default=600.0, help="stop the load after this long")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--port", type=int, default=8797, help="HTTP port on 127.0.0.1")
    parser.add_argument("--pg-port", type=int, default=55461)
    args = parser.parse_args(argv)

    venv_bin = Path(sys.executable).parent
    pg = Postgres(args.pg_port)
    tmp = Path(tempfile.mkdtemp(prefix="anxin-crash-"))
    server: Server | None = None
    try:
        env = {
            **os.environ,
            "DATABASE_URL": pg.url,
            "ANXIN_VAR_DIR": str(tmp),
            "LOG_LEVEL": "WARNING",
            "DEBUG": "false",
            "INTAKE_SCHOOL_HOURLY_CAP": "1000000",
            "INTAKE_SUBMIT_RATE": "1000000/m",
        }

        def run(*a: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [str(venv_bin / "anxin"), *a], env=env, check=True, cwd=ROOT, capture_output=True, text=True
            )

        run("migrate", "-v0")
        run(
            "demo",
            "--districts",
            "1",
            "--schools",
            "3",
            "--classes-per-grade",
            "1",
            "--students-per-class",
            "3",
            "--no-cases",
        )
        out = run(
            "shell",
            "-c",
            "from anxin.org.models import Unit; "
            "print(' '.join(Unit.objects.filter(kind='school').values_list('code', flat=True)))",
        )
        schools = [w for w in out.stdout.split() if w.isdigit() and len(w) == 10]
        server = Server(env, args.port, args.workers, args.threads)
        server.start()

        load = Load(args.port, schools, args.submissions, time.monotonic() + args.max_seconds)
        threads = [threading.Thread(target=load.client, args=(n,)) for n in range(args.clients)]
        started = time.monotonic()
        for t in threads:
            t.start()
        events: list[str] = []

        def wait_until(fraction: float) -> bool:
            while load.done < args.submissions * fraction:
                if not any(t.is_alive() for t in threads):
                    return False
                time.sleep(0.05)
            return True

        if wait_until(0.25):
            at = load.done
            server.kill9()
            time.sleep(1.0)
            back = server.start()
            events.append(
                f"kill -9 of the server (gunicorn master and workers) at letter {at}; "
                f"answering again after {back + 1.0:.1f} s"
            )
        if wait_until(0.60):
            at = load.done
            killed = pg.kill9()
            time.sleep(1.0)
            t0 = time.monotonic()
            pg.start()
            events.append(
                f"kill -9 of PostgreSQL ({killed} processes) at letter {at}; "
                f"crash recovery and start took {time.monotonic() - t0:.1f} s"
            )
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        server.stop()

        receipts_file = tmp / "receipts.json"
        receipts_file.write_text(json.dumps(load.receipts))
        resolved = json.loads(
            run("shell", "-c", RESOLVE.replace("sys.argv[1]", repr(str(receipts_file))))
            .stdout.strip()
            .splitlines()[-1]
        )
        verify = subprocess.run(
            [str(venv_bin / "anxin"), "audit", "verify"], env=env, cwd=ROOT, capture_output=True, text=True
        )
    finally:
        if server is not None:
            server.stop()
        pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    answered = len(load.receipts)
    failed = sum(n for outcome, n in load.outcomes.items() if outcome != "201")
    print(
        f"intake crash test: {load.done} letters tried once each by {args.clients} clients in {elapsed:.1f} s "
        f"(gunicorn {args.workers}×{args.threads}, PostgreSQL with fsync on)"
    )
    for event in events:
        print(f"  {event}")
    print(f"  answered 201 with a receipt:         {answered}")
    print(f"  receipts that resolve afterwards:    {resolved['found']}  (missing: {resolved['missing']})")
    print(f"  reports in the database:             {resolved['reports']}")
    print(f"  failures the clients saw:            {failed}")
    for outcome, n in sorted(load.outcomes.items()):
        if outcome != "201":
            print(f"    {outcome}: {n}")
    print(
        f"  anxin audit verify:                  {(verify.stdout or verify.stderr).strip().splitlines()[-1]}"
    )
    lost = answered - resolved["found"]
    print(f"LOST: {lost}" + ("" if lost == 0 else "  <-- acknowledged reports are missing"))
    return 0 if lost == 0 and verify.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
