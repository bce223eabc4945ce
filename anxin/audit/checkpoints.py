"""Signed checkpoints of the audit chain's head, kept outside the database.

One line per chain and checkpoint::

    anxin-audit-checkpoint/1 chain=main seq=1234 hash=<64 hex> at=2026-12-07T01:00:00+00:00 key=<key id> sig=<64 hex>

``sig`` is the HMAC (with the audit key named by ``key``) of the prefix, chain, seq, hash and time.
Someone who can rewrite the database cannot forge a line, and a line they cannot see (the file on
the application server, the copy mailed to the city administrators) pins the chain: truncating it
or rewriting it loses the (seq, hash) that the line names.
"""

from __future__ import annotations

import hmac
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from .signing import KEY_ID_LENGTH, Keyring, keyring

PREFIX = "anxin-audit-checkpoint/1"
_LINE = re.compile(
    rf"^{re.escape(PREFIX)} chain=(?P<chain>[A-Za-z0-9_.-]{{1,40}}) seq=(?P<seq>0|[1-9][0-9]{{0,18}}) "
    r"hash=(?P<hash>[0-9a-f]{64}) at=(?P<at>[0-9T:.+\-Z]{10,40}) "
    rf"key=(?P<key>[0-9a-f]{{{KEY_ID_LENGTH}}}) sig=(?P<sig>[0-9a-f]{{64}})$"
)


class CheckpointFileError(Exception):
    """The checkpoint file cannot be read, or a line is not a checkpoint. ``lineno`` 0: the whole file."""

    def __init__(self, reason: str, *, path: Path, lineno: int = 0, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path
        self.lineno = lineno
        self.detail = detail


@dataclass(frozen=True)
class Checkpoint:
    chain: str
    seq: int
    hash: str
    at: str
    key_id: str
    sig: str

    def message(self) -> bytes:
        return "\n".join([PREFIX, self.chain, str(self.seq), self.hash, self.at]).encode("utf-8")

    def line(self) -> str:
        return (
            f"{PREFIX} chain={self.chain} seq={self.seq} hash={self.hash} at={self.at} "
            f"key={self.key_id} sig={self.sig}"
        )

    def signature_ok(self, ring: Keyring | None = None) -> bool:
        """Whether ``sig`` is right; raises UnknownAuditKey when ``key`` is not configured."""
        expected = (ring or keyring()).mac(self.key_id, self.message())
        return hmac.compare_digest(expected, self.sig)


def checkpoint_sign(*, chain: str, seq: int, hash: str, at: str, ring: Keyring | None = None) -> Checkpoint:
    ring = ring or keyring()
    unsigned = Checkpoint(chain=chain, seq=seq, hash=hash, at=at, key_id=ring.newest_id, sig="")
    return replace(unsigned, sig=ring.mac(ring.newest_id, unsigned.message()))


def parse_line(text: str) -> Checkpoint | None:
    match = _LINE.match(text.strip())
    if match is None:
        return None
    return Checkpoint(
        chain=match["chain"],
        seq=int(match["seq"]),
        hash=match["hash"],
        at=match["at"],
        key_id=match["key"],
        sig=match["sig"],
    )


def read_checkpoints(path: Path) -> list[tuple[int, Checkpoint]]:
    """Every checkpoint of the file with its line number; blank lines and ``#`` comments are skipped."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CheckpointFileError("missing", path=path) from None
    except OSError as exc:
        raise CheckpointFileError("unreadable", path=path, detail=exc.strerror or str(exc)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CheckpointFileError("not_text", path=path) from None
    found = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        checkpoint = parse_line(line)
        if checkpoint is None:
            raise CheckpointFileError("garbage", path=path, lineno=lineno, detail=line.strip()[:80])
        found.append((lineno, checkpoint))
    if not found:
        raise CheckpointFileError("empty", path=path)
    return found


def append_checkpoints(path: Path, checkpoints: list[Checkpoint]) -> None:
    """Append the lines and flush them to disk; the file is created, and kept, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, "".join(c.line() + "\n" for c in checkpoints).encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
