"""Receipt codes: 100 random bits a child can copy by hand, stored only as a hash.

Crockford's base-32 alphabet has no I, L, O or U, so nothing is mistaken for 1, 0 or V; typing
any of them back in is forgiven. 20 characters in five groups: ``7KQ2-M9XD-…``.
"""

from __future__ import annotations

import hashlib
import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 20  # 20 × 5 bits = 100 bits of randomness
_FORGIVE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_STRIP = re.compile(r"[\s\-_－—·.]+")


def new_receipt() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


def normalise(receipt: str) -> str | None:
    """The canonical form of what someone typed, or None when it cannot be a receipt."""
    if not isinstance(receipt, str) or len(receipt) > 80:
        return None
    text = _STRIP.sub("", receipt).upper().translate(_FORGIVE)
    if len(text) != LENGTH or any(ch not in ALPHABET for ch in text):
        return None
    return text


def receipt_hash(receipt: str) -> str | None:
    canonical = normalise(receipt)
    if canonical is None:
        return None
    # 100 random bits cannot be guessed from the hash, so a plain digest suffices (no key to lose).
    return hashlib.sha256(("anxin-receipt:" + canonical).encode("ascii")).hexdigest()
