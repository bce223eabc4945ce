"""A throwaway PostgreSQL server for benchmarks, started like .ci/run starts CI's."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _pg_bin() -> Path:
    initdb = shutil.which("initdb") or "/usr/lib/postgresql/15/bin/initdb"
    return Path(os.path.realpath(initdb)).parent


def _as_pg(*cmd: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)


@contextmanager
def temporary_postgres(port: int = 55439, *, fsync: bool = True) -> Iterator[str]:
    """Yields a DATABASE_URL of an empty database; the server and its files are gone afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix="anxin-pg-"))
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres")
    data, bin_dir = tmp / "data", _pg_bin()
    subprocess.run(
        _as_pg(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "anxin", "-E", "UTF8"),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    opts = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c max_connections=200"
    if not fsync:
        opts += " -c fsync=off"
    subprocess.run(
        _as_pg(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(tmp / "log"), "-w", "start"),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        subprocess.run(
            _as_pg(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "anxin", "anxin"),
            check=True,
        )
        yield f"postgres://anxin@127.0.0.1:{port}/anxin"
    finally:
        subprocess.run(
            _as_pg(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(tmp, ignore_errors=True)
