"""Turning a queued document into an archived one, page by page.

The document task plans the work: pages with a text layer are read in batches (cheap),
every other page is its own OCR unit, so several workers share one long journal. Each
unit stores its derivatives and marks its pages done; the unit that finds all pages done
claims finalisation once. Every step can run again and gives the same state, which is
what makes late acknowledgement and retries safe.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Select, func, select, update

from archive_service.archive import Archive
from archive_service.catalog import TRANSIENT_ERRORS, Document, DocumentEvent, OutboxEntry, Page
from archive_service.catalog.models import utcnow
from archive_service.domain import DocumentStatus, MediaType, PageSource, PageState
from archive_service.reading import PageReading
from archive_service.reading.page_reader import ocr_page
from archive_service.reading.planning import pages_with_text_layer
from archive_service.reading.searchable_pdf import assemble
from archive_service.reading.text_layer import read_text_layer
from archive_service.services.pipeline.manifest import write_manifest
from archive_service.services.records.ejournal import JournalService
from archive_service.services.records.filing import FilingService
from archive_service.services.records.proposals import ProposalService
from archive_service.storage import StoreUnavailable, keys

log = logging.getLogger(__name__)

TEXT_LAYER_BATCH = 25
# The last pages go out in small units, so that workers run out of work together: with
# 25-page units to the end, one worker went on alone for up to a unit (~0.5 s of a 4 s
# export) while the other waited.
TEXT_LAYER_TAIL_PAGES = 2 * TEXT_LAYER_BATCH
TEXT_LAYER_TAIL_BATCH = 6


class DocumentGone(Exception):
    """The document was removed while work for it was still queued."""


@dataclass(frozen=True)
class WorkUnit:
    pages: list[int]
    ocr: bool


@dataclass
class Digests:
    """SHA-256 of a page's stored files (the searchable page PDF only for OCR'd pages)."""

    preview: str
    text: str
    pdf: str | None = None


def text_layer_units(pages: list[int]) -> list[WorkUnit]:
    """Text-layer pages in batches (one open of the PDF for many pages), smaller at the
    end so the last ones are shared out finely."""
    split = max(0, len(pages) - TEXT_LAYER_TAIL_PAGES)
    head, tail = pages[:split], pages[split:]
    return [
        WorkUnit(part[i : i + size], ocr=False)
        for part, size in ((head, TEXT_LAYER_BATCH), (tail, TEXT_LAYER_TAIL_BATCH))
        for i in range(0, len(part), size)
    ]


def readable(doc: Document) -> tuple[MediaType, str]:
    """What the pipeline reads: the original, or the PDF printed from an e-journal
    export (the export itself has no pages; its printed PDF's text is its own text)."""
    media_type = MediaType(doc.media_type)
    if media_type.is_spreadsheet:
        return MediaType.PDF, keys.rendered_pdf(doc.id)
    return media_type, doc.storage_key


class ProcessingService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    # -- planning ---------------------------------------------------------------------

    def start(self, document_id: str) -> list[WorkUnit]:
        """Mark the document processing and return the units still to do.

        The document's row is locked first: a planning message delivered twice runs this
        twice side by side, and the second run must see the first's page rows rather
        than insert its own and fail the document on their unique number.
        """
        with self.archive.catalog.session() as s:
            doc = s.get(Document, document_id, with_for_update=True)
            if doc is None:
                raise DocumentGone(document_id)
            if doc.status in (DocumentStatus.ARCHIVED, DocumentStatus.FAILED):
                return []
            states = {p.number: p.state for p in doc.pages}
            for n in range(1, doc.page_count + 1):
                if n not in states:
                    s.add(Page(document_id=doc.id, number=n, state=PageState.PENDING))
            if doc.status == DocumentStatus.QUEUED:
                doc.status = DocumentStatus.PROCESSING
                s.add(DocumentEvent(document_id=doc.id, kind="processing_started"))
            media_type, key = readable(doc)
            todo = [n for n in range(1, doc.page_count + 1) if states.get(n) != PageState.DONE]
        if not todo:
            return []
        if media_type is not MediaType.PDF:
            return [WorkUnit([n], ocr=True) for n in todo]
        try:
            with self.archive.store.local_path(key) as path:
                has_text = pages_with_text_layer(path)
        except StoreUnavailable as exc:  # the task comes back; meanwhile say why it waits
            self.note_waiting(document_id, str(exc))
            raise
        text_pages = [n for n in todo if has_text[n - 1]]
        units = [WorkUnit([n], ocr=True) for n in todo if not has_text[n - 1]]
        return units + text_layer_units(text_pages)

    # -- pages ------------------------------------------------------------------------

    def process(self, document_id: str, unit: WorkUnit) -> None:
        """Read the unit's pages and store what was read; a failure fails the document.

        Each page's files are stored by a writer thread while the next page is read: a
        write waits on the disk's fsync (or on MinIO), ~1.5 ms of a 16 ms journal page
        during which the worker's core would otherwise stand idle.
        """
        with self.archive.catalog.session() as s:
            doc = s.get(Document, document_id)
            if doc is None:
                raise DocumentGone(document_id)
            media_type, key = readable(doc)
        settings = self.archive.settings
        number = unit.pages[0]
        stored: list[tuple[PageReading, Future[Digests]]] = []
        failure: tuple[int, Exception] | None = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="store") as writer:
            try:
                with self.archive.store.local_path(key) as path:
                    if unit.ocr:
                        readings: Iterator[PageReading] = (
                            ocr_page(path, media_type, n, settings.ocr_dpi, settings.ocr_languages)
                            for n in unit.pages
                        )
                    else:
                        readings = read_text_layer(path, unit.pages)
                    for reading in readings:
                        number = reading.number
                        future = writer.submit(self._store_derivatives, document_id, reading)
                        stored.append((reading, future))
            except Exception as read_fault:
                failure = (number, read_fault)
        done: list[tuple[PageReading, Digests]] = []
        for reading, future in stored:
            try:
                done.append((reading, future.result()))
            except Exception as store_fault:
                failure = (reading.number, store_fault)  # a page before any reading fault
                break
        self._mark_done(document_id, done)  # pages stored before a failure are kept
        if failure is not None:
            number, fault = failure
            if isinstance(fault, StoreUnavailable):  # the task comes back for the rest
                self.note_waiting(document_id, str(fault))
                raise fault
            log.error("page %s of %s failed", number, document_id, exc_info=fault)
            self.fail(document_id, f"Лист {number}: {fault}", page=number)

    def note_waiting(self, document_id: str, reason: str) -> None:
        """What the document waits for, while its task waits to run again: the latest
        such event is what `ingest --wait` and the document's page say."""
        log.warning("document %s waits: %s", document_id, reason)
        with self.archive.catalog.session() as s:
            s.add(DocumentEvent(document_id=document_id, kind="waiting", detail=reason))

    def _store_derivatives(self, document_id: str, reading: PageReading) -> Digests:
        """Store the page's files; their SHA-256 as read back, for the catalog."""
        store = self.archive.store
        n = reading.number
        digests = Digests(
            preview=store.put_bytes(keys.page_preview(document_id, n), reading.preview_jpeg),
            text=store.put_bytes(keys.page_text(document_id, n), reading.text_json()),
        )
        if reading.page_pdf is not None:
            digests.pdf = store.put_bytes(keys.page_pdf(document_id, n), reading.page_pdf)
        return digests

    def _mark_done(self, document_id: str, done: list[tuple[PageReading, Digests]]) -> None:
        """One transaction for a whole unit: a 25-page batch is one commit, not 25."""
        if not done:
            return
        with self.archive.catalog.session() as s:
            for r, digests in done:
                s.execute(
                    update(Page)
                    .where(Page.document_id == document_id, Page.number == r.number)
                    .values(
                        state=PageState.DONE,
                        source=r.source,
                        text=r.text,
                        confidence=r.confidence,
                        rotation=r.rotation,
                        width=r.width,
                        height=r.height,
                        preview_key=keys.page_preview(document_id, r.number),
                        preview_sha256=digests.preview,
                        text_sha256=digests.text,
                        pdf_sha256=digests.pdf,
                        error=None,
                    )
                )
            s.execute(
                update(Document).where(Document.id == document_id).values(updated_at=utcnow())
            )

    def claim_finalisation(self, document_id: str) -> bool:
        """True for exactly one caller once every page is done and nothing has failed."""
        with self.archive.catalog.session() as s:
            doc = s.get(Document, document_id, with_for_update=True)
            if doc is None or doc.status != DocumentStatus.PROCESSING:
                return False
            if doc.finalize_requested_at is not None:
                return False
            done = s.scalar(
                select(func.count())
                .select_from(Page)
                .where(Page.document_id == document_id, Page.state == PageState.DONE)
            )
            if done != doc.page_count:
                return False
            doc.finalize_requested_at = utcnow()
            return True

    # -- the end ----------------------------------------------------------------------

    def finalize(self, document_id: str) -> None:
        """Searchable PDF, manifest, status archived and the index entry, in that order;
        then what reads the archived text (see _after_archiving).

        Run again on an archived document (a retry after the catalog went away midway, a
        message delivered twice), it only repeats the steps after archiving, which are
        idempotent: a blip there delays them instead of losing them.
        """
        with self.archive.catalog.session() as s:
            doc = s.get(Document, document_id)
            if doc is None:
                raise DocumentGone(document_id)
            status = doc.status
            pages = [(p.number, p.source) for p in doc.pages]
            original = readable(doc)[1]
        if status == DocumentStatus.PROCESSING:
            if not self._archive(document_id, original, pages):
                return
        elif status != DocumentStatus.ARCHIVED:
            return
        self._after_archiving(document_id)

    def _archive(
        self, document_id: str, original: str, pages: list[tuple[int, str | None]]
    ) -> bool:
        """Assemble the searchable PDF and mark the document archived; False if it failed."""
        store = self.archive.store
        assembled: dict[str, str] = {}  # the searchable PDF made here, with its SHA-256
        try:
            if all(src == PageSource.TEXT_LAYER for _, src in pages):
                searchable = original  # already searchable as it came
            else:
                searchable = keys.searchable_pdf(document_id)
                assembled[searchable] = self._assemble(document_id, original, pages, searchable)
        except StoreUnavailable as exc:
            self.note_waiting(document_id, str(exc))
            raise
        except Exception as exc:
            log.exception("assembling %s failed", document_id)
            self.fail(document_id, f"Не удалось собрать PDF с текстовым слоем: {exc}")
            return False
        with self.archive.catalog.session() as s:
            doc = s.get(Document, document_id, with_for_update=True)
            if doc is None:
                raise DocumentGone(document_id)
            if doc.status != DocumentStatus.PROCESSING:
                return doc.status == DocumentStatus.ARCHIVED  # a twin run got here first
            doc.status = DocumentStatus.ARCHIVED
            doc.archived_at = utcnow()
            doc.searchable_pdf_key = searchable
            doc.error = None
            s.add(DocumentEvent(document_id=document_id, kind="archived"))
            s.add(OutboxEntry(document_id=document_id, operation="index"))
            s.flush()
            events = list(
                s.scalars(
                    select(DocumentEvent)
                    .where(DocumentEvent.document_id == document_id)
                    .order_by(DocumentEvent.id)
                )
            )
            write_manifest(store, doc, events, assembled)
        return True

    def _after_archiving(self, document_id: str) -> None:
        """Proposals, filing from the cover sheet and the index write: each may run again.

        A catalog that went away is raised, so the task retries these steps; any other
        fault in the proposals is only logged, since they help the archivist and must
        never keep a document out of the index. An e-journal export files itself from
        its own headings instead (services/records/ejournal.py).
        """
        with self.archive.catalog.session() as s:
            doc = s.get(Document, document_id)
            journal = doc is not None and MediaType(doc.media_type).is_spreadsheet
        if journal:
            JournalService(self.archive).take_in(document_id)
            self.archive.dispatcher.relay_index()
            return
        try:
            ProposalService(self.archive).refresh(document_id)
        except TRANSIENT_ERRORS:
            raise
        except Exception:
            log.exception("metadata proposals for %s failed", document_id)
        FilingService(self.archive).file_from_cover(document_id)
        self.archive.dispatcher.relay_index()

    def _assemble(
        self, document_id: str, original: str, pages: list[tuple[int, str | None]], target_key: str
    ) -> str:
        """Store the searchable PDF under `target_key`; its SHA-256 as read back."""
        store = self.archive.store
        with tempfile.TemporaryDirectory(dir=self.archive.settings.tmp_dir) as tmp:
            tmpdir = Path(tmp)
            parts: list[tuple[Path, int]] = []
            original_local: Path | None = None
            for number, source in pages:
                if source == PageSource.TEXT_LAYER:
                    if original_local is None:
                        original_local = tmpdir / "original.pdf"
                        with store.open(original) as src, original_local.open("wb") as out:
                            while chunk := src.read(1024 * 1024):
                                out.write(chunk)
                    parts.append((original_local, number))
                else:
                    local = tmpdir / f"{number:04d}.pdf"
                    local.write_bytes(store.get_bytes(keys.page_pdf(document_id, number)))
                    parts.append((local, 1))
            merged = tmpdir / "searchable.pdf"
            assemble(merged, parts)
            return store.put_file(target_key, merged)

    def fail(self, document_id: str, reason: str, page: int | None = None) -> None:
        with self.archive.catalog.session() as s:
            doc = s.get(Document, document_id)
            if doc is None:
                return
            if page is not None:
                s.execute(
                    update(Page)
                    .where(Page.document_id == document_id, Page.number == page)
                    .values(state=PageState.FAILED, error=reason)
                )
            if doc.status != DocumentStatus.FAILED:
                doc.status = DocumentStatus.FAILED
                doc.error = reason
                s.add(DocumentEvent(document_id=document_id, kind="failed", detail=reason))

    def retry(self, document_id: str) -> bool:
        """Put a failed document back in the queue; pages already read are kept.

        Under the document's row lock: of two retries at once (two people pressing the
        button), one queues the document and the other finds it queued already.
        """
        with self.archive.catalog.session() as s:
            doc = s.get(Document, document_id, with_for_update=True)
            if doc is None or doc.status != DocumentStatus.FAILED:
                return False
            doc.status = DocumentStatus.QUEUED
            doc.error = None
            doc.finalize_requested_at = None
            s.execute(
                update(Page)
                .where(Page.document_id == document_id, Page.state == PageState.FAILED)
                .values(state=PageState.PENDING, error=None)
            )
            s.add(DocumentEvent(document_id=document_id, kind="retry"))
        self.archive.dispatcher.process_document(document_id)
        return True

    def requeue_stalled(self, untouched_for: timedelta) -> list[str]:
        """Queue again the documents queued or in processing that nothing has touched for
        that long (a page read moves `updated_at`): their message was lost. Each is
        touched as it is queued, so the next look does not queue it twice."""
        since = utcnow() - untouched_for
        with self.archive.catalog.session() as s:
            ids = list(s.scalars(_unfinished().where(Document.updated_at < since)))
            if ids:
                s.execute(update(Document).where(Document.id.in_(ids)).values(updated_at=utcnow()))
        for document_id in ids:
            log.warning("re-queueing stalled document %s", document_id)
            self.archive.dispatcher.process_document(document_id)
        return ids

    def unfinished(self, created_before: datetime | None = None) -> list[str]:
        """Documents left queued or processing, e.g. by a worker that was killed; only
        those created before `created_before` if given."""
        query = _unfinished()
        if created_before is not None:
            query = query.where(Document.created_at < created_before)
        with self.archive.catalog.session() as s:
            return list(s.scalars(query))


def _unfinished() -> Select[str]:
    """Documents queued or in processing, oldest first."""
    return (
        select(Document.id)
        .where(Document.status.in_([DocumentStatus.QUEUED, DocumentStatus.PROCESSING]))
        .order_by(Document.created_at)
    )
