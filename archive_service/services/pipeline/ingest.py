"""Putting one file into the archive, all or nothing.

Order matters for "nothing half-written": the upload is spooled and checked in the temp
folder; only a file that passes is copied to storage under a fresh document id; the
catalog row and its first event are committed together; if that commit fails the
stored copy is removed. Background work is asked for only after the commit, so a worker
never sees a document that does not exist yet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO

from sqlalchemy import select

from archive_service.archive import Archive
from archive_service.catalog import Document, DocumentEvent, School
from archive_service.catalog.models import new_id, utcnow
from archive_service.domain import NO_SPACE, DocumentStatus, is_disk_full
from archive_service.schools import SchoolService, own_school_id
from archive_service.storage import StorageError, keys
from intake import IntakeRejected, inspect_file, sniff_media_type, spool
from intake.filenames import clean_filename

log = logging.getLogger(__name__)

DUPLICATE = "duplicate"
REJECTED = "rejected"


@dataclass(frozen=True)
class IngestOutcome:
    """What happened to one file; the CLI prints it as one JSON line."""

    file: str
    status: str
    id: str | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"file": self.file, "id": self.id, "status": self.status, "error": self.error}


class IngestService:
    def __init__(self, archive: Archive, school_id: int | None = None) -> None:
        """`school_id`: the school whose records these are (the uploader's, or the one a
        district archivist chose); None: the archive's own school."""
        self.archive = archive
        self.school_id = school_id

    def ingest_path(
        self,
        path: Path,
        given_as: str | None = None,
        filename: str | None = None,
        cover_payload: str | None = None,
        document_id: str | None = None,
    ) -> IngestOutcome:
        label = given_as if given_as is not None else str(path)
        try:
            with path.open("rb") as fh:
                return self.ingest_stream(
                    fh, filename or path.name, label, cover_payload, document_id
                )
        except IsADirectoryError:
            return IngestOutcome(label, REJECTED, error="Это папка, а не файл")
        except FileNotFoundError:
            return IngestOutcome(label, REJECTED, error="Файл не найден")
        except PermissionError:
            return IngestOutcome(label, REJECTED, error="Нет прав на чтение файла")

    def ingest_stream(
        self,
        stream: IO[bytes],
        filename: str,
        label: str | None = None,
        cover_payload: str | None = None,
        document_id: str | None = None,
    ) -> IngestOutcome:
        """Take one file in. `document_id`: the id it had in the archive it comes from
        (a school's bag), so the papers that name it (an act, a transfer) still do."""
        label = label if label is not None else filename
        settings = self.archive.settings
        successor = self._successor()
        if successor is not None:
            return IngestOutcome(
                label,
                REJECTED,
                error=f"Организация присоединена к «{successor}»: принимайте документы туда",
            )
        try:
            name = clean_filename(filename, settings.limits.max_filename_length)
            upload = spool(stream, settings.tmp_dir, settings.limits.max_file_bytes)
        except IntakeRejected as exc:
            return IngestOutcome(label, REJECTED, error=exc.reason)
        try:
            existing = self._find_by_hash(upload.sha256)
            if existing is not None:
                return self._duplicate_of(label, existing)
            try:
                media_type = sniff_media_type(upload.head)
                school = (
                    SchoolService(self.archive).name_of(self.school_id)
                    if media_type.is_spreadsheet
                    else ""
                )
                inspected = inspect_file(
                    upload.path, media_type, settings.limits, settings.ocr_dpi, school
                )
            except IntakeRejected as exc:
                return IngestOutcome(label, REJECTED, error=exc.reason)
            document_id = document_id or new_id()
            key = keys.original(document_id, media_type.extension)
            try:
                self.archive.store.put_file(
                    key,
                    upload.path,
                    sha256=upload.sha256,
                    retain_until=utcnow() + timedelta(days=settings.original_retention_days),
                )
                if inspected.rendered is not None:  # an e-journal export's printed PDF
                    self.archive.store.put_bytes(keys.rendered_pdf(document_id), inspected.rendered)
            except StorageError as exc:
                self.archive.store.delete_prefix(keys.prefix(document_id))
                return IngestOutcome(label, "failed", error=f"Ошибка хранилища: {exc}")
            try:
                with self.archive.catalog.session() as s:
                    s.add(
                        Document(
                            id=document_id,
                            filename=name,
                            title=inspected.title or Path(name).stem,
                            media_type=media_type.value,
                            size=upload.size,
                            sha256=upload.sha256,
                            storage_key=key,
                            page_count=inspected.page_count,
                            status=DocumentStatus.QUEUED,
                            cover_payload=cover_payload,
                            school_id=self.school_id or own_school_id(s),
                        )
                    )
                    s.add(
                        DocumentEvent(
                            document_id=document_id,
                            kind="ingested",
                            detail=f"{name}, {inspected.page_count} стр.",
                        )
                    )
            except Exception as exc:
                self.archive.store.delete_prefix(keys.prefix(document_id))
                if is_disk_full(exc):  # the catalog's disk: nothing of it was kept
                    return IngestOutcome(label, "failed", error=NO_SPACE)
                existing = self._find_by_hash(upload.sha256)
                if existing is not None:  # the same file arrived twice at once
                    return self._duplicate_of(label, existing)
                raise
        finally:
            upload.discard()
        self._dispatch(document_id)
        return IngestOutcome(label, DocumentStatus.QUEUED, id=document_id)

    def _successor(self) -> str | None:
        """The name of the school this one was merged into, if it was: a merged school's
        archive is closed to new records, which belong to its successor."""
        if self.school_id is None:
            return None
        with self.archive.catalog.session() as s:
            school = s.get(School, self.school_id)
            if school is None or school.merged_into_id is None:
                return None
            successor = s.get(School, school.merged_into_id)
            return successor.name if successor is not None else ""

    def _dispatch(self, document_id: str) -> None:
        try:
            self.archive.dispatcher.process_document(document_id)
        except Exception:  # the document is safe in the catalog; a worker resumes it
            log.exception("could not queue document %s; it stays queued", document_id)

    def _find_by_hash(self, sha256: str) -> str | None:
        with self.archive.catalog.session() as s:
            return s.scalar(select(Document.id).where(Document.sha256 == sha256))

    def _duplicate_of(self, label: str, existing: str) -> IngestOutcome:
        """The file is in the archive already. Another school's copy is not named (its id
        would say that school holds it), and a destroyed one does not come back."""
        with self.archive.catalog.session() as s:
            doc = s.get(Document, existing)
            ours = self.school_id or own_school_id(s)
            if doc is not None and doc.school_id not in (None, ours):
                return IngestOutcome(
                    label, REJECTED, error="Этот файл уже хранится в архиве другой организации"
                )
            if doc is not None and doc.status == DocumentStatus.DESTROYED:
                return IngestOutcome(
                    label,
                    REJECTED,
                    error="Этот файл был уничтожен по акту и повторно не принимается",
                )
        return IngestOutcome(label, DUPLICATE, id=existing, error=None)
