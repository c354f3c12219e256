"""A school's export or import as background work, for the UI and /api/v1.

`archive schools export|import` runs in the administrator's terminal for as long as it
takes; a web request cannot: a school of thousands of scans takes minutes to hours. So
the request queues a SchoolMove row and a worker does the work, recording how many
originals (export) or documents (import) it has done, for the page to show.

The bag travels as one ZIP kept in the object store, since the web process and the
worker need not share a disk: an export's ZIP waits there to be downloaded (and is
removed by the administrator once fetched: it holds every pupil's data); an import's
uploaded ZIP is removed once every document is taken in, and kept while any is not, so
that «Повторить» finishes the import where it stopped (SchoolImport's `resume`).
"""

from __future__ import annotations

import json
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from archive_service.archive import Archive
from archive_service.catalog import SchoolMove
from archive_service.catalog.models import new_id, utcnow
from archive_service.domain import MOVE_STATUS_LABELS_RU, MoveStatus
from archive_service.schools import SchoolError, SchoolService, school_named
from archive_service.services.admin.audit import Actor, AuditService
from archive_service.services.moving.bags import BagError, unzip_bag, zip_bag
from archive_service.services.moving.school_bag import (
    CATALOG_FILE,
    BagReport,
    SchoolExport,
    SchoolImport,
)
from archive_service.storage.port import StorageError

EXPORT = "export"
IMPORT = "import"
MOVES_PREFIX = "moves/"
PROGRESS_EVERY_SECONDS = 1.0  # a catalog write per second, not per file


class MoveNotFound(Exception):
    pass


class MoveError(ValueError):
    """A request refused at once, in words for the administrator."""


@dataclass(frozen=True)
class StoredBag:
    """An export's ZIP, as the download sends it."""

    key: str
    filename: str
    size: int


def _key(move_id: str) -> str:
    return f"{MOVES_PREFIX}{move_id}/school.zip"


def bag_school_name(path: Path) -> str:
    """The school a zipped school bag names, read from its catalog member alone, so an
    upload that is no school bag is refused before it is stored or queued."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            member = f"data/{CATALOG_FILE}"
            if "bagit.txt" not in names or member not in names:
                raise MoveError(
                    "Это не пакет архива организации (нет bagit.txt или data/school.json)"
                )
            with zf.open(member) as fh:
                catalog = json.load(fh)
    except zipfile.BadZipFile as exc:
        raise MoveError(f"Файл — не ZIP-архив пакета BagIt ({exc})") from exc
    except (ValueError, KeyError) as exc:
        raise MoveError(f"Опись пакета не читается: {exc}") from exc
    try:
        return " ".join(str(catalog["school"]["name"]).split())
    except (KeyError, TypeError) as exc:
        raise MoveError("В описи пакета не названа организация") from exc


def export_to_zip(
    archive: Archive,
    school_id: int,
    target: Path,
    progress: Callable[[int, int], None] | None = None,
) -> BagReport:
    """The school's bag written as one ZIP at `target` (the CLI's `export X.zip`, and the
    worker's): the bag is made in a temporary folder, zipped, and the folder dropped."""
    archive.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=archive.settings.tmp_dir) as tmp:
        report = SchoolExport(archive).run(school_id, Path(tmp) / "bag", progress)
        zip_bag(Path(tmp) / "bag", target)
    report.path = str(target)
    return report


def import_from_zip(
    archive: Archive,
    path: Path,
    name: str | None = None,
    resume: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> BagReport:
    """A zipped school bag unpacked (names, sizes and compression checked first) and
    imported as SchoolImport does a folder."""
    archive.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=archive.settings.tmp_dir) as tmp:
        unzip_bag(path, Path(tmp) / "bag", archive.settings.limits.max_file_bytes)
        report = SchoolImport(archive).run(Path(tmp) / "bag", name, resume, progress)
    report.path = str(path)
    return report


class SchoolMoves:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    # --- requests -----------------------------------------------------------------

    def request_export(self, school_id: int, actor: Actor) -> str:
        """Queue the export of the school's whole archive; its id."""
        name = SchoolService(self.archive).name_of(school_id)
        if not name:
            raise SchoolError(f"Организации № {school_id} нет")
        row = SchoolMove(direction=EXPORT, school_id=school_id, school_name=name)
        return self._queue(row, actor)

    def request_import(self, path: Path, name: str | None, actor: Actor) -> str:
        """Check the uploaded ZIP names a school bag and a school new here, store it and
        queue its import; its id. The bag's checksums are checked by the worker, before
        anything is taken in."""
        school = " ".join((name or "").split()) or bag_school_name(path)
        with self.archive.catalog.session() as s:
            if school_named(s, school) is not None:
                raise MoveError(
                    f"Организация «{school}» уже есть: укажите для принимаемой другое название"
                )
        move_id = new_id()
        try:
            self.archive.store.put_file(_key(move_id), path)
        except StorageError as exc:
            raise MoveError(f"Ошибка хранилища: {exc}") from exc
        row = SchoolMove(
            id=move_id,
            direction=IMPORT,
            school_name=school,
            storage_key=_key(move_id),
            size=path.stat().st_size,
        )
        try:
            return self._queue(row, actor)
        except Exception:
            self.archive.store.delete_prefix(f"{MOVES_PREFIX}{move_id}/")  # nothing half-queued
            raise

    def _queue(self, row: SchoolMove, actor: Actor) -> str:
        move_id = row.id = row.id or new_id()
        row.requested_by, row.requester_role = actor.username, actor.role
        row.requester_address = actor.address[:64]
        with self.archive.catalog.session() as s:
            s.add(row)
        self.archive.dispatcher.move_school(move_id)
        return move_id

    # --- the worker's part --------------------------------------------------------

    def run(self, move_id: str) -> None:
        """Do a queued move; one already done or failed is left as it is."""
        with self.archive.catalog.session() as s:
            row = s.get(SchoolMove, move_id, with_for_update=True)
            if row is None or MoveStatus(row.status).is_final:
                return
            started_before = row.attempts > 0
            row.status, row.attempts = MoveStatus.RUNNING, row.attempts + 1
            direction, school_id, name = row.direction, row.school_id, row.school_name
            actor = Actor(row.requested_by, row.requester_role, row.requester_address)
        self.archive.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
        try:
            with tempfile.TemporaryDirectory(dir=self.archive.settings.tmp_dir) as tmp:
                if direction == EXPORT:
                    if school_id is None:
                        raise SchoolError(f"Организации «{name}» больше нет: выгружать нечего")
                    self._export(move_id, school_id, Path(tmp) / "school.zip", actor)
                else:
                    self._import(move_id, name, started_before, actor)
        except (SchoolError, BagError) as exc:
            self.fail(move_id, str(exc))

    def _export(self, move_id: str, school_id: int, zipped: Path, actor: Actor) -> None:
        report = export_to_zip(self.archive, school_id, zipped, self._progress(move_id))
        self.archive.store.put_file(_key(move_id), zipped)
        AuditService(self.archive).record(actor, "export", f"school:{school_id}", detail=move_id)
        self._finish(move_id, report, _key(move_id), zipped.stat().st_size)

    def _import(self, move_id: str, name: str, started_before: bool, actor: Actor) -> None:
        with self.archive.catalog.session() as s:
            key = s.get(SchoolMove, move_id).storage_key  # type: ignore[union-attr]
            # A run cut short after the catalog part finishes it, never starts anew.
            resume = started_before and school_named(s, name) is not None
        if key is None:
            raise BagError("Пакет не сохранён: загрузите его заново")
        with self.archive.store.local_path(key) as path:
            report = import_from_zip(self.archive, path, name, resume, self._progress(move_id))
        AuditService(self.archive).record(
            actor, "import", f"school:{report.school_id}", detail=move_id
        )
        if report.problems:  # the ZIP is kept: «Повторить» takes the rest in
            left = "; ".join(report.problems[:5])
            self._finish(move_id, report, key, error=f"Не приняты: {left}")
            return
        self._finish(move_id, report, None)
        self.archive.store.delete_prefix(f"{MOVES_PREFIX}{move_id}/")

    def fail(self, move_id: str, reason: str) -> None:
        with self.archive.catalog.session() as s:
            row = s.get(SchoolMove, move_id)
            if row is not None:
                row.status, row.error, row.finished_at = MoveStatus.FAILED, reason, utcnow()

    def retry(self, move_id: str) -> None:
        """Queue a failed move again: an export anew, an import from where it stopped."""
        with self.archive.catalog.session() as s:
            row = s.get(SchoolMove, move_id, with_for_update=True)
            if row is None:
                raise MoveNotFound(move_id)
            if row.status != MoveStatus.FAILED:
                raise MoveError("Повторить можно только перенос, завершившийся ошибкой")
            if row.direction == IMPORT and not (
                row.storage_key and self.archive.store.exists(row.storage_key)
            ):
                raise MoveError("Пакет больше не хранится: загрузите его заново")
            row.status, row.error, row.finished_at = MoveStatus.QUEUED, None, None
        self.archive.dispatcher.move_school(move_id)

    def discard(self, move_id: str) -> None:
        """Remove an export's ZIP from the store once fetched: it holds every pupil's
        data of the school, and nothing else keeps it safe."""
        with self.archive.catalog.session() as s:
            row = s.get(SchoolMove, move_id, with_for_update=True)
            if row is None:
                raise MoveNotFound(move_id)
            if not MoveStatus(row.status).is_final:
                raise MoveError("Перенос ещё выполняется")
            row.storage_key, row.size = None, 0
        self.archive.store.delete_prefix(f"{MOVES_PREFIX}{move_id}/")

    def unfinished(self) -> list[str]:
        """Moves left queued or running, e.g. by a worker that was killed."""
        with self.archive.catalog.session() as s:
            pending = [MoveStatus.QUEUED, MoveStatus.RUNNING]
            query = select(SchoolMove.id).where(SchoolMove.status.in_(pending))
            return list(s.scalars(query.order_by(SchoolMove.created_at)))

    # --- what the pages show --------------------------------------------------------

    def recent(self, limit: int = 20) -> list[dict[str, Any]]:
        with self.archive.catalog.session() as s:
            query = select(SchoolMove).order_by(SchoolMove.created_at.desc()).limit(limit)
            return [_as_dict(row) for row in s.scalars(query)]

    def get(self, move_id: str) -> dict[str, Any]:
        with self.archive.catalog.session() as s:
            row = s.get(SchoolMove, move_id)
            if row is None:
                raise MoveNotFound(move_id)
            return _as_dict(row)

    def stored_bag(self, move_id: str) -> StoredBag:
        """The finished export's ZIP, or MoveNotFound: no other move has one to give."""
        with self.archive.catalog.session() as s:
            row = s.get(SchoolMove, move_id)
            if (
                row is None
                or row.direction != EXPORT
                or row.status != MoveStatus.DONE
                or not row.storage_key
            ):
                raise MoveNotFound(move_id)
            day = row.finished_at.date().isoformat() if row.finished_at else ""
            return StoredBag(row.storage_key, f"school-{row.school_id}-{day}.zip", row.size)

    def _progress(self, move_id: str) -> Callable[[int, int], None]:
        last = [0.0]

        def heard(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] < PROGRESS_EVERY_SECONDS and done != total:
                return
            last[0] = now
            with self.archive.catalog.session() as s:
                s.execute(
                    update(SchoolMove)
                    .where(SchoolMove.id == move_id)
                    .values(done=done, total=total)
                )

        return heard

    def _finish(
        self,
        move_id: str,
        report: BagReport,
        key: str | None,
        size: int = 0,
        error: str | None = None,
    ) -> None:
        with self.archive.catalog.session() as s:
            row = s.get(SchoolMove, move_id)
            if row is None:
                return
            row.status = MoveStatus.FAILED if error else MoveStatus.DONE
            row.error, row.finished_at = error, utcnow()
            row.school_id, row.school_name = report.school_id, report.school
            row.storage_key = key
            row.size = size or (row.size if key else 0)
            summary = report.as_dict()
            summary.pop("path", None)  # a worker's temporary folder, gone
            row.report = json.dumps(summary, ensure_ascii=False)


def _as_dict(row: SchoolMove) -> dict[str, Any]:
    return {
        "id": row.id,
        "direction": row.direction,
        "school_id": row.school_id,
        "school": row.school_name,
        "status": row.status,
        "status_label": MOVE_STATUS_LABELS_RU[MoveStatus(row.status)],
        "done": row.done,
        "total": row.total,
        "error": row.error,
        "report": json.loads(row.report) if row.report else None,
        "bag_ready": row.direction == EXPORT
        and row.status == MoveStatus.DONE
        and bool(row.storage_key),
        "size": row.size,
        "requested_by": row.requested_by,
        "created_at": row.created_at.isoformat(timespec="seconds"),
        "finished_at": row.finished_at.isoformat(timespec="seconds") if row.finished_at else None,
    }
