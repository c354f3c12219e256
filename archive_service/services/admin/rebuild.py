"""The catalog rebuilt from storage alone, after the database and the index are lost.

What the store holds (archive_service.mirror): each document's manifest with its
catalog record, and one object per school, nomenclature version, pupil, case, hold,
disposal act and transfer. A rebuild reads them into an empty catalog with the ids they
had, so that every paper that names an id (an act, a register, a link) still means the
same row, and then builds the search index from the catalog, as `archive reindex` does.

Accounts, sessions and the audit log are not in the store: they come from a backup.

What cannot be put back whole is said, never guessed: a document whose case or pupil is
not in the store comes back without that link; a manifest written before the mirror
(no `record`) gives the document and its pages but no filing; an original with no
manifest at all is named, for `archive ingest` to take it in again.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from archive_service.archive import Archive
from archive_service.catalog import Document, DocumentPupil, Page, Pupil, School
from archive_service.catalog.models import Base
from archive_service.catalog.rows import from_json
from archive_service.domain import DocumentStatus
from archive_service.mirror import (
    AGGREGATES,
    DOCUMENT_CHILDREN,
    DOCUMENTS,
    mirrored_rows,
    pause,
)
from archive_service.services.pipeline.indexing import IndexingService
from archive_service.storage import keys
from archive_service.storage.port import ObjectNotFound

BATCH = 200  # documents a transaction: a short hold of SQLite's write lock each

Progress = Callable[[int, int], None]


class RebuildError(Exception):
    """The rebuild cannot start (the catalog is not empty); nothing was written."""


@dataclass
class RebuildReport:
    """What came back; the CLI prints it as JSON."""

    schools: int = 0
    nomenclatures: int = 0
    pupils: int = 0
    cases: int = 0
    documents: int = 0
    pages: int = 0
    destroyed: int = 0  # stubs of documents destroyed under an act
    unfinished: int = 0  # queued or in processing when lost: the worker takes them again
    indexed: int = 0
    seconds: float = 0.0
    without_record: list[str] = field(default_factory=list)  # manifests older than the mirror
    orphans: list[str] = field(default_factory=list)  # an original with no manifest
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class StorageRebuild:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def run(self, progress: Progress | None = None) -> RebuildReport:
        started = time.monotonic()
        self._refuse_unless_empty()
        report = RebuildReport()
        rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for name, body in mirrored_rows(self.archive.store):
            rows[name].append(body)
        known = self._aggregates(rows, report)
        manifests, orphans = self._document_folders()
        report.orphans = orphans
        stubs = rows.get(DOCUMENTS, [])
        total = len(manifests) + len(stubs)
        done = 0
        for start in range(0, len(manifests), BATCH):
            batch = manifests[start : start + BATCH]
            with self.archive.catalog.session() as s:
                pause(s)
                for doc_id in batch:
                    self._document(s, doc_id, known, report)
            done += len(batch)
            if progress is not None:
                progress(done, total)
        with self.archive.catalog.session() as s:
            pause(s)
            for stub in stubs:
                self._insert_document(s, stub, known, report)
                report.destroyed += 1
        if progress is not None and stubs:
            progress(total, total)
        self._reset_sequences()
        report.indexed = IndexingService(self.archive).rebuild()
        report.seconds = round(time.monotonic() - started, 2)
        return report

    def _refuse_unless_empty(self) -> None:
        with self.archive.catalog.session() as s:
            held = {
                "организаций": s.scalar(select(func.count()).select_from(School)),
                "документов": s.scalar(select(func.count()).select_from(Document)),
                "обучающихся": s.scalar(select(func.count()).select_from(Pupil)),
            }
        found = [f"{what}: {n}" for what, n in held.items() if n]
        if found:
            raise RebuildError(
                "Каталог не пуст (" + ", ".join(found) + "): восстановление из хранилища "
                "идёт только в пустой каталог; укажите новую базу (--data-dir или "
                "ARCHIVE_DATABASE_URL)"
            )

    def _aggregates(
        self, rows: dict[str, list[dict[str, Any]]], report: RebuildReport
    ) -> dict[str, set[Any]]:
        """Schools, nomenclatures, pupils, cases, acts, holds and transfers, in one
        transaction; returns the ids now in the catalog by table, for the documents."""
        known: dict[str, set[Any]] = defaultdict(set)
        with self.archive.catalog.session() as s:
            pause(s)
            merged: dict[int, int] = {}
            for aggregate in AGGREGATES:
                for body in sorted(rows.get(aggregate.name, []), key=lambda b: str(b["row"]["id"])):
                    row = dict(body["row"])
                    if aggregate.root is School and row.get("merged_into_id"):
                        merged[row["id"]] = row.pop("merged_into_id")
                    missing = _missing_refs(aggregate.root, row, known)
                    if missing:
                        report.problems.append(
                            f"{aggregate.name} {row['id']}: нет в хранилище {missing}; "
                            "не восстановлено"
                        )
                        continue
                    s.add(from_json(aggregate.root, row))
                    for child, _column in aggregate.children:
                        for child_row in body.get(child.__tablename__, []):
                            s.add(from_json(child, child_row))
                            known[child.__tablename__].add(child_row.get("id"))
                    known[aggregate.root.__tablename__].add(row["id"])
                s.flush()
            for school_id, into in merged.items():
                school = s.get(School, school_id)
                if school is not None and into in known["schools"]:
                    school.merged_into_id = into
        report.schools = len(known["schools"])
        report.nomenclatures = len(known["nomenclatures"])
        report.pupils = len(known["pupils"])
        report.cases = len(known["cases"])
        return known

    def _document_folders(self) -> tuple[list[str], list[str]]:
        """The documents with a manifest, and those with files but none."""
        folders: dict[str, set[str]] = defaultdict(set)
        for key in self.archive.store.list("documents/"):
            parts = key.split("/")
            if len(parts) >= 3:
                folders[parts[1]].add("/".join(parts[2:]))
        with_manifest = sorted(d for d, names in folders.items() if "manifest.json" in names)
        orphans = sorted(d for d, names in folders.items() if "manifest.json" not in names)
        return with_manifest, orphans

    def _document(
        self, s: Session, doc_id: str, known: dict[str, set[Any]], report: RebuildReport
    ) -> None:
        store = self.archive.store
        try:
            manifest = json.loads(store.get_bytes(keys.manifest(doc_id)))
        except (ObjectNotFound, ValueError) as exc:
            report.problems.append(f"{doc_id}: опись manifest.json не читается ({exc})")
            return
        record = manifest.get("record") or _record_of_old_manifest(manifest, known)
        if "record" not in manifest:
            report.without_record.append(doc_id)
        if record is None:
            report.problems.append(f"{doc_id}: в описи нет сведений о документе")
            return
        doc = self._insert_document(s, record, known, report)
        if doc is None:
            return
        for page_row in record.get("pages", []):
            page = from_json(Page, page_row)
            page.text = self._page_text(doc_id, page.number)
            s.add(page)
            report.pages += 1
        report.documents += 1
        if not DocumentStatus(doc.status).is_final:
            report.unfinished += 1

    def _insert_document(
        self,
        s: Session,
        record: dict[str, Any],
        known: dict[str, set[Any]],
        report: RebuildReport,
    ) -> Document | None:
        row = dict(record["document"])
        for column, table in (
            ("case_id", "cases"),
            ("nomenclature_item_id", "nomenclature_items"),
            ("act_id", "disposal_acts"),
            ("school_id", "schools"),
        ):
            if row.get(column) is not None and row[column] not in known[table]:
                report.problems.append(
                    f"{row['id']}: {table} {row[column]} нет в хранилище; документ без этой связи"
                )
                row[column] = None
        doc = from_json(Document, row)
        s.add(doc)
        s.flush()
        for child in DOCUMENT_CHILDREN:
            for child_row in record.get(child.__tablename__, []):
                if child_row.get("pupil_id") and child_row["pupil_id"] not in known["pupils"]:
                    if child is DocumentPupil:  # the link is all it is
                        report.problems.append(
                            f"{row['id']}: обучающегося {child_row['pupil_id']} нет в хранилище"
                        )
                        continue
                    child_row = child_row | {"pupil_id": None}  # a mark keeps the name
                s.add(from_json(child, child_row))
        return doc

    def _page_text(self, doc_id: str, number: int) -> str:
        try:
            stored = json.loads(self.archive.store.get_bytes(keys.page_text(doc_id, number)))
        except (ObjectNotFound, ValueError):
            return ""
        return str(stored.get("text", ""))

    def _reset_sequences(self) -> None:
        """PostgreSQL hands out ids from sequences that rows with given ids did not move."""
        engine = self.archive.catalog.engine
        if engine.dialect.name != "postgresql":
            return
        tables = [a.root for a in AGGREGATES] + [c for a in AGGREGATES for c, _ in a.children]
        tables += [Page, *DOCUMENT_CHILDREN]
        with engine.begin() as conn:
            for model in tables:
                columns = inspect(model).primary_key
                if len(columns) != 1 or columns[0].name != "id" or not _integer(columns[0]):
                    continue
                name = model.__tablename__
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {name}), 1), "
                        f"(SELECT MAX(id) FROM {name}) IS NOT NULL)"
                    )
                )


def _integer(column: Any) -> bool:
    try:
        return column.type.python_type is int
    except NotImplementedError:
        return False


# The references of each mirrored table that must already be in the catalog.
_REFS: dict[str, tuple[tuple[str, str], ...]] = {
    "nomenclatures": (("school_id", "schools"),),
    "pupils": (("school_id", "schools"),),
    "cases": (("item_id", "nomenclature_items"), ("pupil_id", "pupils")),
    "disposal_acts": (("school_id", "schools"),),
    "holds": (("school_id", "schools"), ("case_id", "cases"), ("pupil_id", "pupils")),
    "pupil_transfers": (("school_id", "schools"), ("pupil_id", "pupils")),
}


def _missing_refs(model: type[Base], row: dict[str, Any], known: dict[str, set[Any]]) -> str:
    missing = [
        f"{table} {row[column]}"
        for column, table in _REFS.get(model.__tablename__, ())
        if row.get(column) is not None and row[column] not in known[table]
    ]
    return ", ".join(missing)


def _record_of_old_manifest(
    manifest: dict[str, Any], known: dict[str, set[Any]]
) -> dict[str, Any] | None:
    """A manifest written before the mirror: the document and its pages, no filing."""
    if "sha256" not in manifest:
        return None
    school = min(known["schools"]) if known["schools"] else None
    return {
        "document": {
            "id": manifest["id"],
            "filename": manifest["filename"],
            "title": manifest["title"],
            "media_type": manifest["media_type"],
            "size": manifest["size"],
            "sha256": manifest["sha256"],
            "storage_key": manifest["original"],
            "searchable_pdf_key": manifest.get("searchable_pdf"),
            "status": manifest["status"],
            "page_count": manifest["page_count"],
            "created_at": manifest["created_at"],
            "archived_at": manifest.get("archived_at"),
            "school_id": school,
        },
        "pages": [dict(p, document_id=manifest["id"]) for p in manifest.get("pages", [])],
    }
