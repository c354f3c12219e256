"""Fixity in each mode: an intact archive checks clean; a changed derivative and a
missing original are each named with their document, by the service and by `archive
fixity check --all --json` (exit code 2); a damaged file is marked on its document
and never served as good; the daily share covers the archive in a month."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from flask.testing import FlaskClient

from archive_service.archive import Archive
from archive_service.catalog import Document
from archive_service.services.admin.fixity import SHARES, FixityService, share_of
from archive_service.services.pipeline.ingest import IngestService
from archive_service.storage import keys
from archive_service.storage.filesystem import FileSystemStore
from archive_service.storage.s3 import S3Store
from tests.pagegen import born_digital_pdf


def _archived(archive: Archive, tmp_path: Path, name: str) -> tuple[str, str]:
    pdf = born_digital_pdf(tmp_path / f"{name}.pdf", [[f"{name}, лист 1"], [f"{name}, лист 2"]])
    outcome = IngestService(archive).ingest_path(pdf)
    assert outcome.id
    with archive.catalog.session() as s:
        doc = s.get(Document, outcome.id)
        assert doc is not None and doc.status == "archived"
        return doc.id, doc.storage_key


def _remove(archive: Archive, key: str) -> None:
    """Take a file away behind the archive's back, as a disk fault or a hand would."""
    store = archive.store
    if isinstance(store, S3Store):
        store.client.remove_object(store.bucket, key)  # a delete marker: the file is gone
    else:
        assert isinstance(store, FileSystemStore)
        (store.root / key).unlink()


def _put_back(archive: Archive, key: str, data: bytes) -> None:
    """Put a file back as a restore from a backup does."""
    store = archive.store
    if isinstance(store, S3Store):
        import io

        store.client.put_object(store.bucket, key, io.BytesIO(data), len(data))
    else:
        assert isinstance(store, FileSystemStore)
        (store.root / key).write_bytes(data)


def test_damage_is_found_and_named(archive: Archive, tmp_path: Path) -> None:
    first, original = _archived(archive, tmp_path, "протокол")
    second, _ = _archived(archive, tmp_path, "журнал")
    clean = FixityService(archive).check()
    assert clean.ok and clean.documents == 2 and clean.files >= 2 * (1 + 2)  # original, texts
    archive.store.put_bytes(keys.page_text(second, 1), '{"text": "подменено"}'.encode())
    _remove(archive, original)
    damaged = FixityService(archive).check()
    assert {(p.document_id, p.key, p.problem) for p in damaged.problems} == {
        (second, keys.page_text(second, 1), "файл изменён"),
        (first, original, "нет файла"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "archive_service.cli", "--data-dir",
         str(archive.settings.data_dir), "fixity", "check", "--all", "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    body = json.loads(done.stdout)
    assert body["checked"] >= 6
    (changed,) = body["damaged"]
    assert changed["document_id"] == second and changed["object"] == keys.page_text(second, 1)
    assert changed["expected"] != changed["actual"] and len(changed["actual"]) == 64
    assert [(m["document_id"], m["object"]) for m in body["missing"]] == [(first, original)]


def test_a_damaged_original_is_marked_and_never_served_as_good(
    archive: Archive, client: FlaskClient, tmp_path: Path
) -> None:
    doc_id, original = _archived(archive, tmp_path, "протокол")
    kept = archive.store.get_bytes(original)
    _remove(archive, original)
    FixityService(archive).check()

    shown = client.get(f"/api/v1/documents/{doc_id}").get_json()
    assert shown["damage"] == f"{original.rsplit('/', 1)[-1]}: нет файла"
    refused = client.get(f"/api/v1/documents/{doc_id}/original")
    assert refused.status_code == 409 and "повреждён" in refused.get_json()["error"]
    assert "Файлы повреждены" in client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "повреждённые или пропавшие файлы у документов: 1" in client.get("/documents").get_data(
        as_text=True
    )
    events = [e["kind"] for e in shown["events"]]
    assert events.count("fixity_failed") == 1

    _put_back(archive, original, kept)  # restored from a backup
    FixityService(archive).check()

    assert client.get(f"/api/v1/documents/{doc_id}").get_json()["damage"] is None
    assert client.get(f"/api/v1/documents/{doc_id}/original").data == kept


def test_the_daily_share_reads_every_document_once_a_month(
    archive: Archive, tmp_path: Path
) -> None:
    ids = [_archived(archive, tmp_path, f"лист {n}")[0] for n in range(3)]
    checked = {
        day: FixityService(archive).check(everything=False, on=date(2026, 12, day)).documents
        for day in range(1, SHARES + 1)
    }
    assert sum(checked.values()) == len(ids)
    assert all(0 <= share_of(i) < SHARES for i in ids)
