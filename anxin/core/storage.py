"""Uploaded files encrypted at rest: report photos, case attachments, ledger photos.

Every ``FileField`` of the project uses the default storage, which is this one. A file is written as
a short header line and a Fernet token, with keys derived from ``FIELD_ENCRYPTION_KEYS`` (for files,
apart from the field keys: the same secret, another derivation), in mode 0600 inside directories of
mode 0700, and read back decrypted. Nothing serves ``MEDIA_ROOT``: the permission-checked views open a
file through the storage and stream the plaintext.

Files written before encryption have no header; they are still read as they are, and
``anxin encrypt_files`` encrypts them in place. ``anxin rotate_keys`` re-encrypts every file too.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.fernet import InvalidToken, MultiFernet
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, default_storage
from django.utils.deconstruct import deconstructible

from anxin.core.crypto import UndecryptableError, multi_fernet

logger = logging.getLogger(__name__)

#: The first line of every encrypted file; what follows is one Fernet token (base64, so the file
#: holds no byte of the image: no JPEG or PNG signature, nothing a file-type scanner recognises).
HEADER = b"anxin-encrypted-file-v1\n"
FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


def file_fernet() -> MultiFernet:
    """Keys of their own for files, derived from FIELD_ENCRYPTION_KEYS (see crypto.multi_fernet)."""
    return multi_fernet("file")


def encrypt_bytes(data: bytes) -> bytes:
    return HEADER + file_fernet().encrypt(data)


def decrypt_bytes(stored: bytes, *, name: str = "") -> bytes:
    """The plaintext of what is on disk; a file without the header is a plaintext one of old."""
    if not stored.startswith(HEADER):
        logger.warning("unencrypted upload %s: run `anxin encrypt_files`", name)
        return stored
    try:
        return file_fernet().decrypt(stored[len(HEADER) :])
    except InvalidToken:
        raise UndecryptableError(f"{name}: no key in FIELD_ENCRYPTION_KEYS decrypts this file") from None


@deconstructible(path="anxin.core.storage.EncryptedFileSystemStorage")
class EncryptedFileSystemStorage(FileSystemStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("file_permissions_mode", FILE_MODE)
        kwargs.setdefault("directory_permissions_mode", DIRECTORY_MODE)
        super().__init__(*args, **kwargs)

    def _save(self, name: str, content: Any) -> str:
        data = b"".join(content.chunks())
        # _save is Django's documented hook for a custom storage; the stubs leave it out.
        name = super()._save(name, ContentFile(encrypt_bytes(data)))  # type: ignore[misc]
        # The file's own times would tell the second a child's photo arrived: keep none.
        os.utime(self.path(name), (0, 0))
        return name

    def _open(self, name: str, mode: str = "rb") -> File[bytes]:
        if any(c in mode for c in "wa+"):
            raise ValueError("encrypted files are written only through save()")
        with open(self.path(name), "rb") as handle:
            plain = decrypt_bytes(handle.read(), name=name)
        return File(io.BytesIO(plain), name=name)

    def size(self, name: str) -> int:
        with self._open(name) as handle:
            return len(handle.read())


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` over ``path`` atomically (a crash leaves the old file or the new, never half)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".anxin-", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def encrypt_files(
    *, rotate: bool = False, storage: Any = None, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Encrypt every plaintext file under the storage's root in place, and tighten modes.

    With ``rotate``, files already encrypted are re-encrypted with the first key too. Safe to run
    again after a crash, and while the server runs (each file is replaced atomically).
    """
    storage = storage or default_storage
    root = Path(storage.location)
    counts = {"encrypted": 0, "reencrypted": 0, "unchanged": 0}
    if not root.is_dir():
        return counts
    fernet = file_fernet()
    os.chmod(root, DIRECTORY_MODE)
    for directory, dirnames, filenames in os.walk(root):
        for d in dirnames:
            os.chmod(Path(directory) / d, DIRECTORY_MODE)
        for filename in filenames:
            path = Path(directory) / filename
            if filename.startswith(".anxin-") or not path.is_file() or path.is_symlink():
                continue
            stored = path.read_bytes()
            if not stored.startswith(HEADER):
                _replace(path, HEADER + fernet.encrypt(stored))
                counts["encrypted"] += 1
            elif rotate:
                try:
                    token = fernet.rotate(stored[len(HEADER) :])
                except InvalidToken:
                    raise UndecryptableError(
                        f"{path}: no key in FIELD_ENCRYPTION_KEYS decrypts this file"
                    ) from None
                _replace(path, HEADER + token)
                counts["reencrypted"] += 1
            else:
                os.chmod(path, FILE_MODE)
                counts["unchanged"] += 1
            if progress:
                progress(sum(counts.values()))
    return counts
