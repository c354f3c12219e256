"""`archive transfer`: an embedded archive moves to PostgreSQL, MinIO and Elasticsearch
with every document, page, event, file and search hit intact."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.pagegen import born_digital_pdf
from tests.services import elasticsearch_index, minio_bucket, postgres_database


@pytest.fixture
def targets() -> Iterator[dict[str, str]]:
    with ExitStack() as stack:
        yield {
            "ARCHIVE_DATABASE_URL": stack.enter_context(postgres_database()),
            "ARCHIVE_STORAGE_URL": stack.enter_context(minio_bucket()),
            "ARCHIVE_SEARCH_URL": stack.enter_context(elasticsearch_index()),
        }


def cli(data: Path, *args: str, env: dict[str, str] | None = None) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    base.update(
        {k: v for k, v in os.environ.items() if k.startswith(("ARCHIVE_S3_", "ARCHIVE_TEST_"))}
    )
    proc = subprocess.run(
        [sys.executable, "-m", "archive_service.cli", "--data-dir", str(data), *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_transfer_moves_catalog_objects_and_index(
    tmp_path: Path, targets: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "embedded"
    files = [
        born_digital_pdf(tmp_path / "протокол.pdf", [["Протокол итогового собеседования"]]),
        born_digital_pdf(tmp_path / "журнал.pdf", [["Классный журнал 5 «А»"], ["Лист 2"]]),
    ]
    ingested = [
        json.loads(x)
        for x in cli(data, "ingest", *map(str, files), "--wait", "--json").splitlines()
    ]
    assert [o["status"] for o in ingested] == ["archived", "archived"]
    before = {o["id"]: json.loads(cli(data, "show", o["id"], "--json")) for o in ingested}
    from archive_service.archive import Archive, NoDispatch
    from archive_service.config import load_settings
    from archive_service.services.admin.audit import CLI_ACTOR
    from archive_service.services.batch.stack_jobs import StackJobs

    source = Archive.open(load_settings(data), NoDispatch())  # no worker: it stays queued
    try:
        waiting = StackJobs(source).submit(files[1], "пачка.pdf", CLI_ACTOR).id
    finally:
        source.close()

    out = cli(
        data,
        "transfer",
        "--database-url",
        targets["ARCHIVE_DATABASE_URL"],
        "--storage-url",
        targets["ARCHIVE_STORAGE_URL"],
        "--search-url",
        targets["ARCHIVE_SEARCH_URL"],
    )
    assert "в индексе 2 документа" in out

    scaled = tmp_path / "scaled"
    for doc_id, doc in before.items():
        after = json.loads(cli(scaled, "show", doc_id, "--json", env=targets))
        assert after == doc
    hits = json.loads(cli(scaled, "search", "собеседования", "--json", env=targets))
    assert [h["id"] for h in hits["hits"]] == [ingested[0]["id"]]

    # The moved archive goes on working: a new document gets new event ids, no clash.
    third = born_digital_pdf(tmp_path / "ведомость.pdf", [["Сводная ведомость"]])
    from archive_service.services.pipeline.ingest import IngestService

    for name, value in targets.items():
        monkeypatch.setenv(name, value)
    archive = Archive.open(load_settings(scaled))
    try:
        outcome = IngestService(archive).ingest_path(third)
        # A stack still waiting to be split moved with its file, for the new workers.
        assert StackJobs(archive).unfinished() == [waiting]
        assert archive.store.exists(f"stacks/{waiting}/stack.pdf")
    finally:
        archive.close()
    assert outcome.status == "queued"


def test_transfer_refuses_a_target_that_already_has_documents(
    tmp_path: Path, targets: dict[str, str]
) -> None:
    data = tmp_path / "embedded"
    pdf = born_digital_pdf(tmp_path / "протокол.pdf", [["Протокол"]])
    cli(data, "ingest", str(pdf), "--wait")
    args = [
        "transfer",
        "--database-url",
        targets["ARCHIVE_DATABASE_URL"],
        "--storage-url",
        targets["ARCHIVE_STORAGE_URL"],
        "--search-url",
        targets["ARCHIVE_SEARCH_URL"],
    ]
    cli(data, *args)
    base = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_DATA")}
    again = subprocess.run(
        [sys.executable, "-m", "archive_service.cli", "--data-dir", str(data), *args],
        env=base,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 1
    assert "уже есть документы" in again.stderr


def test_a_transfer_meeting_a_rebuild_on_the_target_says_what_is_left_to_do(
    tmp_path: Path, targets: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catalog and files are moved; the index, which another process is rebuilding on
    the target, is left to `archive reindex`, and the message says so."""
    from archive_service.archive import Archive, NoDispatch
    from archive_service.catalog import Catalog
    from archive_service.config import load_settings
    from archive_service.services.admin.relocation import RelocationError, RelocationService
    from archive_service.services.pipeline.indexing import REBUILD_LOCK

    data = tmp_path / "embedded"
    pdf = born_digital_pdf(tmp_path / "протокол.pdf", [["Протокол педагогического совета"]])
    doc_id = json.loads(cli(data, "ingest", str(pdf), "--wait", "--json"))["id"]
    source = Archive.open(load_settings(data), NoDispatch())
    for name, value in targets.items():
        monkeypatch.setenv(name, value)
    target = Archive.open(load_settings(tmp_path / "scaled"), NoDispatch())
    rebuilding = Catalog(targets["ARCHIVE_DATABASE_URL"])
    try:
        with (
            rebuilding.exclusive(REBUILD_LOCK),
            pytest.raises(RelocationError, match="archive reindex"),
        ):
            RelocationService(source, target).run()
    finally:
        rebuilding.dispose()
        source.close()
        target.close()
    scaled = tmp_path / "scaled"
    assert json.loads(cli(scaled, "show", doc_id, "--json", env=targets))["status"] == "archived"
    assert "Проиндексировано документов: 1" in cli(scaled, "reindex", env=targets)
    hits = json.loads(cli(scaled, "search", "педагогического", "--json", env=targets))
    assert [h["id"] for h in hits["hits"]] == [doc_id]
