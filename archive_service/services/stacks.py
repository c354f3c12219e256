"""A scanned stack with cover sheets: split at the sheets, each part taken in on its own.

Pages between two cover sheets are one record. Each part goes through the ordinary
intake (so duplicates, limits and every check apply) carrying its sheet's filing, which
is applied once the part is archived. The sheets are not archived. Pages before the
first sheet, and parts whose sheet cannot be read, are taken in unfiled: they wait in
the "to be filed" queue, and the report says why.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageSequence

from archive_service.archive import Archive
from archive_service.domain import MediaType
from archive_service.services.ingest import IngestOutcome, IngestService
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
    """The part's pages, copied as they are (PDF pages by PDFium, TIFF frames losslessly)."""
    if media_type is MediaType.PDF:
        src = pdfium.PdfDocument(source)
        out = pdfium.PdfDocument.new()
        try:
            out.import_pages(src, [n - 1 for n in pages])
            out.save(target)
        finally:
            out.close()
            src.close()
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
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def ingest_stack(self, path: Path, given_as: str | None = None) -> StackReport:
        label = given_as or path.name
        report = StackReport()
        settings = self.archive.settings
        try:
            with path.open("rb") as fh:
                media_type = sniff_media_type(fh.read(1024))
            inspected = inspect_file(path, media_type, settings.limits)
        except IntakeRejected as exc:
            report.error = exc.reason
            return report
        except OSError as exc:
            report.error = f"Файл не читается: {exc.strerror or exc}"
            return report
        if media_type not in (MediaType.PDF, MediaType.TIFF):
            report.error = "Пачку с титульными листами принимают как PDF или многостраничный TIFF"
            return report
        sheets = find_cover_sheets(path, media_type)
        if not sheets:
            report.problems.append("В пачке не найдено ни одного титульного листа")
        sheet_pages = {s.page for s in sheets}
        bounds = [(0, None, None)] + [(s.page, s.payload, s.problem) for s in sheets]
        settings.tmp_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=settings.tmp_dir) as tmp:
            for i, (start, payload, problem) in enumerate(bounds):
                end = bounds[i + 1][0] if i + 1 < len(bounds) else inspected.page_count + 1
                pages = [n for n in range(start + 1, end) if n not in sheet_pages]
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
                part = Path(tmp) / f"part-{i:03d}.{media_type.extension}"
                _write_part(path, media_type, pages, part)
                name = f"{Path(label).stem} — {where}.{media_type.extension}"
                outcome = IngestService(self.archive).ingest_path(
                    part,
                    given_as=f"{label}: {where}",
                    filename=name,
                    cover_payload=payload.encode() if payload else None,
                )
                report.parts.append(StackPart(pages[0], pages[-1], payload, outcome))
        return report
