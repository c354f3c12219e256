"""The object-store port: where the bits live. Adapters are picked by ARCHIVE_STORAGE_URL."""

from __future__ import annotations

from archive_service.storage.port import (
    IntegrityError,
    ObjectNotFound,
    ObjectStore,
    StorageError,
)


def open_store(url: str) -> ObjectStore:
    """Return the adapter for a storage URL (file:///PATH today; s3:// with scaled mode)."""
    if url.startswith("file://"):
        from archive_service.storage.filesystem import FileSystemStore

        return FileSystemStore(url.removeprefix("file://"))
    raise StorageError(f"Неизвестный адрес хранилища: {url!r} (ожидается file:///ПУТЬ)")


__all__ = ["IntegrityError", "ObjectNotFound", "ObjectStore", "StorageError", "open_store"]
