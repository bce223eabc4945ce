"""The audit chain's keys: HMAC-SHA256 with keys from ``AUDIT_HMAC_KEYS``, which the database never holds.

Each keyed event stores the id of the key that signed it (``key_id``, a short fingerprint of the key,
not the key), so keys rotate without rewriting history: new events use the newest key, and an event
verifies with whichever configured key its id names. Events with an empty ``key_id`` were written
before the chain was keyed (plain SHA-256): they verify as before and are only as strong as before.

The event MAC covers ``prev_hash`` followed by the event's canonical JSON; a checkpoint's MAC covers
a message that starts with ``CHECKPOINT_PREFIX``, so one can never pass for the other.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder

GENESIS_HASH = "0" * 64
KEY_ID_LENGTH = 8


class UnknownAuditKey(LookupError):
    """An event or checkpoint names a key that is not (or no longer) configured."""

    def __init__(self, key_id: str) -> None:
        super().__init__(key_id)
        self.key_id = key_id


def key_id_of(key: str) -> str:
    """A short public fingerprint of a key: names it in events and checkpoints without revealing it."""
    return hashlib.sha256(b"anxin.audit.key-id\x00" + key.encode("utf-8")).hexdigest()[:KEY_ID_LENGTH]


@dataclass(frozen=True)
class Keyring:
    newest_id: str
    _macs: dict[str, hmac.HMAC]

    def mac(self, key_id: str, message: bytes) -> str:
        base = self._macs.get(key_id)
        if base is None:
            raise UnknownAuditKey(key_id)
        mac = base.copy()  # the key schedule is computed once per key, not once per event
        mac.update(message)
        return mac.hexdigest()

    def ids(self) -> list[str]:
        return list(self._macs)


@lru_cache(maxsize=8)
def _keyring(keys: tuple[str, ...]) -> Keyring:
    macs: dict[str, hmac.HMAC] = {}
    for key in keys:
        kid = key_id_of(key)
        if kid in macs:
            raise ImproperlyConfigured("AUDIT_HMAC_KEYS: two keys share one key id; generate a new key")
        macs[kid] = hmac.new(key.encode("utf-8"), digestmod=hashlib.sha256)
    if not macs:
        raise ImproperlyConfigured("AUDIT_HMAC_KEYS is empty")
    return Keyring(newest_id=key_id_of(keys[0]), _macs=macs)


def keyring() -> Keyring:
    """The configured keys (read from settings when called, so tests may override them)."""
    return _keyring(tuple(settings.AUDIT_HMAC_KEYS))


def canonical(event: Any) -> dict[str, Any]:
    """Every field that the hash covers, in a form that survives a database round trip.

    Takes any object with the event's attributes, so that migrations (historical models) sign the
    same way. ``key_id`` is covered only when set: legacy events keep the body they were hashed with.
    """
    body = {
        "chain": event.chain,
        "seq": event.seq,
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "unit": event.unit_id,
        "unit_path": event.unit_path,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "subject_label": event.subject_label,
        "before": event.before,
        "after": event.after,
        "request_id": event.request_id,
    }
    key_id = getattr(event, "key_id", "")  # absent from the model as migrations before 0004 know it
    if key_id:
        body["key_id"] = key_id
    return body


def event_hash(event: Any, ring: Keyring | None = None) -> str:
    """HMAC of the event under the key its ``key_id`` names; plain SHA-256 for a legacy event."""
    body = json.dumps(canonical(event), sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)
    message = (event.prev_hash + body).encode("utf-8")
    key_id = getattr(event, "key_id", "")
    if not key_id:
        return hashlib.sha256(message).hexdigest()
    return (ring or keyring()).mac(key_id, message)
