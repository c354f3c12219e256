"""Stacks uploaded through the web or the API, split by a worker rather than the upload.

Finding the cover sheets reads every page of a stack: a few tenths of a second each, so
minutes for a class's personal files scanned in one go, longer than a proxy waits for
an answer. The upload only checks the file (type, limits, pages), stores it and queues
it; the worker splits it, takes each part in through the ordinary intake, records
what came of each part, and then drops the stored stack, which is never archived
itself. The stack's page shows how many pages have been looked at meanwhile.

Every step can run again: a part already taken in is recognised by its hash and
reported with its document, so a worker lost halfway costs only repeated reading.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import false, select, update
from sqlalchemy.orm import Session

from archive_service.access import DISTRICT_ROLES, Policy
from archive_service.archive import Archive
from archive_service.catalog import Document, Stack
from archive_service.catalog.models import new_id, utcnow
from archive_service.domain import (
    STACK_STATUS_LABELS_RU,
    STATUS_LABELS_RU,
    MediaType,
    StackStatus,
)
from archive_service.schools import own_school_id
from archive_service.services.admin.audit import Actor, AuditService
from archive_service.services.batch.stacks import StackReport, StackService
from archive_service.storage.keys import STACKS_PREFIX
from archive_service.storage.port import StorageError
from intake import IntakeRejected
from intake.filenames import clean_filename

PROGRESS_EVERY_SECONDS = 1.0  # a catalog write per second, not per page


class StackNotFound(Exception):
    pass


@dataclass(frozen=True)
class Submission:
    """A stack queued (`id`), or refused at once (`error`)."""

    file: str
    id: str | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        status = StackStatus.QUEUED.value if self.id else "rejected"
        return {"file": self.file, "id": self.id, "status": status, "error": self.error}


def _visible(s: Session, stack: Stack | None, policy: Policy | None) -> Stack:
    """The stack, if this person's school took it in (a stack with no school is the
    archive's own school's); else StackNotFound, as if there were none."""
    if stack is None:
        raise StackNotFound("")
    school = stack.school_id if stack.school_id is not None else own_school_id(s)
    if policy is not None and not policy.sees_school(school):
        raise StackNotFound(stack.id)
    return stack


def _prefix(stack_id: str) -> str:
    return f"{STACKS_PREFIX}{stack_id}/"


def _key(stack_id: str, media_type: MediaType) -> str:
    return f"{_prefix(stack_id)}stack.{media_type.extension}"


class StackJobs:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def submit(
        self, path: Path, filename: str, uploader: Actor, school_id: int | None = None
    ) -> Submission:
        """Check the stack now (a refused file is said at once), store it, queue it; its
        parts will be the records of `school_id` (None: the archive's own school)."""
        try:
            name = clean_filename(filename, self.archive.settings.limits.max_filename_length)
            media_type, page_count = StackService(self.archive).check(path)
        except IntakeRejected as exc:
            return Submission(filename, error=exc.reason)
        stack_id = new_id()
        key = _key(stack_id, media_type)
        try:
            self.archive.store.put_file(key, path)
        except StorageError as exc:
            return Submission(filename, error=f"Ошибка хранилища: {exc}")
        try:
            with self.archive.catalog.session() as s:
                s.add(
                    Stack(
                        id=stack_id,
                        filename=name,
                        media_type=media_type.value,
                        storage_key=key,
                        page_count=page_count,
                        uploaded_by=uploader.username,
                        uploader_role=uploader.role,
                        uploader_address=uploader.address[:64],
                        school_id=school_id,
                    )
                )
        except Exception:
            self.archive.store.delete_prefix(_prefix(stack_id))  # nothing half-written
            raise
        self.archive.dispatcher.split_stack(stack_id)
        return Submission(filename, id=stack_id)

    def run(self, stack_id: str) -> None:
        """Split a queued stack (the worker's part); a stack already split is left."""
        with self.archive.catalog.session() as s:
            stack = s.get(Stack, stack_id, with_for_update=True)
            if stack is None or StackStatus(stack.status).is_final:
                return
            stack.status = StackStatus.SPLITTING
            label, media_type = stack.filename, MediaType(stack.media_type)
            key, page_count = stack.storage_key, stack.page_count
            uploader = Actor(stack.uploaded_by, stack.uploader_role, stack.uploader_address)
            school_id = stack.school_id
        try:
            with self.archive.store.local_path(key) as path:
                follow = uploader.role in DISTRICT_ROLES  # a school's stack stays its own
                report = StackService(self.archive, school_id, follow).split(
                    path, media_type, page_count, label, self._progress(stack_id)
                )
        except StorageError as exc:
            self._finish(stack_id, StackReport(error=f"Пачка не читается из хранилища: {exc}"))
            return
        audit = AuditService(self.archive)
        for part in report.parts:
            if part.outcome.id and part.outcome.status == "queued":
                audit.record(uploader, "create", f"document:{part.outcome.id}", detail=label)
        self._finish(stack_id, report)
        self.archive.store.delete_prefix(_prefix(stack_id))

    def fail(self, stack_id: str, reason: str) -> None:
        """An unexpected fault: the stack stays stored, to be split again (`retry`)."""
        self._finish(stack_id, StackReport(error=reason))

    def retry(self, stack_id: str, policy: Policy | None = None) -> bool:
        """Queue a failed stack again, if its file is still stored."""
        with self.archive.catalog.session() as s:
            stack = _visible(s, s.get(Stack, stack_id, with_for_update=True), policy)
            if stack.status != StackStatus.FAILED or not self.archive.store.exists(
                stack.storage_key
            ):
                return False
            stack.status, stack.error, stack.pages_read = StackStatus.QUEUED, None, 0
        self.archive.dispatcher.split_stack(stack_id)
        return True

    def unfinished(self, created_before: datetime | None = None) -> list[str]:
        """Stacks left queued or splitting, e.g. by a worker that was killed; only those
        created before `created_before` if given."""
        with self.archive.catalog.session() as s:
            pending = [StackStatus.QUEUED, StackStatus.SPLITTING]
            query = select(Stack.id).where(Stack.status.in_(pending)).order_by(Stack.created_at)
            if created_before is not None:
                query = query.where(Stack.created_at < created_before)
            return list(s.scalars(query))

    def recent(self, limit: int = 50, policy: Policy | None = None) -> list[dict[str, Any]]:
        """The latest stacks of the schools this person sees, newest first, for the
        archivist to come back to."""
        with self.archive.catalog.session() as s:
            query = select(Stack).order_by(Stack.created_at.desc()).limit(limit)
            if policy is not None and policy.schools is not None:
                own = own_school_id(s)
                seen = sorted(policy.schools)
                query = query.where(
                    Stack.school_id.in_(seen)
                    | (Stack.school_id.is_(None) if own in policy.schools else false())
                )
            rows = s.scalars(query)
            return [
                {
                    "id": row.id,
                    "filename": row.filename,
                    "status": row.status,
                    "status_label": STACK_STATUS_LABELS_RU[StackStatus(row.status)],
                    "page_count": row.page_count,
                    "pages_read": row.pages_read,
                    "created_at": row.created_at.isoformat(timespec="seconds"),
                    "uploaded_by": row.uploaded_by,
                }
                for row in rows
            ]

    def get(self, stack_id: str, policy: Policy | None = None) -> dict[str, Any]:
        """The stack as its page shows it: progress, then each part with its document's
        status now (a part taken in goes on to be read and filed)."""
        with self.archive.catalog.session() as s:
            stack = _visible(s, s.get(Stack, stack_id), policy)
            report = json.loads(stack.report) if stack.report else {"parts": [], "problems": []}
            ids = [p["id"] for p in report["parts"] if p["id"]]
            rows = s.execute(
                select(Document.id, Document.status, Document.title).where(Document.id.in_(ids))
            )
            documents = {row.id: (row.status, row.title) for row in rows}
            for part in report["parts"]:
                status, title = documents.get(part["id"], (None, None))
                part["document_status"], part["title"] = status, title
                part["document_status_label"] = STATUS_LABELS_RU.get(status) if status else None
            return {
                "id": stack.id,
                "filename": stack.filename,
                "status": stack.status,
                "status_label": STACK_STATUS_LABELS_RU[StackStatus(stack.status)],
                "error": stack.error,
                "page_count": stack.page_count,
                "pages_read": stack.pages_read,
                "created_at": stack.created_at.isoformat(timespec="seconds"),
                "finished_at": (
                    stack.finished_at.isoformat(timespec="seconds") if stack.finished_at else None
                ),
                "uploaded_by": stack.uploaded_by,
                "parts": report["parts"],
                "problems": report["problems"],
            }

    def _progress(self, stack_id: str) -> Callable[[int], None]:
        last = [0.0]

        def heard(page: int) -> None:
            now = time.monotonic()
            if now - last[0] < PROGRESS_EVERY_SECONDS:
                return
            last[0] = now
            with self.archive.catalog.session() as s:
                s.execute(update(Stack).where(Stack.id == stack_id).values(pages_read=page))

        return heard

    def _finish(self, stack_id: str, report: StackReport) -> None:
        parts = [
            {
                "first_page": part.first_page,
                "last_page": part.last_page,
                "filed_by_sheet": part.payload is not None,
                **part.outcome.as_dict(),
            }
            for part in report.parts
        ]
        with self.archive.catalog.session() as s:
            stack = s.get(Stack, stack_id)
            if stack is None:
                return
            stack.status = StackStatus.FAILED if report.error else StackStatus.SPLIT
            stack.error = report.error
            if not report.error:
                stack.pages_read = stack.page_count
                stack.report = json.dumps(
                    {"parts": parts, "problems": report.problems}, ensure_ascii=False
                )
            stack.finished_at = utcnow()
