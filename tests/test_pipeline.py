"""The whole way of a scan through the real task code (Celery eager) and real Tesseract:
intake → storage → catalog → pages → derivatives → manifest → index → search."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select

from archive_service.archive import Archive
from archive_service.catalog import Document
from archive_service.services.pipeline import manifest as manifest_module
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.pipeline.ingest import IngestService
from archive_service.storage import keys
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


def test_a_document_whose_message_was_lost_is_queued_again(
    archive: Archive, tmp_path: Path
) -> None:
    """What scaled mode's recover-stalled task does after a broker lost a message: a
    document queued and untouched for longer than the limit is queued again and reaches
    the archive; one touched recently is left to the task that holds it."""
    from datetime import timedelta

    from archive_service.catalog.models import utcnow
    from archive_service.services.pipeline.processing import ProcessingService
    from tests.pagegen import born_digital_pdf

    class Lost:  # the broker that lost the first message
        def process_document(self, document_id: str) -> None:
            pass

    dispatcher, archive.dispatcher = archive.dispatcher, Lost()  # type: ignore[assignment]
    pdf = born_digital_pdf(tmp_path / "lost.pdf", [["Приказ о переводе в 6 класс"]])
    lost = IngestService(archive).ingest_path(pdf).id
    recent = (
        IngestService(archive)
        .ingest_path(born_digital_pdf(tmp_path / "recent.pdf", [["Приказ о зачислении"]]))
        .id
    )
    archive.dispatcher = dispatcher
    assert lost and recent
    with archive.catalog.session() as s:
        doc = s.get(Document, lost)
        assert doc is not None
        doc.updated_at = utcnow() - timedelta(minutes=30)

    requeued = ProcessingService(archive).requeue_stalled(timedelta(minutes=20))

    assert requeued == [lost]
    assert DocumentService(archive).get(lost)["status"] == "archived"
    assert DocumentService(archive).get(recent)["status"] == "queued"
