"""After archiving: the index outbox and its relay, a catalog blip after archiving, and
rebuilding the index while documents are archived and refiled (real task code, Celery
eager, real Tesseract)"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from archive_service.archive import Archive
from archive_service.catalog import Catalog, OutboxEntry
from archive_service.services.pipeline.indexing import REBUILD_LOCK, IndexingService, RebuildRunning
from archive_service.services.pipeline.waiting import wait_until_final
from archive_service.services.records.filing import Filing, FilingService
from archive_service.services.records.proposals import ProposalService
from search import IndexedDocument
from tests.pagegen import born_digital_pdf
from tests.test_pipeline import ingest
from workers.celery_app import app as celery_app

pytestmark = pytest.mark.usefixtures("tesseract")


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
