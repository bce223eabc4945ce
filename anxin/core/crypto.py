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
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models
from django.utils.functional import cached_property
from encrypted_fields import fields as ef


def _fernet_key(secret: str, purpose: str) -> bytes:
    # Keys in the environment are free text; derive a 32-byte Fernet key from each, per purpose.
    return base64.urlsafe_b64encode(hashlib.sha256(f"anxin-{purpose}:{secret}".encode()).digest())


class _TimelessMultiFernet(MultiFernet):
    """Fernet writes the time of encryption, to the second, in clear into every token.

    For a child's report that would undo storing its time to the minute, so every token carries
    time 0 instead. Nothing here decrypts with a ``ttl``, the only use Fernet has for the time.
    """

    def encrypt(self, msg: bytes) -> bytes:
        return self.encrypt_at_time(msg, 0)


def multi_fernet(purpose: str) -> MultiFernet:
    """The FIELD_ENCRYPTION_KEYS as Fernet keys derived for ``purpose`` ("field", "file"): the first
    encrypts, every one decrypts, and tokens carry no time."""
    return _TimelessMultiFernet([Fernet(_fernet_key(k, purpose)) for k in settings.FIELD_ENCRYPTION_KEYS])


def field_fernet() -> MultiFernet:
    return multi_fernet("field")


class UndecryptableError(RuntimeError):
    """A stored value no configured key opens: a key is missing from FIELD_ENCRYPTION_KEYS."""


class _OurKeys:
    # Set on every field by Django's contribute_to_class; declared here for the type checker.
    model: type[models.Model]
    name: str

    @cached_property
    def f(self) -> MultiFernet:
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
        # A mixin: the library's field class after it in the MRO has from_db_value.
        return super().from_db_value(value, expression, connection)  # type: ignore[misc]


class EncryptedTextField(_OurKeys, ef.EncryptedTextField):  # type: ignore[misc]  # the library has no types
    pass


class EncryptedCharField(_OurKeys, ef.EncryptedCharField):  # type: ignore[misc]  # the library has no types
    pass


class EncryptedJSONField(_OurKeys, ef.EncryptedJSONField):  # type: ignore[misc]  # the library has no types
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


def encrypted_fields() -> dict[type[models.Model], list[str]]:
    """Every model of ours with encrypted columns, and those columns' names."""
    from django.apps import apps

    found: dict[type[models.Model], list[str]] = {}
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


def encrypt_column(connection: Any, table: str, column: str, *, batch: int = 1000) -> int:
    """Encrypt, in place, every plaintext value of a column that has just become an encrypted field.

    For data migrations: it works on raw SQL, because the migration's model already decrypts on
    read and would refuse the plaintext. A value that some key already opens is left alone, so the
    migration can be run again after a crash. Empty strings stay empty (the field reads them as "").
    """
    fernet = field_fernet()

    def change(value: str) -> str | None:
        try:
            fernet.decrypt(value.encode("utf-8"))
        except InvalidToken:
            return fernet.encrypt(value.encode("utf-8")).decode("utf-8")
        return None

    return _rewrite_column(connection, table, column, change, batch)


def decrypt_column(connection: Any, table: str, column: str, *, batch: int = 1000) -> int:
    """The reverse of :func:`encrypt_column`: back to plaintext (refuses a value no key opens)."""
    fernet = field_fernet()

    def change(value: str) -> str | None:
        try:
            return fernet.decrypt(value.encode("utf-8")).decode("utf-8")
        except InvalidToken:
            if value.startswith("gAAAAA"):  # a Fernet token, but not one of our keys'
                raise UndecryptableError(
                    f"{table}.{column}: no key in FIELD_ENCRYPTION_KEYS decrypts a value"
                ) from None
            return None  # still plaintext: a re-run after a crash

    return _rewrite_column(connection, table, column, change, batch)


def encrypt_existing_rows(app_label: str, fields: list[tuple[str, str]]) -> Any:
    """A migration operation that encrypts (forward) or decrypts (backward) existing rows in place.

    Put it after the ``AlterField`` operations that made ``fields`` (model name, field name)
    encrypted: forward, the column is already text; backward, the values are plaintext again
    before the column goes back to its old type. Works on SQLite and PostgreSQL alike.
    """
    from django.db import migrations

    def columns(apps: Any) -> list[tuple[str, str]]:
        out = []
        for model_name, field_name in fields:
            model = apps.get_model(app_label, model_name)
            out.append((model._meta.db_table, model._meta.get_field(field_name).column))
        return out

    def settle(connection: Any) -> None:
        # PostgreSQL refuses to ALTER a table with deferred foreign-key checks still queued by the
        # UPDATEs above (the reverse runs the AlterField right after): run them now.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def forward(apps: Any, schema_editor: Any) -> None:
        for table, column in columns(apps):
            encrypt_column(schema_editor.connection, table, column)
        settle(schema_editor.connection)

    def backward(apps: Any, schema_editor: Any) -> None:
        for table, column in columns(apps):
            decrypt_column(schema_editor.connection, table, column)
        settle(schema_editor.connection)

    return migrations.RunPython(forward, backward, elidable=False)


def _rewrite_column(connection: Any, table: str, column: str, change: Any, batch: int) -> int:
    qn = connection.ops.quote_name
    select = f"SELECT id, {qn(column)} FROM {qn(table)} WHERE id > %s ORDER BY id"  # noqa: S608
    update = f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE id = %s"  # noqa: S608
    last, changed = 0, 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(select + f" LIMIT {int(batch)}", [last])
            rows = cursor.fetchall()
            if not rows:
                return changed
            updates = []
            for pk, value in rows:
                if isinstance(value, str) and value:
                    new = change(value)
                    if new is not None:
                        updates.append((new, pk))
            if updates:
                cursor.executemany(update, updates)
                changed += len(updates)
            last = rows[-1][0]


def rotate_keys(*, batch: int = 500, progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
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
