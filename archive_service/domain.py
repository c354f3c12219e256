"""Vocabulary shared by every layer: statuses and sources, named as domain.md names them."""

from __future__ import annotations

import errno
from enum import StrEnum


class DocumentStatus(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    ARCHIVED = "archived"
    FAILED = "failed"
    # Destroyed under an approved act: from the first step of destruction on, so that
    # nothing half-destroyed ever looks intact; `destroyed_at` is set when it is done.
    DESTROYED = "destroyed"

    @property
    def is_final(self) -> bool:
        return self in (DocumentStatus.ARCHIVED, DocumentStatus.FAILED, DocumentStatus.DESTROYED)


class StackStatus(StrEnum):
    """A scanned stack's way: queued at upload, split by a worker, or failed."""

    QUEUED = "queued"
    SPLITTING = "splitting"
    SPLIT = "split"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in (StackStatus.SPLIT, StackStatus.FAILED)


class MoveStatus(StrEnum):
    """A school's export or import run by a worker: queued, running, done or failed."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in (MoveStatus.DONE, MoveStatus.FAILED)


class PageState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class PageSource(StrEnum):
    OCR = "ocr"
    TEXT_LAYER = "text_layer"
    BLANK = "blank"  # a back of a sheet, seen from its image: no OCR pass was spent on it


class MediaType(StrEnum):
    PDF = "application/pdf"
    TIFF = "image/tiff"
    JPEG = "image/jpeg"
    PNG = "image/png"
    # The electronic journal's yearly export: kept as it came, read through the PDF the
    # archive prints from it (intake/ejournal.py).
    XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    CSV = "text/csv"

    @property
    def extension(self) -> str:
        return {
            "application/pdf": "pdf",
            "image/tiff": "tiff",
            "image/jpeg": "jpg",
            "image/png": "png",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
            "text/csv": "csv",
        }[self.value]

    @property
    def is_spreadsheet(self) -> bool:
        """An e-journal export: no pages of its own, only those of its printed PDF."""
        return self in (MediaType.XLSX, MediaType.CSV)


STATUS_LABELS_RU = {
    DocumentStatus.QUEUED: "в очереди",
    DocumentStatus.PROCESSING: "обрабатывается",
    DocumentStatus.ARCHIVED: "в архиве",
    DocumentStatus.FAILED: "ошибка",
    DocumentStatus.DESTROYED: "уничтожен",
}

STACK_STATUS_LABELS_RU = {
    StackStatus.QUEUED: "в очереди",
    StackStatus.SPLITTING: "разделяется",
    StackStatus.SPLIT: "разделена",
    StackStatus.FAILED: "ошибка",
}
MOVE_STATUS_LABELS_RU = {
    MoveStatus.QUEUED: "в очереди",
    MoveStatus.RUNNING: "выполняется",
    MoveStatus.DONE: "готово",
    MoveStatus.FAILED: "ошибка",
}


# A full disk, said the same way wherever it is met (the spool, the store, the catalog):
# the person can act on it, and nothing was kept half-written.
NO_SPACE = "Нет места на диске архива: файл не принят. Освободите место и повторите"
NO_SPACE_AT_ALL = (
    "Нет места на диске архива: действие не выполнено, принятое ранее не затронуто. "
    "Освободите место (или сообщите администратору) и повторите"
)


def is_disk_full(exc: BaseException) -> bool:
    """ENOSPC from the OS, or SQLite's own words for it («database or disk is full»)."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    return "disk is full" in str(exc)
