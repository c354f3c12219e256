"""A hot folder: what a network scanner drops into a folder is taken in by itself.

A file is taken only once it is completely written: its size and modification time
have not changed for `settle` seconds (a scanner writes a long stack for a while). It
goes through the ordinary intake — as a stack split at its cover sheets when it has
any — for the folder's school, and is then moved to done/ or to rejected/ with the
reason in a text file beside it. A restart between the intake and the move takes the
file again, and the intake meets it as a duplicate: nothing is taken twice, nothing
is lost. Files the scanner is still writing, hidden files and the two result folders
are left alone.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archive_service.archive import Archive
from archive_service.domain import MediaType
from archive_service.services.batch.stacks import StackService
from archive_service.services.pipeline.ingest import DUPLICATE, REJECTED, IngestService
from intake import IntakeRejected, sniff_media_type
from intake.cover_sheet import find_cover_sheets

DONE, REFUSED = "done", "rejected"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HotFolderResult:
    file: str
    status: str  # queued · duplicate · rejected · failed
    document_ids: list[str]
    reason: str | None = None


class HotFolder:
    def __init__(
        self,
        archive: Archive,
        folder: Path,
        school_id: int | None = None,
        settle: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`school_id`: whose records the files are (the hot folder's configuration;
        None: the archive's own school)."""
        self.archive = archive
        self.folder = folder
        self.school_id = school_id
        self.settle = settle
        self.clock = clock
        self._seen: dict[Path, tuple[int, float]] = {}
        for name in (DONE, REFUSED):
            (folder / name).mkdir(parents=True, exist_ok=True)

    def ready(self) -> list[Path]:
        """Files completely written: unchanged since the last look and for `settle` s."""
        now = self.clock()
        found = []
        current: dict[Path, tuple[int, float]] = {}
        for path in sorted(self.folder.iterdir()):
            if not path.is_file() or path.name.startswith("."):
                continue
            stat = path.stat()
            state = (stat.st_size, stat.st_mtime)
            current[path] = state
            if now - stat.st_mtime >= self.settle and self._seen.get(path, state) == state:
                found.append(path)
        self._seen = current
        return found

    def take(self, path: Path) -> HotFolderResult:
        """Take one file in and move it out of the folder with its outcome."""
        result = self._ingest(path)
        target = self.folder / (REFUSED if result.status in (REJECTED, "failed") else DONE)
        moved = _free_name(target / path.name)
        shutil.move(str(path), moved)
        if target.name == REFUSED:
            moved.with_name(moved.name + ".txt").write_text(
                f"{result.reason or 'не принят'}\n", encoding="utf-8"
            )
        self._seen.pop(path, None)
        log.info("hot folder: %s → %s (%s)", path.name, target.name, result.status)
        return result

    def scan_once(self) -> list[HotFolderResult]:
        return [self.take(path) for path in self.ready()]

    def run(
        self,
        interval: float = 2.0,
        stop: threading.Event | None = None,
        on_result: Callable[[HotFolderResult], None] | None = None,
    ) -> None:
        """Watch until stopped; a fault on one file is logged and the watch goes on (the
        file stays, to be tried again on the next look)."""
        stop = stop or threading.Event()
        while not stop.is_set():
            for path in self.ready():
                try:
                    result = self.take(path)
                except Exception:
                    log.exception("hot folder: %s could not be taken", path)
                    continue
                if on_result is not None:
                    on_result(result)
            stop.wait(interval)

    def _ingest(self, path: Path) -> HotFolderResult:
        if self._is_stack(path):
            report = StackService(self.archive, self.school_id).ingest_stack(path)
            if report.error:
                return HotFolderResult(path.name, REJECTED, [], report.error)
            ids = [p.outcome.id for p in report.parts if p.outcome.id]
            statuses = {p.outcome.status for p in report.parts}
            status = "queued" if "queued" in statuses else DUPLICATE
            return HotFolderResult(path.name, status, ids, "; ".join(report.problems) or None)
        outcome = IngestService(self.archive, self.school_id).ingest_path(path, given_as=path.name)
        ids = [outcome.id] if outcome.id else []
        return HotFolderResult(path.name, outcome.status, ids, outcome.error)

    @staticmethod
    def _is_stack(path: Path) -> bool:
        """A PDF or TIFF with at least one cover sheet: split at its sheets."""
        try:
            with path.open("rb") as fh:
                media_type = sniff_media_type(fh.read(8192))
        except IntakeRejected:
            return False
        if media_type not in (MediaType.PDF, MediaType.TIFF):
            return False
        try:
            return bool(find_cover_sheets(path, media_type))
        except Exception:  # unreadable here: the ordinary intake says why
            return False


def _free_name(path: Path) -> Path:
    """The path, or «name (2).pdf» if a file of that name was moved there before."""
    if not path.exists():
        return path
    for n in range(2, 10_000):
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(path)
