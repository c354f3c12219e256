"""The object-store contract: every adapter (filesystem, MinIO) passes it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive_service.storage import ObjectNotFound, ObjectStore, StorageError, open_store
from tests.services import minio_bucket

ADAPTERS = ["filesystem", "minio"]


@pytest.fixture(params=ADAPTERS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ObjectStore]:
    if request.param == "filesystem":
        yield open_store(f"file://{tmp_path / 'objects'}")
    else:
        with minio_bucket() as url:
            yield open_store(url, tmp_path / "cache")


def test_put_file_returns_the_sha256_read_back(store: ObjectStore, tmp_path: Path) -> None:
    src = tmp_path / "src.bin"
    data = b"\x00\x01" * 700_000
    src.write_bytes(data)
    digest = store.put_file(
        "documents/a/original.pdf", src, sha256=hashlib.sha256(data).hexdigest()
    )
    assert digest == hashlib.sha256(data).hexdigest()
    assert store.get_bytes("documents/a/original.pdf") == data
    assert store.size("documents/a/original.pdf") == len(data)


def test_put_file_with_wrong_expected_hash_stores_nothing(
    store: ObjectStore, tmp_path: Path
) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(b"abc")
    with pytest.raises(StorageError):
        store.put_file("documents/b/original.pdf", src, sha256="0" * 64)
    assert not store.exists("documents/b/original.pdf")


def test_overwrite_replaces_whole_object(store: ObjectStore) -> None:
    store.put_bytes("documents/c/pages/0001.json", b"first version, long")
    store.put_bytes("documents/c/pages/0001.json", b"second")
    assert store.get_bytes("documents/c/pages/0001.json") == b"second"


def test_list_and_delete_prefix(store: ObjectStore) -> None:
    for key in (
        "documents/d/original.pdf",
        "documents/d/pages/0001.jpg",
        "documents/e/original.pdf",
    ):
        store.put_bytes(key, b"x")
    assert list(store.list("documents/d/")) == [
        "documents/d/original.pdf",
        "documents/d/pages/0001.jpg",
    ]
    assert store.delete_prefix("documents/d/") == 2
    assert list(store.list("documents/d/")) == []
    assert store.exists("documents/e/original.pdf")


def test_missing_object_raises_not_found(store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFound):
        store.get_bytes("documents/nope/original.pdf")
    with pytest.raises(ObjectNotFound), store.local_path("documents/nope/x"):
        pass


def test_local_path_gives_the_bytes(store: ObjectStore) -> None:
    store.put_bytes("documents/f/original.tiff", b"II*\x00data")
    with store.local_path("documents/f/original.tiff") as path:
        assert path.read_bytes() == b"II*\x00data"


@pytest.mark.parametrize("key", ["../escape", "/abs/key", "documents/../../x", "a//b"])
def test_keys_cannot_escape_the_store(store: ObjectStore, key: str) -> None:
    with pytest.raises(StorageError):
        store.put_bytes(key, b"x")


def test_open_streams_the_object(store: ObjectStore) -> None:
    data = bytes(range(256)) * 9000
    store.put_bytes("documents/g/original.pdf", data)
    with store.open("documents/g/original.pdf") as fh:
        assert fh.read(10) == data[:10]
        assert fh.read() == data[10:]


def test_large_file_round_trips_through_a_file(store: ObjectStore, tmp_path: Path) -> None:
    # Over the multipart part size of the S3 adapter, so it goes up in parts.
    src = tmp_path / "big.bin"
    with src.open("wb") as fh:
        for i in range(40):
            fh.write(hashlib.sha256(str(i).encode()).digest() * 32768)
    expected = hashlib.sha256(src.read_bytes()).hexdigest()
    assert store.put_file("documents/h/original.tiff", src, sha256=expected) == expected
    with store.local_path("documents/h/original.tiff") as path:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == expected
