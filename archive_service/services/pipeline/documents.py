"""Reading the catalog for people: one document with its pages, lists with progress."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVarTuple

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from archive_service.access import Policy
from archive_service.archive import Archive
from archive_service.catalog import (
    Case,
    Document,
    DocumentEvent,
    DocumentPupil,
    MetadataProposal,
    NomenclatureItem,
    Page,
    Pupil,
)
from archive_service.catalog.models import utcnow
from archive_service.domain import STATUS_LABELS_RU, DocumentStatus, PageState

_Columns = TypeVarTuple("_Columns")

WAIT_NOTE_FRESH = timedelta(seconds=90)  # a retry comes back within a minute


@dataclass(frozen=True)
class FilingLine:
    """A filed document's particulars as a search hit shows them under its title."""

    class_label: str | None
    school_year: str | None
    document_date: str | None  # as Russians write it: 04.12.2024
    pupils: list[str]

    @property
    def text(self) -> str:
        """One line, as both the search page and `archive search` print it."""
        parts = [
            self.class_label and f"{self.class_label} класс",
            self.school_year and f"{self.school_year} уч. год",
            self.document_date,
            ", ".join(self.pupils),
        ]
        return " · ".join(part for part in parts if part)


class Damaged(Exception):
    """A stored file fixity found changed or gone: refused, never sent as good."""


class NotFound(Exception):
    """No such document, or none this caller may see (both look the same)."""


@dataclass(frozen=True)
class DocumentSummary:
    id: str
    filename: str
    title: str
    status: str
    page_count: int
    pages_done: int
    error: str | None
    created_at: str
    # How it is filed (the list's columns; not in `as_dict`, whose shape scripts use)
    kind: str | None = None
    class_label: str | None = None
    school_year: str | None = None
    filed: bool = False

    @property
    def status_label(self) -> str:
        return STATUS_LABELS_RU[DocumentStatus(self.status)]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "filename": self.filename,
            "title": self.title,
            "status": self.status,
            "status_label": self.status_label,
            "page_count": self.page_count,
            "pages_done": self.pages_done,
            "error": self.error,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class ListFilter:
    """What the documents list is narrowed to by the person: a kind (item index), a
    class, a school year, filed or waiting (None: either)."""

    kind: str | None = None
    class_label: str | None = None
    school_year: str | None = None
    filed: bool | None = None

    def of(self, query: Select[*_Columns]) -> Select[*_Columns]:
        if self.kind:
            of_kind = select(NomenclatureItem.id).where(NomenclatureItem.index == self.kind)
            query = query.where(Document.nomenclature_item_id.in_(of_kind))
        if self.class_label:
            query = query.where(Document.class_label == self.class_label)
        if self.school_year:
            query = query.where(Document.school_year == self.school_year)
        if self.filed is not None:
            filed = Document.case_id.is_not(None)
            query = query.where(filed if self.filed else ~filed)
        return query


@dataclass(frozen=True)
class _Scope:
    """Which documents a list is about: the ids asked for, what the caller's policy lets
    them see (schools, classes, health data; None: everything), one state; the same
    conditions for the rows and their counts."""

    ids: list[str] | None = None
    policy: Policy | None = None
    status: DocumentStatus | None = None

    def of(self, query: Select[*_Columns]) -> Select[*_Columns]:
        if self.ids is not None:
            query = query.where(Document.id.in_(self.ids))
        rules = self.policy
        if rules is not None and rules.schools is not None:
            query = query.where(Document.school_id.in_(sorted(rules.schools)))
        if rules is not None and rules.classes is not None:
            query = query.where(Document.class_label.in_(sorted(rules.classes)))
        if rules is not None and not rules.sees_health:
            query = query.where(Document.health_data.is_(False))
        if rules is not None and rules.kinds is not None:
            of_kinds = select(NomenclatureItem.id).where(
                NomenclatureItem.index.in_(sorted(rules.kinds))
            )
            query = query.where(Document.nomenclature_item_id.in_(of_kinds))
        if self.status is not None:
            query = query.where(Document.status == self.status)
        return query


class DocumentService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def get(self, document_id: str) -> dict[str, Any]:
        with self.archive.catalog.reading() as s:
            doc = s.get(Document, document_id)
            if doc is None:
                raise NotFound(document_id)
            events = s.scalars(
                select(DocumentEvent)
                .where(DocumentEvent.document_id == document_id)
                .order_by(DocumentEvent.id)
            )
            pages_done = sum(1 for p in doc.pages if p.state == PageState.DONE)
            return {
                "id": doc.id,
                "filename": doc.filename,
                "title": doc.title,
                "status": doc.status,
                "status_label": STATUS_LABELS_RU[DocumentStatus(doc.status)],
                "error": doc.error,
                "damage": doc.damage,
                "media_type": doc.media_type,
                "size": doc.size,
                "sha256": doc.sha256,
                "page_count": doc.page_count,
                "pages_done": pages_done,
                "created_at": doc.created_at.isoformat(),
                "archived_at": doc.archived_at.isoformat() if doc.archived_at else None,
                "has_searchable_pdf": doc.searchable_pdf_key is not None,
                "act_id": doc.act_id,
                "destroyed_at": doc.destroyed_at.isoformat() if doc.destroyed_at else None,
                "pages": [
                    {
                        "number": p.number,
                        "text": p.text,
                        "source": p.source,
                        "confidence": p.confidence,
                        "rotation": p.rotation,
                        # the upright sheet's size, so a page can hold its image's place
                        # before the image arrives
                        "width": p.width,
                        "height": p.height,
                        "state": p.state,
                        "error": p.error,
                    }
                    for p in doc.pages
                ],
                "events": [
                    {"at": e.at.isoformat(), "kind": e.kind, "detail": e.detail} for e in events
                ],
                "filing": self._filing(s, doc),
                "proposals": [
                    {
                        "field": p.field,
                        "value": p.value,
                        "label": p.label,
                        "score": p.score,
                        "evidence": json.loads(p.evidence),
                        "doubt": p.doubt,
                    }
                    for p in s.scalars(
                        select(MetadataProposal)
                        .where(MetadataProposal.document_id == document_id)
                        .order_by(MetadataProposal.id)
                    )
                ],
            }

    @staticmethod
    def _filing(s: Session, doc: Document) -> dict[str, Any] | None:
        """Where the document is filed and what the archivist confirmed; None if unfiled."""
        if doc.case_id is None:
            return None
        item = s.get(NomenclatureItem, doc.nomenclature_item_id)
        case = s.get(Case, doc.case_id)
        pupils = s.scalars(
            select(Pupil)
            .join(DocumentPupil, DocumentPupil.pupil_id == Pupil.id)
            .where(DocumentPupil.document_id == doc.id)
            .order_by(Pupil.surname, Pupil.name)
        )
        return {
            "item_index": item.index if item else None,
            "item_title": item.title if item else None,
            "case_id": doc.case_id,
            "case_title": case.title if case else None,
            "school_year": doc.school_year,
            "class_label": doc.class_label,
            "health_data": doc.health_data,
            "document_date": doc.document_date.isoformat() if doc.document_date else None,
            "subject": doc.subject,
            "pupils": [{"id": p.id, "name": p.full_name} for p in pupils],
        }

    def filings_of(self, ids: list[str]) -> dict[str, FilingLine]:
        """What tells apart a page of search hits that share a title («Итоговое
        сочинение» twenty times): each filed document's class, year, date and pupils,
        read in two queries. Unfiled documents are left out."""
        if not ids:
            return {}
        with self.archive.catalog.reading() as s:
            docs = s.execute(
                select(
                    Document.id, Document.class_label, Document.school_year, Document.document_date
                ).where(Document.id.in_(ids), Document.case_id.is_not(None))
            ).all()
            pupils: dict[str, list[str]] = {}
            for document_id, *name in s.execute(
                select(DocumentPupil.document_id, Pupil.surname, Pupil.name, Pupil.patronymic)
                .join(Pupil, DocumentPupil.pupil_id == Pupil.id)
                .where(DocumentPupil.document_id.in_([d.id for d in docs]))
                .order_by(Pupil.surname, Pupil.name)
            ):
                pupils.setdefault(document_id, []).append(" ".join(x for x in name if x))
            return {
                d.id: FilingLine(
                    class_label=d.class_label,
                    school_year=d.school_year,
                    document_date=d.document_date.strftime("%d.%m.%Y") if d.document_date else None,
                    pupils=pupils.get(d.id, []),
                )
                for d in docs
            }

    def unfiled(self, policy: Policy | None = None) -> list[dict[str, Any]]:
        """The "to be filed" queue of the schools `policy` sees (None: every school):
        archived documents in no case yet, with the reason a cover sheet did not file
        them, if one tried."""
        query = select(Document).where(Document.case_id.is_(None))
        with self.archive.catalog.reading() as s:
            docs = list(
                s.scalars(
                    _Scope(None, policy, DocumentStatus.ARCHIVED)
                    .of(query)
                    .order_by(Document.archived_at)
                )
            )
            out = []
            for doc in docs:
                reason = s.scalars(
                    select(DocumentEvent.detail)
                    .where(
                        DocumentEvent.document_id == doc.id,
                        DocumentEvent.kind == "filing_failed",
                    )
                    .order_by(DocumentEvent.id.desc())
                ).first()
                out.append(
                    {
                        "id": doc.id,
                        "title": doc.title,
                        "filename": doc.filename,
                        "school_id": doc.school_id,
                        "reason": reason,
                    }
                )
            return out

    def summaries(
        self,
        limit: int = 100,
        offset: int = 0,
        ids: list[str] | None = None,
        policy: Policy | None = None,
        status: DocumentStatus | None = None,
        narrowed: ListFilter | None = None,
    ) -> tuple[int, list[DocumentSummary]]:
        """Newest first; `classes` limits to documents filed under those classes (the
        access policy's scope of a class teacher), `status` to one state (the list's
        «С ошибкой» tab)."""
        scope = _Scope(ids, policy, status)
        chosen = narrowed or ListFilter()
        with self.archive.catalog.reading() as s:
            done = (
                select(Page.document_id, func.count().label("n"))
                .where(Page.state == PageState.DONE)
                .group_by(Page.document_id)
                .subquery()
            )
            query = chosen.of(
                scope.of(
                    select(Document, func.coalesce(done.c.n, 0), NomenclatureItem.index)
                    .outerjoin(done, done.c.document_id == Document.id)
                    .outerjoin(
                        NomenclatureItem, NomenclatureItem.id == Document.nomenclature_item_id
                    )
                )
            )
            counted = chosen.of(scope.of(select(func.count()).select_from(Document)))
            total = s.scalar(counted) or 0
            rows = s.execute(
                query.order_by(Document.created_at.desc(), Document.id).limit(limit).offset(offset)
            ).all()
            return total, [
                DocumentSummary(
                    d.id,
                    d.filename,
                    d.title,
                    d.status,
                    d.page_count,
                    int(n),
                    d.error,
                    d.created_at.isoformat(),
                    index,
                    d.class_label,
                    d.school_year,
                    d.case_id is not None,
                )
                for d, n, index in rows
            ]

    def status_counts(self, policy: Policy | None = None) -> dict[DocumentStatus, int]:
        """How many documents the caller may see are in each state, every state named:
        the list's tabs show where a batch stands, and whether any failed."""
        query = select(Document.status, func.count()).group_by(Document.status)
        with self.archive.catalog.reading() as s:
            found: dict[str, int] = dict(s.execute(_Scope(None, policy).of(query)).all())
        return {status: found.get(status.value, 0) for status in DocumentStatus}

    def retry_failed(self, policy: Policy | None = None) -> list[str]:
        """Queue again every failed document the caller may see (after Tesseract was
        missing or the disk was full, a whole batch fails for one cause); returns those
        queued. Each goes through `retry`, under its own row lock."""
        from archive_service.services.pipeline.processing import ProcessingService  # see `retry`

        query = select(Document.id).order_by(Document.created_at)
        scope = _Scope(None, policy, DocumentStatus.FAILED)
        with self.archive.catalog.session() as s:
            failed = list(s.scalars(scope.of(query)))
        processing = ProcessingService(self.archive)
        return [doc_id for doc_id in failed if processing.retry(doc_id)]

    def access_of(self, document_id: str) -> tuple[str | None, bool, int | None, str | None]:
        """What the access policy needs: the class it is filed under, whether it is
        health data, its school, the nomenclature item it is filed under. NotFound if
        there is no such document."""
        with self.archive.catalog.reading() as s:
            doc = s.get(Document, document_id)
            if doc is None:
                raise NotFound(document_id)
            kind = None
            if doc.nomenclature_item_id is not None:
                item = s.get(NomenclatureItem, doc.nomenclature_item_id)
                kind = item.index if item is not None else None
            return doc.class_label, doc.health_data, doc.school_id, kind

    def statuses(self, ids: list[str]) -> dict[str, str]:
        with self.archive.catalog.reading() as s:
            rows = s.execute(select(Document.id, Document.status).where(Document.id.in_(ids)))
            return {doc_id: status for doc_id, status in rows}

    def waits(self, ids: list[str], within: timedelta = WAIT_NOTE_FRESH) -> set[str]:
        """What unfinished documents wait for now (a store that does not answer): the
        `waiting` events of the last `within`. A task still waiting notes it again at
        each retry (a minute apart at most), so an older note means it went on."""
        since = utcnow() - within
        with self.archive.catalog.reading() as s:
            rows = s.scalars(
                select(DocumentEvent.detail)
                .join(Document, Document.id == DocumentEvent.document_id)
                .where(
                    DocumentEvent.document_id.in_(ids),
                    DocumentEvent.kind == "waiting",
                    DocumentEvent.at >= since,
                    Document.status.in_([DocumentStatus.QUEUED, DocumentStatus.PROCESSING]),
                )
            )
            return set(rows)

    def outcomes(self, ids: list[str]) -> dict[str, tuple[str, str | None]]:
        """Each document's status and error, without loading its pages (`get` of a
        300-page export reads 300 page rows)."""
        with self.archive.catalog.reading() as s:
            rows = s.execute(
                select(Document.id, Document.status, Document.error).where(Document.id.in_(ids))
            )
            return {doc_id: (status, error) for doc_id, status, error in rows}

    def file_for_download(self, document_id: str, kind: str) -> tuple[str, str, str]:
        """(storage key, download name, media type) of the original or searchable PDF."""
        with self.archive.catalog.reading() as s:
            doc = s.get(Document, document_id)
            if doc is None:
                raise NotFound(document_id)
            if doc.status == DocumentStatus.DESTROYED:  # nothing of it is left to send
                raise NotFound(document_id)
            if kind == "original":
                found = doc.storage_key, doc.filename, doc.media_type
            elif kind == "searchable" and doc.searchable_pdf_key:
                stem = doc.filename.rsplit(".", 1)[0]
                found = doc.searchable_pdf_key, f"{stem}.searchable.pdf", "application/pdf"
            else:
                raise NotFound(document_id)
            name = found[0].rsplit("/", 1)[-1]
            if doc.damage and f"{name}:" in doc.damage:
                raise Damaged(
                    f"Файл повреждён ({doc.damage}): он не выдаётся как целый; "
                    "восстановите его из резервной копии (archive restore)"
                )
            return found

    def damaged_count(self) -> int:
        """Documents the last fixity check found damaged: the start page says so."""
        with self.archive.catalog.reading() as s:
            return int(s.scalar(select(func.count()).where(Document.damage.is_not(None))) or 0)

    def page_preview_key(self, document_id: str, number: int) -> str:
        with self.archive.catalog.reading() as s:
            key = s.scalar(
                select(Page.preview_key)
                .join(Document, Document.id == Page.document_id)
                .where(
                    Page.document_id == document_id,
                    Page.number == number,
                    Document.status != DocumentStatus.DESTROYED,
                )
            )
            if key is None:
                raise NotFound(document_id)
            return key

    def retry(self, document_id: str) -> bool:
        # Imported here: processing brings in every reader (pdfplumber, PDFium, qpdf,
        # Tesseract's wrapper), a third of a second that `archive ingest`, `list` and
        # `show` would pay at every start for the one command that retries.
        from archive_service.services.pipeline.processing import ProcessingService

        with self.archive.catalog.session() as s:
            if s.get(Document, document_id) is None:
                raise NotFound(document_id)
        return ProcessingService(self.archive).retry(document_id)
