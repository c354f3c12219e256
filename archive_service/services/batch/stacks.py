"""A scanned stack with cover sheets: split at the sheets, each part taken in on its own.

Pages between two cover sheets are one record. Each part goes through the ordinary
intake (so duplicates, limits and every check apply) carrying its sheet's filing, which
is applied once the part is archived. The sheets are not archived. Pages before the
first sheet, and parts whose sheet cannot be read, are taken in unfiled: they wait in
the "to be filed" queue, and the report says why.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from PIL import Image, ImageSequence

from archive_service.archive import Archive
from archive_service.domain import MediaType
from archive_service.schools import SchoolService
from archive_service.services.pipeline.ingest import IngestOutcome, IngestService
from intake import IntakeRejected, inspect_file, sniff_media_type
from intake.cover_sheet import CoverPayload, find_cover_sheets


@dataclass(frozen=True)
class StackPart:
    first_page: int
    last_page: int
    payload: CoverPayload | None
    outcome: IngestOutcome


@dataclass
class StackReport:
    parts: list[StackPart] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    error: str | None = None  # the stack as a whole was refused


def _write_part(source: Path, media_type: MediaType, pages: list[int], target: Path) -> None:
    """The part's pages, copied as they are (PDF pages by qpdf, TIFF frames losslessly).

    The same stack always gives the same bytes for the same part: the PDF's /ID is
    derived from its content, not drawn at random, so a stack split again (a worker
    lost halfway, the same stack uploaded twice) meets its parts as duplicates instead
    of archiving each record a second time.
    """
    if media_type is MediaType.PDF:
        with pikepdf.open(source) as src, pikepdf.new() as out:
            out.pages.extend(src.pages[n - 1] for n in pages)
            out.save(target, deterministic_id=True)
        return
    with Image.open(source) as img:
        frames = [
            f.copy() for n, f in enumerate(ImageSequence.Iterator(img), start=1) if n in pages
        ]
    dpi = frames[0].info.get("dpi", (300, 300))
    frames[0].save(
        target,
        format="TIFF",
        save_all=True,
        append_images=frames[1:],
        compression="tiff_deflate",
        dpi=dpi,
    )


class StackService:
    def __init__(
        self, archive: Archive, school_id: int | None = None, follow_sheets: bool = True
    ) -> None:
        """`school_id`: whose records the parts are (None: the archive's own school).

        A sheet printed for another school (its QR code names the school) files its part
        there when `follow_sheets` (a district account's stack, or the command line's):
        a district archivist scans the stacks of several schools in one go. A school
        account's stack never files into another school: such a part is taken in for the
        stack's school unfiled, and the report says why.
        """
        self.archive = archive
        self.school_id = school_id
        self.follow_sheets = follow_sheets

    def ingest_stack(self, path: Path, given_as: str | None = None) -> StackReport:
        """Check, split and take in a stack here and now (the command line's way)."""
        label = given_as or path.name
        try:
            media_type, page_count = self.check(path)
        except IntakeRejected as exc:
            return StackReport(error=exc.reason)
        return self.split(path, media_type, page_count, label)

    def check(self, path: Path) -> tuple[MediaType, int]:
        """The stack's type and page count, or why it is refused (IntakeRejected)."""
        try:
            with path.open("rb") as fh:
                media_type = sniff_media_type(fh.read(1024))
            settings = self.archive.settings
            inspected = inspect_file(path, media_type, settings.limits, settings.ocr_dpi)
        except OSError as exc:
            raise IntakeRejected(f"Файл не читается: {exc.strerror or exc}") from exc
        if media_type not in (MediaType.PDF, MediaType.TIFF):
            raise IntakeRejected(
                "Пачку с титульными листами принимают как PDF или многостраничный TIFF"
            )
        return media_type, inspected.page_count

    def split(
        self,
        path: Path,
        media_type: MediaType,
        page_count: int,
        label: str,
        progress: Callable[[int], None] | None = None,
    ) -> StackReport:
        """Find the sheets, then take each part in through the ordinary intake."""
        report = StackReport()
        settings = self.archive.settings
        blank: set[int] = set()
        sheets = find_cover_sheets(path, media_type, progress, blank)
        if not sheets:
            report.problems.append("В пачке не найдено ни одного титульного листа")
        sheet_pages = {s.page for s in sheets}
        # A blank page right after a cover sheet is its back, scanned duplex: not a
        # page of the document that follows.
        sheet_pages |= {s.page + 1 for s in sheets if s.page + 1 in blank}
        bounds = [(0, None, None)] + [(s.page, s.payload, s.problem) for s in sheets]
        settings.tmp_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=settings.tmp_dir) as tmp:
            for i, (start, payload, problem) in enumerate(bounds):
                end = bounds[i + 1][0] if i + 1 < len(bounds) else page_count + 1
                pages = [n for n in range(start + 1, end) if n not in sheet_pages]
                if pages and all(n in blank for n in pages):  # never a document of its own
                    where = (
                        f"листы {pages[0]}–{pages[-1]}" if len(pages) > 1 else f"лист {pages[0]}"
                    )
                    report.problems.append(f"{label}, {where}: пустые, не приняты как документ")
                    continue
                if not pages:
                    if start:
                        report.problems.append(f"Лист {start}: после титульного листа нет страниц")
                    continue
                where = f"листы {pages[0]}–{pages[-1]}" if len(pages) > 1 else f"лист {pages[0]}"
                if start == 0:
                    report.problems.append(
                        f"{label}, {where}: перед первым титульным листом — ждут подшивки"
                    )
                elif problem:
                    report.problems.append(f"Лист {start}: {problem}; {where} ждут подшивки")
                school_id, refusal = self._school_of_part(payload)
                if refusal:
                    report.problems.append(f"Лист {start}: {refusal}; {where} ждут подшивки")
                    payload = None
                part = Path(tmp) / f"part-{i:03d}.{media_type.extension}"
                _write_part(path, media_type, pages, part)
                name = f"{Path(label).stem} — {where}.{media_type.extension}"
                outcome = IngestService(self.archive, school_id).ingest_path(
                    part,
                    given_as=f"{label}: {where}",
                    filename=name,
                    cover_payload=payload.encode() if payload else None,
                )
                report.parts.append(StackPart(pages[0], pages[-1], payload, outcome))
        return report

    def _school_of_part(self, payload: CoverPayload | None) -> tuple[int | None, str | None]:
        """The school a part is taken in for, or the stack's with the reason it is not
        the one its sheet names."""
        if payload is None or payload.school_id is None:
            return self.school_id, None
        schools = SchoolService(self.archive)
        own = self.school_id if self.school_id is not None else schools.id_of(None)
        if payload.school_id == own:
            return self.school_id, None
        names = {s.id: s.name for s in schools.all()}
        if payload.school_id not in names:
            return self.school_id, f"титульный лист организации № {payload.school_id}, её нет"
        if not self.follow_sheets:
            return self.school_id, (
                f"титульный лист другой организации («{names[payload.school_id]}»)"
            )
        return payload.school_id, None
