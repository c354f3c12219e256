"""The embedded store keeps originals as the object lock keeps them in S3: written once,
never overwritten, read-only on disk."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive_service.storage import StorageError
from archive_service.storage.filesystem import FileSystemStore

LATER = datetime.now(UTC) + timedelta(days=365)


def test_an_original_is_read_only_and_never_overwritten(tmp_path: Path) -> None:
    store = FileSystemStore(tmp_path / "objects")
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    first.write_bytes(b"%PDF-1.7 the original")
    second.write_bytes(b"%PDF-1.7 something else")
    key = "documents/d1/original.pdf"
    store.put_file(key, first, retain_until=LATER)
    mode = (tmp_path / "objects" / key).stat().st_mode
    assert not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    with pytest.raises(StorageError, match="оригинал не перезаписывается"):
        store.put_file(key, second, retain_until=LATER)
    assert store.get_bytes(key) == b"%PDF-1.7 the original"
    assert [p.name for p in (tmp_path / "objects" / "documents" / "d1").iterdir()] == [
        "original.pdf"
    ]  # no temporary file left behind


def test_derivatives_may_be_written_again_and_a_document_taken_back_whole(
    tmp_path: Path,
) -> None:
    store = FileSystemStore(tmp_path / "objects")
    source = tmp_path / "a.pdf"
    source.write_bytes(b"%PDF-1.7")
    store.put_file("documents/d2/original.pdf", source, retain_until=LATER)
    store.put_bytes("documents/d2/pages/0001.json", b"{}")
    store.put_bytes("documents/d2/pages/0001.json", b'{"text": ""}')  # a page read again
    assert store.get_bytes("documents/d2/pages/0001.json") == b'{"text": ""}'
    assert store.delete_prefix("documents/d2/") == 2  # a half-done intake taken back
    assert not store.exists("documents/d2/original.pdf")
