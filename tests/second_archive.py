"""A second deployment of the archive in the same mode as the test's own (a receiving
school, a district's new server): its own catalog, store and index."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from archive_service.archive import Archive
from archive_service.config import Settings
from tests.services import elasticsearch_index, minio_bucket, postgres_database
from workers.dispatch import CeleryDispatcher


@pytest.fixture
def receiving(settings: Settings, tmp_path: Path) -> Iterator[Archive]:
    """Another deployment of the same mode: its own catalog, store and index."""
    with ExitStack() as stack:
        changes: dict[str, object] = {"data_dir": tmp_path / "receiving"}
        if settings.database_url.startswith("postgresql"):
            changes["database_url"] = stack.enter_context(postgres_database())
            changes["storage_url"] = stack.enter_context(minio_bucket())
            changes["search_url"] = stack.enter_context(elasticsearch_index())
        else:
            root = tmp_path / "receiving"
            changes["database_url"] = f"sqlite:///{root / 'catalog.sqlite3'}"
            changes["storage_url"] = f"file://{root / 'objects'}"
            changes["search_url"] = f"sqlite:///{root / 'search.sqlite3'}"
        other = Archive.open(dataclasses.replace(settings, **changes), CeleryDispatcher())
        try:
            yield other
        finally:
            other.close()
