"""The object-store port: where the bits live. Adapters are picked by ARCHIVE_STORAGE_URL."""

from __future__ import annotations

from pathlib import Path

from archive_service.storage.port import (
    IntegrityError,
    ObjectNotFound,
    ObjectStore,
    StorageError,
    StoreUnavailable,
)


def open_store(url: str, cache_dir: Path | None = None) -> ObjectStore:
    """The adapter for a storage URL: file:///PATH (embedded) or s3://HOST/BUCKET (scaled).

    cache_dir is where a remote store may keep local copies of originals for readers
    that need random access.
    """
    if url.startswith("file://"):
        from archive_service.storage.filesystem import FileSystemStore

        return FileSystemStore(url.removeprefix("file://"))
    if url.startswith("s3://"):
        from archive_service.storage.s3 import S3Store

        return S3Store.from_url(url, cache_dir)
    raise StorageError(
        f"Неизвестный адрес хранилища: {url!r} (ожидается file:///ПУТЬ или s3://ХОСТ/КОРЗИНА)"
    )


__all__ = [
    "IntegrityError",
    "ObjectNotFound",
    "ObjectStore",
    "StorageError",
    "StoreUnavailable",
    "open_store",
]
