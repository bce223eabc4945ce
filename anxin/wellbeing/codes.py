"""One-time answer codes: 60 random bits a pupil types from a paper slip, stored only as a hash.

Crockford's base-32 alphabet as the 爱心信箱 receipts use it (no I, L, O, U; typing them is
forgiven). 12 characters in three groups: ``7KQ2-M9XD-4TBN``.
"""

from __future__ import annotations

import hashlib
import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
_FORGIVE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_STRIP = re.compile(r"[\s\-_－—·.]+")


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


def normalise(code: object) -> str | None:
    if not isinstance(code, str) or len(code) > 40:
        return None
    text = _STRIP.sub("", code).upper().translate(_FORGIVE)
    if len(text) != LENGTH or any(ch not in ALPHABET for ch in text):
        return None
    return text


def code_hash(code: object) -> str | None:
    canonical = normalise(code)
    if canonical is None:
        return None
    # 60 random bits, one use, a round's window and a guessing limit per address: a plain digest suffices.
    return hashlib.sha256(("anxin-wellbeing:" + canonical).encode("ascii")).hexdigest()
