"""What only the MinIO adapter promises: lock, versions, multipart, and plain errors."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from minio.error import S3Error

from archive_service.storage import StorageError
from archive_service.storage.s3 import S3Store
from tests.services import destroy_bucket, minio_bucket, unique


@pytest.fixture
def store(tmp_path: Path) -> Iterator[S3Store]:
    with minio_bucket() as url:
        yield S3Store.from_url(url, tmp_path / "cache")


def test_bucket_is_created_with_versioning_and_object_lock(store: S3Store) -> None:
    assert store.client.get_bucket_versioning(store.bucket).status == "Enabled"
    assert store.client.get_object_lock_config(store.bucket) is not None


def test_original_under_governance_retention_cannot_be_deleted_plainly(
    store: S3Store, tmp_path: Path
) -> None:
    src = tmp_path / "original.pdf"
    src.write_bytes(b"%PDF-1.7 original")
    until = datetime.now(UTC) + timedelta(days=30)
    store.put_file("documents/a/original.pdf", src, retain_until=until)
    stat = store.client.stat_object(store.bucket, "documents/a/original.pdf")
    retention = store.client.get_object_retention(
        store.bucket, "documents/a/original.pdf", version_id=stat.version_id
    )
    assert retention is not None
    assert retention.mode == "GOVERNANCE"
    assert retention.retain_until_date is not None
    assert abs((retention.retain_until_date - until).total_seconds()) < 2
    with pytest.raises(S3Error) as refused:
        store.client.remove_object(
            store.bucket, "documents/a/original.pdf", version_id=stat.version_id
        )
    assert "WORM protected" in (refused.value.message or "")
    assert store.exists("documents/a/original.pdf")


def test_overwrite_keeps_the_earlier_version(store: S3Store) -> None:
    store.put_bytes("documents/b/manifest.json", b"first")
    store.put_bytes("documents/b/manifest.json", b"second")
    versions = list(
        store.client.list_objects(
            store.bucket, prefix="documents/b/manifest.json", include_version=True
        )
    )
    assert len(versions) == 2
    assert store.get_bytes("documents/b/manifest.json") == b"second"


def test_large_files_go_up_in_parts(store: S3Store, tmp_path: Path) -> None:
    src = tmp_path / "scan.tiff"
    with src.open("wb") as fh:
        for i in range(40):
            fh.write(hashlib.sha256(str(i).encode()).digest() * 32768)
    store.put_file("documents/c/original.tiff", src)
    etag = store.client.stat_object(store.bucket, "documents/c/original.tiff").etag
    assert etag.endswith("-3")  # 40 MiB in 16 MiB parts


def test_delete_prefix_removes_every_version_even_under_retention(
    store: S3Store, tmp_path: Path
) -> None:
    src = tmp_path / "original.pdf"
    src.write_bytes(b"%PDF-1.7")
    store.put_file(
        "documents/d/original.pdf", src, retain_until=datetime.now(UTC) + timedelta(days=1)
    )
    store.put_bytes("documents/d/pages/0001.json", b"{}")
    assert store.delete_prefix("documents/d/") == 2
    left = list(
        store.client.list_objects(
            store.bucket, prefix="documents/d/", recursive=True, include_version=True
        )
    )
    assert left == []


def test_wrong_key_is_a_clear_error(tmp_path: Path) -> None:
    with minio_bucket() as url:
        access = os.environ["ARCHIVE_S3_ACCESS_KEY"]
        wrong = url.replace("s3://", f"s3://{access}:not-the-secret@", 1)
        with pytest.raises(StorageError, match=r"отказало в доступе.*ARCHIVE_S3_SECRET_KEY"):
            S3Store.from_url(wrong, tmp_path)


def test_a_bucket_that_disappeared_is_a_clear_error(store: S3Store) -> None:
    destroy_bucket(store)
    with pytest.raises(StorageError, match="не найдена"):
        store.put_bytes("documents/e/pages/0001.json", b"{}")


def test_a_bucket_without_object_lock_is_refused(store: S3Store, tmp_path: Path) -> None:
    plain = unique("archive-plain-")
    store.client.make_bucket(plain)
    try:
        with pytest.raises(StorageError, match="без блокировки"):
            S3Store(store.client, plain, tmp_path)
    finally:
        store.client.remove_bucket(plain)


def test_local_path_downloads_an_original_once(store: S3Store, tmp_path: Path) -> None:
    store.put_bytes("documents/f/original.pdf", b"%PDF-1.7 body")
    with store.local_path("documents/f/original.pdf") as first:
        pass
    with store.local_path("documents/f/original.pdf") as second:
        assert second == first
        assert second.read_bytes() == b"%PDF-1.7 body"
    assert len([p for p in store.cache_dir.iterdir() if not p.name.startswith(".")]) == 1


def test_a_full_bucket_is_a_clear_error_and_keeps_what_was_stored(
    store: S3Store, tmp_path: Path
) -> None:
    from minio import MinioAdmin
    from minio.credentials import StaticProvider

    admin = MinioAdmin(
        endpoint=urlsplit(os.environ["ARCHIVE_TEST_MINIO_URL"]).netloc,
        credentials=StaticProvider(
            os.environ["ARCHIVE_S3_ACCESS_KEY"], os.environ["ARCHIVE_S3_SECRET_KEY"]
        ),
        secure=False,
    )
    store.put_bytes("documents/g/original.pdf", b"%PDF-1.7 first")
    admin.bucket_quota_set(store.bucket, 1024)
    big = tmp_path / "big.pdf"
    big.write_bytes(b"x" * 64 * 1024)
    with pytest.raises(StorageError, match="нет места"):
        store.put_file("documents/h/original.pdf", big)
    assert not store.exists("documents/h/original.pdf")
    assert store.get_bytes("documents/g/original.pdf") == b"%PDF-1.7 first"
    admin.bucket_quota_clear(store.bucket)
