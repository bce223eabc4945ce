"""Field encryption at rest for children's narratives and identities.

Built on django-fernet-encrypted-fields, but keyed by our own ``FIELD_ENCRYPTION_KEYS`` rather
than by ``SECRET_KEY``, so that rotating the session key never touches stored data. The first key
encrypts; every key decrypts. Rotation: put a new key first, keep the old ones after it, run
``anxin rotate_keys`` to re-encrypt every row with the new key, then drop the old keys.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.functional import cached_property
from encrypted_fields import fields as ef


def _fernet_key(secret: str) -> bytes:
    # Keys in the environment are free text; derive a 32-byte Fernet key from each.
    return base64.urlsafe_b64encode(hashlib.sha256(("anxin-field:" + secret).encode("utf-8")).digest())


def field_fernet() -> MultiFernet:
    keys = settings.FIELD_ENCRYPTION_KEYS
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


class UndecryptableError(RuntimeError):
    """A stored value no configured key opens: a key is missing from FIELD_ENCRYPTION_KEYS."""


class _OurKeys:
    @cached_property
    def f(self) -> MultiFernet:  # type: ignore[override]
        return field_fernet()

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        # The library hands back the ciphertext when no key fits; we refuse instead, so that
        # nobody is shown a token as if it were the text and key rotation never re-encrypts one.
        if isinstance(value, str) and value:
            try:
                self.f.decrypt(value.encode("utf-8"))
            except InvalidToken:
                raise UndecryptableError(
                    f"{self.model.__name__}.{self.name}: no key in FIELD_ENCRYPTION_KEYS decrypts a stored value"
                ) from None
        return super().from_db_value(value, expression, connection)


class EncryptedTextField(_OurKeys, ef.EncryptedTextField):
    pass


class EncryptedCharField(_OurKeys, ef.EncryptedCharField):
    pass


class EncryptedJSONField(_OurKeys, ef.EncryptedJSONField):
    """Each leaf value is encrypted on its own (and comes back as a string)."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if isinstance(value, str) and value:
            try:
                self._decrypt_values(json.loads(value))
            except InvalidToken:
                raise UndecryptableError(
                    f"{self.model.__name__}.{self.name}: no key in FIELD_ENCRYPTION_KEYS decrypts a stored value"
                ) from None
            except ValueError:
                pass
        return ef.EncryptedJSONField.from_db_value(self, value, expression, connection)


ENCRYPTED_FIELD_TYPES = (EncryptedTextField, EncryptedCharField, EncryptedJSONField)


def encrypted_fields() -> dict[type, list[str]]:
    """Every model of ours with encrypted columns, and those columns' names."""
    from django.apps import apps

    found: dict[type, list[str]] = {}
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, ENCRYPTED_FIELD_TYPES)]
        if names:
            found[model] = names
    return found


def reset_field_keys() -> None:
    """Forget the cached ciphers so changed FIELD_ENCRYPTION_KEYS take effect (rotation, tests)."""
    for model, names in encrypted_fields().items():
        for name in names:
            model._meta.get_field(name).__dict__.pop("f", None)


def rotate_keys(*, batch: int = 500, progress=None) -> dict[str, int]:  # noqa: ANN001
    """Re-encrypt every encrypted value with the first key. Safe to run again after a crash."""
    from django.db import transaction

    reset_field_keys()
    counts: dict[str, int] = {}
    for model, names in encrypted_fields().items():
        done = 0
        last_pk = None
        while True:
            qs = model._default_manager.order_by("pk")
            if last_pk is not None:
                qs = qs.filter(pk__gt=last_pk)
            rows = list(qs.only("pk", *names)[:batch])
            if not rows:
                break
            with transaction.atomic():
                # Reading decrypted with whichever key fits; writing encrypts with the newest.
                model._default_manager.bulk_update(rows, names)
            done += len(rows)
            last_pk = rows[-1].pk
            if progress:
                progress(model._meta.label, done)
        counts[model._meta.label] = done
    return counts
