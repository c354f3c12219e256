"""The whole way of a scan through the real task code (Celery eager) and real Tesseract:
intake → storage → catalog → pages → derivatives → manifest → index → search."""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from archive_service.archive import Archive
from archive_service.catalog import Catalog, Document, OutboxEntry
from archive_service.services.pipeline import manifest as manifest_module
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.pipeline.indexing import REBUILD_LOCK, IndexingService, RebuildRunning
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.pipeline.waiting import wait_until_final
from archive_service.services.records.filing import Filing, FilingService
from archive_service.services.records.proposals import ProposalService
from archive_service.storage import keys
from search import IndexedDocument
from tests.pagegen import (
    born_digital_pdf,
    jpeg_bytes,
    page_lines,
    png_bytes,
    render_page,
    save_pdf,
    save_tiff,
    scanned,
)
from tests.side_by_side import run_side_by_side
from workers.celery_app import app as celery_app

pytestmark = pytest.mark.usefixtures("tesseract")


def ingest(archive: Archive, path: Path) -> dict:
    outcome = IngestService(archive).ingest_path(path)
    assert outcome.status == "queued", outcome.error
    assert outcome.id is not None
    return DocumentService(archive).get(outcome.id)


def test_multipage_tiff_with_turned_pages_is_archived_upright(
    archive: Archive, tmp_path: Path
) -> None:
    pages = [
        scanned(render_page(page_lines(i)), seed=i, rotate=r) for i, r in enumerate((0, 90, 180))
    ]
    doc = ingest(archive, save_tiff(pages, tmp_path / "журнал.tiff"))
    assert doc["status"] == "archived", doc["error"]
    assert [p["rotation"] for p in doc["pages"]] == [0, 90, 180]
    for i, page in enumerate(doc["pages"]):
        assert page["source"] == "ocr"
        assert f"Лист {i + 1}" in page["text"]
        assert page["confidence"] > 80
    hit = archive.index.search("журналов").hits[0]
    assert hit.id == doc["id"] and [p.number for p in hit.pages] == [1, 2, 3]


def test_scanned_pdf_gets_a_searchable_pdf(archive: Archive, tmp_path: Path) -> None:
    pages = [scanned(render_page(page_lines(i)), seed=i) for i in range(2)]
    doc = ingest(archive, save_pdf(pages, tmp_path / "scan.pdf"))
    assert doc["status"] == "archived" and doc["has_searchable_pdf"]
    key, name, media_type = DocumentService(archive).file_for_download(doc["id"], "searchable")
    assert name == "scan.searchable.pdf" and media_type == "application/pdf"
    with archive.store.local_path(key) as path, pdfplumber.open(path) as pdf:
        assert len(pdf.pages) == 2
        assert "журнал" in (pdf.pages[1].extract_text() or "")


def test_born_digital_pdf_is_read_from_its_text_layer(archive: Archive, tmp_path: Path) -> None:
    lines = [["Электронный журнал 7 «В»", "Сводная ведомость успеваемости"], ["Лист второй"]]
    doc = ingest(archive, born_digital_pdf(tmp_path / "export.pdf", lines))
    assert doc["status"] == "archived"
    assert [p["source"] for p in doc["pages"]] == ["text_layer", "text_layer"]
    assert "Сводная ведомость успеваемости" in doc["pages"][0]["text"]
    assert doc["pages"][0]["confidence"] == 100.0
    # Already searchable: the original serves as the searchable PDF.
    key, _, _ = DocumentService(archive).file_for_download(doc["id"], "searchable")
    assert key.endswith("original.pdf")
    record = json.loads(archive.store.get_bytes(keys.page_text(doc["id"], 1)))
    assert any(w["text"] == "Сводная" for w in record["words"])


def test_mixed_pdf_takes_text_layer_and_ocr_page_by_page(archive: Archive, tmp_path: Path) -> None:
    digital = born_digital_pdf(tmp_path / "d.pdf", [["Протокол педагогического совета"]])
    scan = save_pdf([scanned(render_page(page_lines(4)), seed=4, rotate=270)], tmp_path / "s.pdf")
    writer = PdfWriter()
    for src in (digital, scan):
        writer.append(PdfReader(src))
    mixed = tmp_path / "mixed.pdf"
    with mixed.open("wb") as fh:
        writer.write(fh)
    doc = ingest(archive, mixed)
    assert doc["status"] == "archived", doc["error"]
    assert [p["source"] for p in doc["pages"]] == ["text_layer", "ocr"]
    assert doc["pages"][1]["rotation"] == 270
    key, _, _ = DocumentService(archive).file_for_download(doc["id"], "searchable")
    with archive.store.local_path(key) as path, pdfplumber.open(path) as pdf:
        texts = [p.extract_text() or "" for p in pdf.pages]
    assert "педагогического" in texts[0] and "Лист 5" in texts[1]


@pytest.mark.parametrize("kind", ["jpeg", "png"])
def test_single_images_are_archived(archive: Archive, tmp_path: Path, kind: str) -> None:
    page = scanned(render_page(page_lines(9)), seed=9)
    path = tmp_path / f"page.{kind}"
    path.write_bytes(jpeg_bytes(page) if kind == "jpeg" else png_bytes(page))
    doc = ingest(archive, path)
    assert doc["status"] == "archived" and doc["media_type"] == f"image/{kind}"
    assert "Лист 10" in doc["pages"][0]["text"]


@pytest.mark.parametrize("kind", ["tiff", "mixed pdf"])
def test_manifest_lists_every_file_with_its_sha256(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    read_back: list[str] = []
    real_sha256 = manifest_module._sha256
    monkeypatch.setattr(
        manifest_module,
        "_sha256",
        lambda store, key: read_back.append(key) or real_sha256(store, key),
    )
    scan = scanned(render_page(page_lines(1)))
    if kind == "tiff":
        path = save_tiff([scan], tmp_path / "m.tif")
    else:
        digital = born_digital_pdf(tmp_path / "d.pdf", [["Протокол педагогического совета"]])
        writer = PdfWriter()
        for src in (digital, save_pdf([scan], tmp_path / "s.pdf")):
            writer.append(PdfReader(src))
        path = tmp_path / "m.pdf"
        with path.open("wb") as fh:
            writer.write(fh)
    doc = ingest(archive, path)
    manifest = json.loads(archive.store.get_bytes(keys.manifest(doc["id"])))
    assert manifest["sha256"] == doc["sha256"] and manifest["status"] == "archived"
    stored = set(archive.store.list(keys.prefix(doc["id"]))) - {keys.manifest(doc["id"])}
    assert set(manifest["files"]) == stored
    for key, digest in manifest["files"].items():
        assert hashlib.sha256(archive.store.get_bytes(key)).hexdigest() == digest
    assert [e["kind"] for e in manifest["events"]] == ["ingested", "processing_started", "archived"]
    # Every file's SHA-256 came from its writing (catalog or assembly), none was read back.
    assert read_back == []


def test_duplicate_is_reported_and_not_stored_twice(archive: Archive, tmp_path: Path) -> None:
    path = born_digital_pdf(tmp_path / "a.pdf", [["Книга учёта аттестатов"]])
    first = IngestService(archive).ingest_path(path)
    copy = tmp_path / "копия.pdf"
    copy.write_bytes(path.read_bytes())
    second = IngestService(archive).ingest_path(copy)
    assert second.status == "duplicate" and second.id == first.id
    with archive.catalog.session() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 1


def test_bad_files_in_a_batch_leave_nothing_and_the_rest_goes_in(
    archive: Archive, tmp_path: Path
) -> None:
    good = born_digital_pdf(tmp_path / "good.pdf", [["Протокол итоговой аттестации"]])
    fake = tmp_path / "fake.pdf"
    fake.write_text("not a pdf")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(good.read_bytes()[:300])
    service = IngestService(archive)
    outcomes = [service.ingest_path(p) for p in (fake, good, empty, cut)]
    assert [o.status for o in outcomes] == ["rejected", "queued", "rejected", "rejected"]
    assert all(o.error for o in outcomes if o.status == "rejected")
    with archive.catalog.session() as s:
        assert list(s.scalars(select(Document.filename))) == ["good.pdf"]
    assert {k.split("/")[1] for k in archive.store.list("documents/")} == {outcomes[1].id}
    assert list(archive.settings.tmp_dir.iterdir()) == []
    assert DocumentService(archive).get(outcomes[1].id or "")["status"] == "archived"


def test_upload_stream_with_path_in_name_is_rejected(archive: Archive) -> None:
    outcome = IngestService(archive).ingest_stream(io.BytesIO(b"%PDF-1.4"), "../../x.pdf")
    assert outcome.status == "rejected" and "пут" in (outcome.error or "")


def test_failed_page_fails_the_document_visibly_and_retry_recovers(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import archive_service.services.pipeline.processing as processing

    real = processing.ocr_page
    calls = {"n": 0}

    def broken_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("сбой распознавания")
        return real(*args, **kwargs)

    monkeypatch.setattr(processing, "ocr_page", broken_once)
    pages = [scanned(render_page(page_lines(i)), seed=i) for i in range(2)]
    doc = ingest(archive, save_tiff(pages, tmp_path / "two.tiff"))
    assert doc["status"] == "failed"
    assert doc["error"] == "Лист 2: сбой распознавания"
    assert [p["state"] for p in doc["pages"]] == ["done", "failed"]
    # what `archive ingest --wait` reports for it
    outcome = DocumentService(archive).outcomes([doc["id"]])
    assert outcome == {doc["id"]: ("failed", "Лист 2: сбой распознавания")}
    assert archive.index.search("журнал").total == 0

    assert DocumentService(archive).retry(doc["id"])
    again = DocumentService(archive).get(doc["id"])
    assert again["status"] == "archived" and again["error"] is None
    assert calls["n"] == 3  # only the failed page was read again
    assert archive.index.search("журнал").hits[0].id == doc["id"]


def test_a_derivative_the_store_refuses_fails_its_page_and_keeps_the_pages_before(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages are stored by a writer thread while the next is read: a refused write still
    fails the document at that page, the pages stored before it stay done, and a retry
    reads only what is missing."""
    from archive_service.storage.port import StorageError

    real = archive.store.put_bytes
    refused: list[str] = []

    def refuse_page_two(key: str, data: bytes) -> str:
        if key == keys.page_preview(key.split("/")[1], 2) and not refused:
            refused.append(key)
            raise StorageError("диск переполнен")
        return real(key, data)

    monkeypatch.setattr(archive.store, "put_bytes", refuse_page_two)
    lines = [["Журнал факультатива «Робототехника»"], ["Лист второй"], ["Лист третий"]]
    doc = ingest(archive, born_digital_pdf(tmp_path / "robots.pdf", lines))
    assert refused, "page 2 was never stored"
    assert doc["status"] == "failed"
    assert doc["error"] == "Лист 2: диск переполнен"
    assert [p["state"] for p in doc["pages"]] == ["done", "failed", "pending"]

    assert DocumentService(archive).retry(doc["id"])
    again = DocumentService(archive).get(doc["id"])
    assert again["status"] == "archived"
    assert [p["text"] for p in again["pages"]][1:] == ["Лист второй", "Лист третий"]
    assert archive.store.exists(keys.page_preview(doc["id"], 2))


def test_index_outage_delays_search_but_loses_nothing(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*_args: object) -> None:
        raise ConnectionError("индекс недоступен")

    monkeypatch.setattr(archive.index, "index_document", down)
    doc = ingest(archive, born_digital_pdf(tmp_path / "x.pdf", [["Журнал кружка «Шахматы»"]]))
    assert doc["status"] == "archived"
    with archive.catalog.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxEntry)) == 1
    monkeypatch.undo()
    report = IndexingService(archive).relay()
    assert report.indexed == 1
    assert archive.index.search("шахматы").hits[0].id == doc["id"]


def stall_first_load(
    monkeypatch: pytest.MonkeyPatch, thread: str
) -> tuple[threading.Event, threading.Event]:
    """(loaded, go_on): the first document the thread named `thread` reads from the
    catalog for the index is handed on only once `go_on` is set; `loaded` says it has
    been read. What happens meanwhile is what the index must survive."""
    loaded, go_on = threading.Event(), threading.Event()
    real_load = IndexingService._load

    def load_then_stall(self: IndexingService, document_id: str) -> IndexedDocument | None:
        document = real_load(self, document_id)
        if threading.current_thread().name == thread and not loaded.is_set():
            loaded.set()
            go_on.wait(10)
        return document

    monkeypatch.setattr(IndexingService, "_load", load_then_stall)
    return loaded, go_on


def test_a_relay_that_read_a_document_before_its_refiling_does_not_overwrite_the_newer(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers relay at once (each archived or filed document asks for a relay):
    one has read a document as filed, the archivist refiles it, and the other relays
    the refiling. The first must not then write the older filing over the newer one,
    so relays take turns and each reads the document when its turn comes."""
    doc = ingest(archive, born_digital_pdf(tmp_path / "p.pdf", [["Протокол педсовета"]]))
    monkeypatch.setattr(archive.dispatcher, "relay_index", lambda: None)
    filing = FilingService(archive)
    filing.file(doc["id"], Filing("03-01", title="Протокол № 1", document_date=date(2025, 6, 1)))
    loaded, go_on = stall_first_load(monkeypatch, thread="first")
    first = threading.Thread(target=IndexingService(archive).relay, name="first")
    first.start()
    assert loaded.wait(10)
    filing.file(doc["id"], Filing("03-01", title="Протокол № 2", document_date=date(2025, 6, 1)))
    second = threading.Thread(target=IndexingService(archive).relay, name="second")
    second.start()
    second.join(1.0)  # done by now if it does not wait for the first
    go_on.set()
    first.join(10)
    second.join(10)
    assert not first.is_alive() and not second.is_alive()
    assert archive.index.search("педсовета").hits[0].title == "Протокол № 2"


@pytest.mark.parametrize(
    ("service", "step"),
    [(ProposalService, "refresh"), (FilingService, "file_from_cover")],
)
def test_a_catalog_blip_after_archiving_delays_the_steps_after_it_but_loses_none(
    archive: Archive,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    service: type,
    step: str,
) -> None:
    """The catalog's server goes away just after a document was archived: the task runs
    again, and proposals, filing and the index write all still happen."""
    real = getattr(service, step)
    blips = []

    def blip_once(self: object, document_id: str) -> object:
        if not blips:
            blips.append(document_id)
            raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))
        return real(self, document_id)

    monkeypatch.setattr(service, step, blip_once)
    # Eager tasks then do what a worker does with the Retry: run the task again.
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)
    lines = ["ПРОТОКОЛ", "итогового собеседования по русскому языку", "Дата: 12 февраля 2025"]
    doc = ingest(archive, born_digital_pdf(tmp_path / "протокол.pdf", [lines]))
    assert blips == [doc["id"]]
    assert doc["status"] == "archived"
    assert [e["kind"] for e in doc["events"]].count("archived") == 1
    assert {p["field"] for p in doc["proposals"]} >= {"kind", "date"}
    assert wait_until_final(archive, [doc["id"]], timeout=5) == {}
    assert archive.index.search("собеседование").hits[0].id == doc["id"]


def test_index_is_rebuilt_from_the_catalog(archive: Archive, tmp_path: Path) -> None:
    doc = ingest(archive, born_digital_pdf(tmp_path / "r.pdf", [["Журнал регистрации"]]))
    archive.index.clear()
    assert archive.index.search("регистрации").total == 0
    assert IndexingService(archive).rebuild() == 1
    assert archive.index.search("регистрация").hits[0].id == doc["id"]


def test_a_document_archived_as_a_rebuild_starts_is_in_the_rebuilt_index(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A document archived and indexed by its relay just as `archive reindex` starts
    must not be lost: listed before it was archived, and the SQLite index cleared (or
    Elasticsearch's new index made) after its relay wrote it, it was in neither."""
    first = ingest(archive, born_digital_pdf(tmp_path / "a.pdf", [["Журнал регистрации"]]))
    late: list[str] = []
    real_rebuild = archive.index.rebuild

    def archived_meanwhile(documents: Iterable[IndexedDocument]) -> int:
        path = born_digital_pdf(tmp_path / "b.pdf", [["Протокол педагогического совета"]])
        late.append(ingest(archive, path)["id"])
        return real_rebuild(documents)

    monkeypatch.setattr(archive.index, "rebuild", archived_meanwhile)
    assert IndexingService(archive).rebuild() == 2
    assert archive.index.search("регистрация").hits[0].id == first["id"]
    assert [h.id for h in archive.index.search("педагогический совет").hits] == late


def test_a_document_refiled_while_the_rebuild_reads_it_ends_with_its_newer_filing(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rebuild reads a document, the archivist refiles it and its relay writes the
    new filing, then the rebuild comes to write what it read: the index keeps the
    relay's newer copy over the rebuild's older one, so the newer filing stays."""
    doc = ingest(archive, born_digital_pdf(tmp_path / "p.pdf", [["Протокол педсовета"]]))
    filing = FilingService(archive)
    june = date(2025, 6, 1)
    filing.file(doc["id"], Filing("03-01", title="Протокол № 1", document_date=june))
    loaded, go_on = stall_first_load(monkeypatch, thread="rebuild")
    rebuild = threading.Thread(target=IndexingService(archive).rebuild, name="rebuild")
    rebuild.start()
    assert loaded.wait(10)
    refiling = threading.Thread(  # with its own relay, eager
        target=filing.file,
        args=(doc["id"], Filing("03-01", title="Протокол № 2", document_date=june)),
    )
    refiling.start()
    refiling.join(1.0)  # done by now, unless the index waits for the rebuild's writes
    go_on.set()
    rebuild.join(20)
    refiling.join(20)
    assert not rebuild.is_alive() and not refiling.is_alive()
    assert archive.index.search("педсовета").hits[0].title == "Протокол № 2"


def test_a_rebuild_while_another_runs_is_refused_and_leaves_the_index_as_it_was(
    archive: Archive, tmp_path: Path
) -> None:
    doc = ingest(archive, born_digital_pdf(tmp_path / "r.pdf", [["Журнал регистрации"]]))
    other_process = Catalog(archive.catalog.url)
    try:
        with (
            other_process.exclusive(REBUILD_LOCK),
            pytest.raises(RebuildRunning, match="уже перестраивается"),
        ):
            IndexingService(archive).rebuild()
    finally:
        other_process.dispose()
    assert archive.index.search("регистрация").hits[0].id == doc["id"]
    assert IndexingService(archive).rebuild() == 1


def test_two_planning_runs_of_one_document_at_once_both_plan_and_fail_nothing(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A planning message delivered twice (a broker redelivering it while the first run
    still works) runs `start` twice side by side: the second waits for the first's page
    rows instead of inserting its own and failing the document on their unique number."""
    from archive_service.services.pipeline.processing import ProcessingService

    monkeypatch.setattr(archive.dispatcher, "process_document", lambda _id: None)
    lines = [["Журнал кружка «Юный химик»"], ["Лист второй"], ["Лист третий"]]
    outcome = IngestService(archive).ingest_path(born_digital_pdf(tmp_path / "x.pdf", lines))
    assert outcome.status == "queued" and outcome.id is not None
    document_id = outcome.id

    def plan() -> object:
        return ProcessingService(archive).start(document_id)

    first, second = run_side_by_side(plan, plan)
    assert not isinstance(first, Exception), first
    assert not isinstance(second, Exception), second
    doc = DocumentService(archive).get(document_id)
    assert doc["status"] == "processing"
    assert [p["state"] for p in doc["pages"]] == ["pending"] * 3


def test_two_retries_at_once_queue_the_document_once(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import archive_service.services.pipeline.processing as processing

    def unreadable(*_args: object) -> Iterable[object]:
        raise RuntimeError("сбой чтения")

    monkeypatch.setattr(processing, "read_text_layer", unreadable)
    doc = ingest(archive, born_digital_pdf(tmp_path / "f.pdf", [["Журнал кружка"]]))
    assert doc["status"] == "failed"
    monkeypatch.setattr(archive.dispatcher, "process_document", lambda _id: None)

    def retry() -> object:
        return DocumentService(archive).retry(doc["id"])

    first, second = run_side_by_side(retry, retry)
    assert sorted([first, second], key=str) == [False, True], (first, second)
    again = DocumentService(archive).get(doc["id"])
    assert again["status"] == "queued"
    assert [e["kind"] for e in again["events"]].count("retry") == 1
