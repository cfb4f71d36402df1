"""Content-addressed blob storage for card images: one interface, a local-directory implementation.

A key is the SHA-256 of the stored bytes (hex) plus a file extension, e.g. ``"3a7bd3…e1.jpg"``; the same
bytes always get the same key, so storing twice is harmless and concurrent writers cannot corrupt each
other. An S3-compatible store implements the same four methods: ``put`` → PutObject (skip when HeadObject
finds the key), ``get`` → GetObject, ``exists`` → HeadObject, ``delete`` → DeleteObject; keys map to object
names under a prefix. Keys are shared by every card that uploaded the same image, so ``delete`` is only for
a caller that has checked no card still references the key.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from flask import Flask

from contacts.errors import NotFound

_KEY = re.compile(r"^[0-9a-f]{64}\.(jpg|png)$")
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


class BlobMissing(NotFound):
    """The key names no stored blob."""


def key_for(data: bytes, extension: str) -> str:
    """Return the content address of ``data``."""
    if extension not in CONTENT_TYPES:
        raise ValueError(f"unsupported extension {extension!r}")
    return f"{hashlib.sha256(data).hexdigest()}.{extension}"


def content_type_of(key: str) -> str:
    """Return the MIME type of a key's blob."""
    return CONTENT_TYPES[key.rsplit(".", 1)[-1]]


def check_key(key: str) -> str:
    """Return ``key`` if it is a well-formed content address (never a path), else raise ValueError."""
    if not _KEY.match(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class Storage(Protocol):
    """Where image bytes live; every method is safe to call from several threads and processes."""

    def put(self, data: bytes, *, extension: str) -> str:
        """Store ``data`` and return its key (the same bytes always give the same key)."""
        ...

    def get(self, key: str) -> bytes:
        """Return the bytes stored under ``key``; raise BlobMissing when there are none."""
        ...

    def exists(self, key: str) -> bool:
        """Tell whether ``key`` is stored."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key`` (no error when it is already gone)."""
        ...


class LocalStorage:
    """Storage in a local directory, fanned out as ``ab/cd/<key>``; writes are atomic renames."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes, *, extension: str) -> str:
        """Store ``data`` and return its key."""
        key = key_for(data, extension)
        path = self._path(key)
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        """Return the stored bytes."""
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as e:
            raise BlobMissing(f"no stored image {key}") from e

    def exists(self, key: str) -> bool:
        """Tell whether ``key`` is stored."""
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        """Remove ``key``."""
        self._path(key).unlink(missing_ok=True)


def storage_of(app: Flask) -> Storage:
    """Return the app's image storage (a LocalStorage under settings.storage_dir), created on first use."""
    storage: Storage | None = app.extensions.get("meishi.storage")
    if storage is None:
        from contacts.config import settings_of

        storage = LocalStorage(settings_of(app).storage_dir)
        app.extensions["meishi.storage"] = storage
    return storage
