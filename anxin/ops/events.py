"""The names the operators' tools write to the audit trail (anxin.audit.labels names them)."""

from typing import Final

CALENDAR_LOADED: Final = "calendar.loaded"
CRYPTO_FILES_ENCRYPTED: Final = "crypto.files_encrypted"
CRYPTO_KEYS_ROTATED: Final = "crypto.keys_rotated"
