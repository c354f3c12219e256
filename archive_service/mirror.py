"""The catalog mirrored into the object store, so that storage alone can rebuild it.

The catalog is the system of record, but a lost database must not lose the archive:
every row an archive is made of is written to the store as well, beside the files it
describes, by the transaction that changed it.

- A document's row, its pages, pupils, events, proposals and e-journal marks go into
  its manifest.json (the `record` section), with the pupils' names and birth dates, its
  case and its nomenclature item and version spelled out for a reader without the
  catalog. A destroyed document's stub, whose folder is gone, is `catalog/documents/`.
- Schools, nomenclature versions with their items, pupils with their classes and events,
  cases, holds, disposal acts with their cases and subjects, and transfers are one JSON
  object each under `catalog/<table>/<id>.json`.

Accounts, sessions and the audit log are not mirrored: they come back from a backup
(`archive backup`), and a rebuild from storage alone says so.

The rows are read inside the transaction, after its last flush, and written once it has
committed: a rolled-back change never reaches the store. A write the store refuses then
(a server gone for a moment) is logged and left to the next change or to
`write_all`, which `archive rebuild --to-storage` and an archive's first worker run.
Page rows are followed only once their document is final: the pipeline changes them a
page at a time, and writes the whole manifest itself when it finishes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from archive_service.catalog import (
    Case,
    DisposalAct,
    DisposalActCase,
    DisposalActSubject,
    Document,
    DocumentEvent,
    DocumentPupil,
    Hold,
    JournalMark,
    MetadataProposal,
    Nomenclature,
    NomenclatureItem,
    Page,
    Pupil,
    PupilClass,
    PupilEvent,
    PupilTransfer,
    School,
)
from archive_service.catalog.models import Base
from archive_service.catalog.rows import to_json
from archive_service.domain import DocumentStatus
from archive_service.storage import ObjectStore, keys
from archive_service.storage.port import ObjectNotFound, StorageError

PREFIX = "catalog/"
ROW_FORMAT = "school-archive/catalog-row@1"
MANIFEST_FORMAT = "school-archive/manifest@1"
DOCUMENTS = "documents"
PAGES = "pages"  # a page changed: its document's record, once the document is final

# session.info keys: what changed in this transaction, what its commit writes, and the
# documents whose whole manifest the transaction wrote itself.
_CHANGED = "mirror.changed"
_PAYLOADS = "mirror.payloads"
_MANIFESTS = "mirror.manifests_written"
_OFF = "mirror.off"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MirrorPass:
    checked: int  # rows and documents compared with their mirror
    written: int  # of them, written because the store's copy differed or was missing


@dataclass(frozen=True)
class Aggregate:
    """A row and the rows that belong to it (found by `column` naming the row's id)."""

    name: str
    root: type[Base]
    children: tuple[tuple[type[Base], str], ...] = ()


# In the order a rebuild inserts them: each refers only to those before it.
AGGREGATES: tuple[Aggregate, ...] = (
    Aggregate("schools", School),
    Aggregate("nomenclatures", Nomenclature, ((NomenclatureItem, "nomenclature_id"),)),
    Aggregate("pupils", Pupil, ((PupilClass, "pupil_id"), (PupilEvent, "pupil_id"))),
    Aggregate("cases", Case),
    Aggregate(
        "disposal_acts",
        DisposalAct,
        ((DisposalActCase, "act_id"), (DisposalActSubject, "act_id")),
    ),
    Aggregate("holds", Hold),
    Aggregate("pupil_transfers", PupilTransfer),
)
# A document's own rows besides its pages.
DOCUMENT_CHILDREN: tuple[type[Base], ...] = (
    DocumentPupil,
    DocumentEvent,
    MetadataProposal,
    JournalMark,
)

_ROOTS = {a.root: a for a in AGGREGATES}
_CHILDREN = {child: (a, column) for a in AGGREGATES for child, column in a.children}


def row_key(aggregate: str, row_id: object) -> str:
    return f"{PREFIX}{aggregate}/{row_id}.json"


def _changed_root(obj: object) -> tuple[str, Any] | None:
    """Which mirrored object a changed row belongs to: (aggregate, id)."""
    kind = type(obj)
    if kind is Document:
        return DOCUMENTS, obj.id  # type: ignore[attr-defined]
    if kind is Page:
        return PAGES, obj.document_id  # type: ignore[attr-defined]
    if kind in DOCUMENT_CHILDREN:
        return DOCUMENTS, obj.document_id  # type: ignore[attr-defined]
    if kind in _ROOTS:
        return _ROOTS[kind].name, obj.id  # type: ignore[attr-defined]
    if kind in _CHILDREN:
        aggregate, column = _CHILDREN[kind]
        return aggregate.name, getattr(obj, column)
    return None


def aggregate_payload(s: Session, aggregate: Aggregate, row_id: Any) -> dict[str, Any] | None:
    """The mirrored object of one aggregate row; None once the row is gone."""
    row = s.get(aggregate.root, row_id)
    if row is None:
        return None
    children = {
        child.__tablename__: [
            to_json(c) for c in s.scalars(select(child).where(getattr(child, column) == row_id))
        ]
        for child, column in aggregate.children
    }
    return {"format": ROW_FORMAT, "table": aggregate.name, "row": to_json(row), **children}


def document_record(s: Session, doc: Document) -> dict[str, Any]:
    """Everything the catalog holds of a document: its rows as they are, and, for a
    reader without the catalog, its pupils, case and nomenclature item by name."""
    record: dict[str, Any] = {
        "document": to_json(doc),
        "pages": [to_json(p, without=("text",)) for p in doc.pages],
    }
    for child in DOCUMENT_CHILDREN:
        query = select(child).where(child.document_id == doc.id)  # type: ignore[attr-defined]
        record[child.__tablename__] = [to_json(c) for c in s.scalars(query)]
    pupil_ids = [link["pupil_id"] for link in record["document_pupils"]]
    pupils: Iterable[Pupil] = (
        s.scalars(select(Pupil).where(Pupil.id.in_(pupil_ids))) if pupil_ids else ()
    )
    record["pupils"] = [
        {
            "id": p.id,
            "name": p.full_name,
            "birth_date": p.birth_date.isoformat() if p.birth_date else None,
        }
        for p in pupils
    ]
    case = s.get(Case, doc.case_id) if doc.case_id else None
    record["case"] = (
        None
        if case is None
        else {"id": case.id, "title": case.title, "period": case.period, "volume": case.volume}
    )
    item = s.get(NomenclatureItem, doc.nomenclature_item_id) if doc.nomenclature_item_id else None
    record["nomenclature_item"] = (
        None
        if item is None
        else {
            "id": item.id,
            "index": item.index,
            "title": item.title,
            "nomenclature_id": item.nomenclature_id,
            "year": item.nomenclature.year,
            "version": item.nomenclature.version,
        }
    )
    return record


def _is_final(s: Session, document_id: str) -> bool:
    status = s.scalar(select(Document.status).where(Document.id == document_id))
    return status is not None and DocumentStatus(status).is_final


def manifest_written(s: Session, document_id: str) -> None:
    """The transaction wrote the document's whole manifest itself (the pipeline's last
    step): its commit need not write the record again."""
    s.info.setdefault(_MANIFESTS, set()).add(document_id)


def pause(s: Session) -> None:
    """Nothing this session changes is mirrored (a rebuild writing back what it read)."""
    s.info[_OFF] = True


class CatalogMirror:
    """Installed on the catalog's sessions by Archive.open."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store

    def install(self, sessions: sessionmaker[Session]) -> None:
        event.listen(sessions, "after_flush", self._note)
        event.listen(sessions, "before_commit", self._read)
        event.listen(sessions, "after_commit", self._write)
        event.listen(sessions, "after_rollback", self._forget)

    # --- the session's events

    def _note(self, s: Session, _context: object) -> None:
        if s.info.get(_OFF):
            return
        changed = s.info.setdefault(_CHANGED, set())
        for obj in (*s.new, *s.dirty, *s.deleted):
            root = _changed_root(obj)
            if root is not None and root[1] is not None:
                changed.add(root)

    def _read(self, s: Session) -> None:
        if s.info.get(_OFF):
            return
        s.flush()  # what is still only in the objects, noted by _note
        if not s.info.get(_CHANGED):
            return
        changed: set[tuple[str, Any]] = s.info.pop(_CHANGED, set())
        written: set[str] = s.info.pop(_MANIFESTS, set())
        payloads = s.info.setdefault(_PAYLOADS, [])
        for name, row_id in sorted(changed, key=lambda c: (c[0], str(c[1]))):
            if name == PAGES:
                if (DOCUMENTS, row_id) in changed or not _is_final(s, row_id):
                    continue
                name = DOCUMENTS
            if name == DOCUMENTS and row_id in written:
                continue
            payloads.append(self._payload(s, name, row_id))

    def _write(self, s: Session) -> None:
        payloads = s.info.pop(_PAYLOADS, [])
        s.info.pop(_MANIFESTS, None)
        for kind, key, body in payloads:
            try:
                self._store(kind, key, body, compare=False)
            except StorageError:
                log.exception("the mirror of %s was not written", key)

    def _forget(self, s: Session) -> None:
        for name in (_CHANGED, _PAYLOADS, _MANIFESTS):
            s.info.pop(name, None)

    # --- writing

    def _store(
        self, kind: str, key: str, body: dict[str, Any] | None, compare: bool = True
    ) -> bool:
        """Write one mirrored object; False when the store already held it. A commit's
        own rows changed (`compare=False`): reading each back first would double the
        store's calls on every change for nothing; the daily pass compares."""
        if kind == "row":
            return self._put(key, body if body is not None else _TOMBSTONE, compare)
        if kind == "manifest" and body is not None:
            return self._merge_record(key, body)
        return False

    def _put(self, key: str, body: dict[str, Any], compare: bool = True) -> bool:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        if not compare:
            self.store.put_bytes(key, data)
            return True
        return self._replace(key, data)

    def _replace(self, key: str, data: bytes, old: bytes | None = None) -> bool:
        """Write unless the store holds these very bytes: a bucket under object lock
        keeps every version, and a daily pass must not add one per unchanged row."""
        if old is None:
            try:
                old = self.store.get_bytes(key)
            except ObjectNotFound:
                old = None
        if old == data:
            return False
        self.store.put_bytes(key, data)
        return True

    def _merge_record(self, key: str, record: dict[str, Any]) -> bool:
        """The manifest with this record: its list of files, written by the pipeline,
        kept as it is (reading every file back again is the pipeline's cost, once)."""
        try:
            old: bytes | None = self.store.get_bytes(key)
            manifest = json.loads(old or b"")
        except ObjectNotFound:
            old = None
            doc = record["document"]
            manifest = {"format": MANIFEST_FORMAT, "id": doc["id"], "files": {}}
        manifest["status"] = record["document"]["status"]
        manifest["title"] = record["document"]["title"]
        manifest["record"] = record
        body = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
        return self._replace(key, body, old)

    def write_all(self, sessions: sessionmaker[Session], batch: int = 100) -> MirrorPass:
        """Bring every mirrored object up to the catalog: an archive made before the
        mirror, or a write the store refused while it was away. Unchanged objects are
        only read, so the daily pass (workers.tasks.mirror_catalog) costs reads.

        A short transaction per batch: on SQLite each one holds the write lock, which
        the web and the workers go on needing meanwhile."""
        with sessions() as s:
            work: list[tuple[str, Any]] = [
                (a.name, row_id)
                for a in AGGREGATES
                for row_id in s.scalars(select(a.root.id))  # type: ignore[attr-defined]
            ]
            work += [(DOCUMENTS, doc_id) for doc_id in s.scalars(select(Document.id))]
        written = 0
        for start in range(0, len(work), batch):
            with sessions() as s, s.begin():
                payloads = [
                    self._payload(s, n, row_id) for n, row_id in work[start : start + batch]
                ]
            written += sum(1 for payload in payloads if self._store(*payload))
        return MirrorPass(checked=len(work), written=written)

    def _payload(self, s: Session, name: str, row_id: Any) -> tuple[str, str, Any]:
        """What one changed row's mirror becomes: ("row" or "manifest", key, body)."""
        if name != DOCUMENTS:
            aggregate = next(a for a in AGGREGATES if a.name == name)
            return "row", row_key(name, row_id), aggregate_payload(s, aggregate, row_id)
        doc = s.get(Document, row_id)
        if doc is None:
            return "skip", "", None
        record = document_record(s, doc)
        if doc.status == DocumentStatus.DESTROYED:  # its folder is gone, or going
            return "row", row_key(DOCUMENTS, row_id), record | _STUB
        return "manifest", keys.manifest(row_id), record


_TOMBSTONE: dict[str, Any] = {"format": ROW_FORMAT, "deleted": True}
_STUB: dict[str, Any] = {"format": ROW_FORMAT, "table": DOCUMENTS}


def mirrored_rows(store: ObjectStore) -> Iterable[tuple[str, dict[str, Any]]]:
    """Every mirrored row object in the store as (aggregate, body), tombstones left out."""
    for key in store.list(PREFIX):
        name = key[len(PREFIX) :].split("/", 1)[0]
        body = json.loads(store.get_bytes(key))
        if body.get("deleted"):
            continue
        yield name, body
