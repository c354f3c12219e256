"""Backup and restore: an embedded archive is copied while documents keep arriving, the
copy is verified, a damaged copy is refused, and a restore into an empty data folder
answers `show` and `search` as before. A scaled archive is told to use its servers'
tools (docs/deploy.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from archive_service.archive import Archive
from archive_service.config import load_settings
from archive_service.services.admin.backup import BackupError, backup, restore, verify
from archive_service.services.pipeline.ingest import IngestService
from tests.pagegen import born_digital_pdf


def test_a_backup_taken_while_documents_arrive_is_verified_and_restores(
    archive: Archive, tmp_path: Path
) -> None:
    if not archive.settings.database_url.startswith("sqlite"):
        with pytest.raises(BackupError, match=r"docs/deploy\.md"):
            backup(archive.settings, tmp_path / "copy")
        _scaled_backup_as_deploy_md_says(archive, tmp_path)
        return
    first = IngestService(archive).ingest_path(
        born_digital_pdf(tmp_path / "a.pdf", [["Протокол экзамена по физике"]])
    )
    arriving: list[str] = []

    def keep_arriving() -> None:
        for n in range(4):
            pdf = born_digital_pdf(tmp_path / f"b{n}.pdf", [[f"Приказ номер {n} о зачислении"]])
            arriving.append(IngestService(archive).ingest_path(pdf).status)

    writer = threading.Thread(target=keep_arriving)
    writer.start()
    report = backup(archive.settings, tmp_path / "copy")
    writer.join()

    assert report.verified and report.problems == [] and report.documents >= 1
    assert arriving == ["queued"] * 4
    restored = load_settings(tmp_path / "restored")
    assert restore(restored, tmp_path / "copy").documents == report.documents
    again = Archive.open(restored)
    try:
        assert again.index.is_empty()  # rebuilt by the command, below, not copied
    finally:
        again.close()
    with pytest.raises(BackupError, match="уже есть архив"):
        restore(restored, tmp_path / "copy")
    assert first.id


def test_a_damaged_backup_is_refused_naming_the_document(tmp_path: Path) -> None:
    archive = Archive.open(load_settings(tmp_path / "data"))  # embedded, no worker needed
    try:
        doc = (
            IngestService(archive)
            .ingest_path(born_digital_pdf(tmp_path / "a.pdf", [["Протокол"]]))
            .id
        )
        backup(archive.settings, tmp_path / "copy")
    finally:
        archive.close()
    (original,) = (tmp_path / "copy" / "objects" / "documents" / str(doc)).glob("original.*")
    original.chmod(0o644)
    original.write_bytes(original.read_bytes() + b"%")

    assert verify(tmp_path / "copy").problems == [
        f"{doc}: оригинал documents/{doc}/original.pdf изменён"
    ]
    with pytest.raises(BackupError, match="Копия повреждена"):
        restore(load_settings(tmp_path / "restored"), tmp_path / "copy")
    with pytest.raises(BackupError, match="не пуста"):
        backup(load_settings(tmp_path / "data"), tmp_path / "copy")


def test_the_cli_backs_up_and_restores_and_search_answers_as_before(tmp_path: Path) -> None:
    embedded = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}

    def cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "archive_service.cli", "--data-dir", str(data), *args],
            capture_output=True, text=True, timeout=300, check=False, env=embedded,
        )  # fmt: skip

    source, copy, restored = tmp_path / "data", tmp_path / "copy", tmp_path / "restored"
    pdf = born_digital_pdf(tmp_path / "p.pdf", [["Протокол итогового собеседования"]])
    taken = json.loads(cli(source, "ingest", str(pdf), "--wait", "--json").stdout)
    made = cli(source, "backup", str(copy), "--json")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["verified"] is True

    back = cli(restored, "restore", str(copy), "--json")

    assert back.returncode == 0, back.stderr
    assert json.loads(back.stdout)["indexed"] == 1
    shown = json.loads(cli(restored, "show", taken["id"], "--json").stdout)
    assert shown["status"] == "archived"
    found = cli(restored, "search", "собеседования", "--json")
    assert [h["id"] for h in json.loads(found.stdout)["hits"]] == [taken["id"]]
    refused = cli(restored, "restore", str(copy))
    assert refused.returncode != 0 and "уже есть архив" in refused.stderr


def _scaled_backup_as_deploy_md_says(archive: Archive, tmp_path: Path) -> None:
    """docs/deploy.md's way on the real servers: pg_dump/pg_restore of the catalog, the
    bucket copied object by object (what `mc mirror` does), the index rebuilt from the
    restored catalog; the restored archive shows, finds and checks clean."""
    import glob
    from contextlib import ExitStack
    from dataclasses import replace
    from urllib.parse import urlsplit, urlunsplit

    from minio.commonconfig import CopySource

    from archive_service.services.admin.fixity import FixityService
    from archive_service.services.pipeline.documents import DocumentService
    from archive_service.services.pipeline.indexing import IndexingService
    from archive_service.storage.s3 import S3Store
    from tests.services import elasticsearch_index, minio_bucket, postgres_database

    doc = (
        IngestService(archive)
        .ingest_path(born_digital_pdf(tmp_path / "a.pdf", [["Протокол экзамена по физике"]]))
        .id
    )
    assert doc and DocumentService(archive).get(doc)["status"] == "archived"
    bin_dir = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"))[-1]).parent

    def libpq(url: str) -> str:
        parts = urlsplit(url)
        return urlunsplit(("postgresql", parts.netloc, parts.path, "", ""))

    dump = tmp_path / "catalog.dump"
    subprocess.run(
        [str(bin_dir / "pg_dump"), "-Fc", "-f", str(dump), libpq(archive.settings.database_url)],
        check=True, capture_output=True,
    )  # fmt: skip
    with ExitStack() as stack:
        settings = replace(
            archive.settings,
            data_dir=tmp_path / "restored",
            database_url=stack.enter_context(postgres_database()),
            storage_url=stack.enter_context(minio_bucket()),
            search_url=stack.enter_context(elasticsearch_index()),
        )
        subprocess.run(
            [str(bin_dir / "pg_restore"), "--no-owner", "-d", libpq(settings.database_url),
             str(dump)],
            check=True, capture_output=True,
        )  # fmt: skip
        source = archive.store
        assert isinstance(source, S3Store)
        restored = Archive.open(settings)
        try:
            target = restored.store
            assert isinstance(target, S3Store)
            for item in source.client.list_objects(source.bucket, recursive=True):
                target.client.copy_object(
                    target.bucket, item.object_name, CopySource(source.bucket, item.object_name)
                )
            assert IndexingService(restored).rebuild() == 1
            assert DocumentService(restored).get(doc)["status"] == "archived"
            assert [h.id for h in restored.index.search("физике").hits] == [doc]
            assert FixityService(restored).check().ok
        finally:
            restored.close()
