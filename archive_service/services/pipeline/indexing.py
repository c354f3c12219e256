"""Relaying the index outbox: the only way the search index is written.

Entries carry document ids only; the relay reloads the document from the catalog, so an
entry written long ago still indexes the newest state. An entry is removed only after the
index accepted the write, so an index outage delays search but never loses an update.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from archive_service.archive import Archive
from archive_service.catalog import (
    CatalogBusy,
    Document,
    DocumentPupil,
    NomenclatureItem,
    OutboxEntry,
    Page,
    Pupil,
)
from archive_service.domain import DocumentStatus
from search import IndexedDocument, IndexedPage, SearchUnavailable

log = logging.getLogger(__name__)

BATCH = 50
REBUILD_LOCK = "search-index-rebuild"
RELAY_LOCK = "search-index-relay"


class RebuildRunning(Exception):
    """Another process is rebuilding the search index right now."""


@dataclass(frozen=True)
class RelayReport:
    indexed: int
    deleted: int
    failed: int


class IndexingService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def relay(self) -> RelayReport:
        """Write what the outbox asks for, in order, one relay at a time.

        Every archived or filed document asks for a relay, so several run at once on a
        busy worker. Side by side, one that read a document just before the archivist
        refiled it could write that older filing after another had written the newer:
        the index would keep the old one. Taking turns, each reads the document when
        its turn comes; the later ones mostly find the outbox already empty.
        """
        with self.archive.catalog.exclusive(RELAY_LOCK, wait=True):
            return self._relay()

    def _relay(self) -> RelayReport:
        indexed = deleted = failed = 0
        while True:
            with self.archive.catalog.session() as s:
                entries = list(
                    s.scalars(
                        select(OutboxEntry)
                        .order_by(OutboxEntry.id)
                        .where(OutboxEntry.attempts < 20)
                        .limit(BATCH)
                    )
                )
            if not entries:
                break
            written: list[int] = []
            away = False
            for entry in entries:
                try:
                    if self._apply(entry.document_id):
                        indexed += 1
                    else:
                        deleted += 1
                except SearchUnavailable as exc:
                    # The engine is away, not refusing this document: its attempts are
                    # not spent (an outage of an hour must not use up all twenty), and
                    # the rest wait with it for the next relay.
                    failed += 1
                    log.warning("index write for %s waits: %s", entry.document_id, exc)
                    self._note_refusal(entry.id, str(exc), spend=False)
                    self._note_silence(str(exc))
                    away = True
                    break
                except Exception as exc:
                    failed += 1
                    log.exception("index write for %s failed", entry.document_id)
                    self._note_refusal(entry.id, str(exc), spend=True)
                    continue
                written.append(entry.id)
            if not self._publish(written) or away or not written:
                break
        return RelayReport(indexed, deleted, failed)

    def _publish(self, written: list[int]) -> bool:
        """Make a batch's writes visible to searches at once, then drop their entries.

        An entry goes only when search finds what it asked for, so `ingest --wait` never
        returns before. If the engine went away meanwhile the entries stay (False), and
        the next relay writes them again: a write replaces, so twice is as once."""
        if not written:
            return True
        try:
            self.archive.index.publish()
        except SearchUnavailable as exc:
            log.warning("%d index writes wait to be published: %s", len(written), exc)
            self._note_silence(str(exc))
            return False
        with self.archive.catalog.session() as s:
            s.execute(delete(OutboxEntry).where(OutboxEntry.id.in_(written)))
        return True

    def _note_refusal(self, entry_id: int, error: str, spend: bool) -> None:
        with self.archive.catalog.session() as s:
            s.execute(
                update(OutboxEntry)
                .where(OutboxEntry.id == entry_id)
                .values(
                    attempts=OutboxEntry.attempts + (1 if spend else 0),
                    last_error=error[:2000],
                )
            )

    def _note_silence(self, error: str) -> None:
        """Every write not tried yet waits for the same engine: say so on each, so that
        `ingest --wait` tells what it waits for rather than wait for a first try."""
        with self.archive.catalog.session() as s:
            s.execute(
                update(OutboxEntry)
                .where(OutboxEntry.attempts == 0, OutboxEntry.last_error.is_(None))
                .values(last_error=error[:2000])
            )

    def _apply(self, document_id: str) -> bool:
        """Index the document as the catalog has it now; True if indexed, False if removed."""
        entry = self._load(document_id)
        if entry is None:
            self.archive.index.delete_document(document_id, publish=False)
            return False
        self.archive.index.index_document(entry, publish=False)
        return True

    def _archived_documents(self) -> Iterator[IndexedDocument]:
        """Every archived document, listed only once the index starts taking them: after
        the SQLite index cleared itself, after Elasticsearch's write alias moved to the
        new index. A document archived and relayed before that point is in the list;
        one archived after it is written by its own relay into the index being built.
        Listed up front instead, a document archived between the listing and that point
        was in neither."""
        with self.archive.catalog.session() as s:
            ids = list(
                s.scalars(select(Document.id).where(Document.status == DocumentStatus.ARCHIVED))
            )
        for document_id in ids:
            document = self._load(document_id)
            if document is not None:
                yield document

    def _load(self, document_id: str) -> IndexedDocument | None:
        """The document as the index should hold it; None unless it is archived."""
        with self.archive.catalog.session() as s:
            doc = s.get(Document, document_id)
            if doc is None or doc.status != DocumentStatus.ARCHIVED:
                return None
            pages = [  # two columns, not whole Page objects: a long export has hundreds
                IndexedPage(number, text)
                for number, text in s.execute(
                    select(Page.number, Page.text)
                    .where(Page.document_id == document_id)
                    .order_by(Page.number)
                )
            ]
            return IndexedDocument(
                id=doc.id,
                filename=doc.filename,
                title=doc.title,
                pages=pages,
                facets=self._facets(s, doc),
                heading=self._heading(s, doc),
            )

    @staticmethod
    def _heading(s: Session, doc: Document) -> str:
        """What names the document as a whole (search.port.IndexedDocument.heading): its
        title, its file name without the extension, and the full names of the pupils it
        is filed under."""
        pupils = s.execute(
            select(Pupil.surname, Pupil.name, Pupil.patronymic)
            .join(DocumentPupil, DocumentPupil.pupil_id == Pupil.id)
            .where(DocumentPupil.document_id == doc.id)
            .order_by(Pupil.surname, Pupil.name)
        )
        names = [" ".join(part for part in row if part) for row in pupils]
        return "\n".join([doc.title, PurePath(doc.filename).stem, *names])

    @staticmethod
    def _facets(s: Session, doc: Document) -> dict[str, list[str]]:
        """The document's filing as search facets (search.port.FACETS)."""
        facets: dict[str, list[str]] = {"access": ["health" if doc.health_data else "general"]}
        if doc.school_id is not None:
            facets["school"] = [str(doc.school_id)]
        if doc.nomenclature_item_id is not None:
            item = s.get(NomenclatureItem, doc.nomenclature_item_id)
            if item is not None:
                facets["kind"] = [item.index]
        if doc.case_id is not None:
            facets["case"] = [str(doc.case_id)]
        if doc.school_year:
            facets["year"] = [doc.school_year]
        if doc.class_label:
            facets["class"] = [doc.class_label]
        pupils = list(
            s.scalars(select(DocumentPupil.pupil_id).where(DocumentPupil.document_id == doc.id))
        )
        if pupils:
            facets["pupil"] = sorted(pupils)
        return facets

    def pending_for(self, document_ids: list[str]) -> dict[str, str | None]:
        """Documents with an index write still pending: the index's last refusal (or
        the engine's silence), or None while no write has been tried yet."""
        with self.archive.catalog.session() as s:
            rows = s.execute(
                select(OutboxEntry.document_id, OutboxEntry.attempts, OutboxEntry.last_error)
                .where(OutboxEntry.document_id.in_(document_ids))
                .order_by(OutboxEntry.id)
            )
            pending: dict[str, str | None] = {}
            for document_id, attempts, last_error in rows:
                if (attempts == 0 and not last_error) or pending.get(document_id, "") is None:
                    pending[document_id] = None
                else:
                    pending[document_id] = last_error or "без объяснения"
            return pending

    def emptied(self) -> int:
        """How many archived documents an empty index is missing: 0 when the index holds
        any document, or the catalog none.

        An empty index beside an archive is what a release that changes the stems
        leaves on the embedded default (the SQLite index drops a layout older than the
        code's on open), or a search file deleted by hand: every search would find
        nothing until someone thought of `archive reindex`, so `archive serve` rebuilds
        it when this is not 0."""
        if not self.archive.index.is_empty():
            return 0
        with self.archive.catalog.session() as s:
            archived = s.scalar(
                select(func.count())
                .select_from(Document)
                .where(Document.status == DocumentStatus.ARCHIVED)
            )
        return int(archived or 0)

    def stale(self) -> str | None:
        """Why the index must be built again before the first search, in the user's
        words, or None: it is empty beside archived documents (`emptied`), or an older
        release built it without a field this one filters on (on Elasticsearch, the
        school: a school's people would not find their pages of before the update)."""
        archived = self.emptied()
        if archived:
            return (
                f"Поисковый индекс пуст, а в архиве документов: {archived} (индекс сброшен "
                "после обновления программы или удалён)"
            )
        outdated = self.archive.index.outdated()
        if outdated is not None:
            return f"Поисковый индекс устарел: {outdated}"
        return None

    def rebuild(self) -> int:
        """Build the index anew from the catalog (it is derived data); each adapter
        decides how to keep searches answering meanwhile.

        One rebuild at a time for the whole archive: two at once on Elasticsearch would
        interleave their alias swaps and could leave live writes going to one new index
        while searches read the other. The second is refused at once and says why.
        """
        try:
            with self.archive.catalog.exclusive(REBUILD_LOCK):
                return self.archive.index.rebuild(self._archived_documents())
        except CatalogBusy:
            raise RebuildRunning(
                "Поисковый индекс уже перестраивается в другом процессе; дождитесь его окончания"
            ) from None
