"""What every object-store adapter promises; tests/contract/test_object_store.py checks it.

Keys are '/'-separated relative paths under a document's own prefix
(``documents/<id>/original.pdf``). ``put`` is all-or-nothing and returns the SHA-256 it
read back, so a caller can compare it with the hash computed at intake.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol


class StorageError(Exception):
    """The store could not do what was asked (permissions, space, bad key)."""


class ObjectNotFound(StorageError):
    pass


class StoreUnavailable(StorageError):
    """The store did not answer (its server stopped or restarting): work that met this
    is done again later by itself, as with a catalog that went away for a moment."""


class IntegrityError(StorageError):
    """What was read back differs from what was written."""


def check_key(key: str) -> list[str]:
    """The key's parts; refuses keys that could escape the store or alias another key."""
    parts = key.split("/")
    if not key or any(p in ("..", ".", "") for p in parts):
        raise StorageError(f"Недопустимый ключ объекта: {key!r}")
    return parts


class ObjectStore(Protocol):
    def put_file(
        self,
        key: str,
        source: Path,
        sha256: str | None = None,
        retain_until: datetime | None = None,
    ) -> str:
        """Store a local file under key atomically; verify and return its SHA-256.

        retain_until asks the store to refuse deletion of this version before that time
        (S3 object lock); a store without such a lock relies on the services' rules.
        """
        ...

    def put_bytes(self, key: str, data: bytes) -> str:
        """Store bytes under key atomically; return their SHA-256."""
        ...

    def open(self, key: str) -> BinaryIO:
        """Open an object for streaming reads."""
        ...

    def get_bytes(self, key: str) -> bytes: ...

    def local_path(self, key: str) -> AbstractContextManager[Path]:
        """A local file with the object's bytes for libraries that need random access."""
        ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def list(self, prefix: str) -> Iterator[str]: ...

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object under prefix; return how many went."""
        ...

    # Whether the store itself refuses early deletion (S3 object lock). The embedded
    # store has no such lock: its originals are read-only files, and the catalog's holds
    # and the disposal path's own checks are what keep them.
    locks: bool

    def protect(self, key: str, retain_until: datetime, legal_hold: bool) -> None:
        """Keep the object's current version until at least retain_until (never
        shortened) and set or clear its legal hold, which no bypass lifts."""
        ...

    def protection(self, key: str) -> tuple[datetime | None, bool]:
        """The object's retention date and legal hold, as the store itself reports."""
        ...
