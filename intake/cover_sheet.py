"""Cover sheets (титульные листы) for batch scanning: made as PDF, found in a scan.

The archivist prints one sheet per record, puts it before the record, and scans the whole
stack as one file. Each sheet carries its filing (nomenclature item, case, pupil, school
year, class, title) twice as a QR code (top and bottom, so a fold or a stain on one
does not lose the sheet) and once as text for the person holding it. Sheets are found
by reading QR codes on every page at 150 dpi; the sheets themselves are not archived.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from PIL import Image, ImageSequence

from archive_service.domain import MediaType
from archive_service.reading.blank import is_blank
from archive_service.reading.pdf_pages import each_page

SCHEME = "school-archive"
DETECT_DPI = 150
FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
FONT_BOLD_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
)
HEADING = "ТИТУЛЬНЫЙ ЛИСТ АРХИВА"


class CoverSheetError(ValueError):
    pass


@dataclass(frozen=True)
class CoverPayload:
    kind: str  # nomenclature item index, «04-01»
    case_id: int | None = None
    pupil_id: str | None = None
    school_year: str | None = None
    class_label: str | None = None
    title: str | None = None
    document_date: str | None = None  # ISO; from a bulk-import manifest, not a sheet
    subject: str | None = None
    # The school whose record this is, by its id in this archive's catalog (as the case
    # and the pupil are): short enough to keep the code easy to read at 150 dpi, where
    # a school's full name would double its size. None: the uploader's school.
    school_id: int | None = None

    def encode(self) -> str:
        fields = {
            "v": "1",
            "kind": self.kind,
            "case": str(self.case_id) if self.case_id is not None else None,
            "pupil": self.pupil_id,
            "year": self.school_year,
            "class": self.class_label,
            "title": self.title,
            "date": self.document_date,
            "subject": self.subject,
            "school": str(self.school_id) if self.school_id is not None else None,
        }
        return f"{SCHEME}:cover?" + urlencode({k: v for k, v in fields.items() if v})

    @classmethod
    def decode(cls, text: str) -> CoverPayload | None:
        """The payload of one of our sheets; None for any other QR code."""
        parts = urlsplit(text)
        if parts.scheme != SCHEME or parts.path != "cover":
            return None
        q = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if q.get("v") != "1" or not q.get("kind"):
            raise CoverSheetError("титульный лист неизвестной версии или без вида документа")
        case = q.get("case")
        if case is not None and not case.isdigit():
            raise CoverSheetError(f"номер дела «{case}» на титульном листе не число")
        school = q.get("school")
        if school is not None and not school.isdigit():
            raise CoverSheetError(f"номер организации «{school}» на титульном листе не число")
        return cls(
            kind=q["kind"],
            case_id=int(case) if case else None,
            pupil_id=q.get("pupil"),
            school_year=q.get("year"),
            class_label=q.get("class"),
            title=q.get("title"),
            document_date=q.get("date"),
            subject=q.get("subject"),
            school_id=int(school) if school else None,
        )


@dataclass(frozen=True)
class CoverSheet:
    payload: CoverPayload
    lines: list[str]  # what the sheet says in words: item, case, pupil, year, class


def font_path(candidates: tuple[str, ...]) -> str:
    """The first DejaVu font found: the PDFs the archive prints need Cyrillic glyphs."""
    for path in candidates:
        if Path(path).exists():
            return path
    raise CoverSheetError("Нет шрифта DejaVu: установите пакет fonts-dejavu-core")


def render_cover_sheets(sheets: list[CoverSheet]) -> bytes:
    """A PDF with one A4 cover sheet per entry."""
    # Imported here, not at the top: every CLI command imports this module, and only
    # this function needs the library (a quicker start for `archive ingest` and others).
    import segno
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", font_path(FONT_PATHS))
    pdf.add_font("DejaVu", "B", font_path(FONT_BOLD_PATHS))
    for sheet in sheets:
        pdf.add_page()
        code = segno.make(sheet.payload.encode(), error="m")
        png = io.BytesIO()
        code.save(png, kind="png", scale=8, border=4)
        pdf.set_font("DejaVu", "B", 22)
        pdf.set_xy(15, 20)
        pdf.cell(120, 12, HEADING)
        pdf.set_font("DejaVu", "", 11)
        pdf.set_xy(15, 34)
        pdf.multi_cell(
            115,
            6,
            "Вложите перед документом и сканируйте вместе с ним. Этот лист в архив не попадает.",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.image(io.BytesIO(png.getvalue()), x=140, y=15, w=55, h=55)
        pdf.set_font("DejaVu", "", 16)
        pdf.set_xy(15, 85)
        for line in sheet.lines:
            pdf.set_x(15)
            pdf.multi_cell(180, 10, line, new_x="LMARGIN", new_y="NEXT")
        pdf.image(io.BytesIO(png.getvalue()), x=15, y=222, w=55, h=55)
    return bytes(pdf.output())


def _page_images(path: Path, media_type: MediaType) -> Iterator[tuple[int, Image.Image]]:
    if media_type is MediaType.PDF:
        for number, page in each_page(path):  # a long stack in the memory of a few pages
            image = page.render(scale=DETECT_DPI / 72, grayscale=True).to_pil()
            yield number, image
        return
    with Image.open(path) as img:
        for n, frame in enumerate(ImageSequence.Iterator(img), start=1):
            copy = frame.convert("L")
            scale = DETECT_DPI / float((frame.info.get("dpi") or (300, 300))[0] or 300)
            if scale < 1:
                copy = copy.resize((int(copy.width * scale), int(copy.height * scale)))
            yield n, copy


@dataclass(frozen=True)
class FoundSheet:
    page: int
    payload: CoverPayload | None
    problem: str | None = None


def find_cover_sheets(
    path: Path,
    media_type: MediaType,
    progress: Callable[[int], None] | None = None,
    blank: set[int] | None = None,
) -> list[FoundSheet]:
    """Every page that carries one of our QR codes, with what it says or why it can't.
    `progress` hears the number of each page once it is read; `blank`, if given, gets
    the numbers of blank pages (the backs of a duplex scan), judged from the same image."""
    import zxingcpp  # imported when needed: see render_cover_sheets

    found = []
    for number, image in _page_images(path, media_type):
        texts = [r.text for r in zxingcpp.read_barcodes(image) if r.text]
        payload: CoverPayload | None = None
        problem: str | None = None
        ours = False
        for text in texts:
            try:
                decoded = CoverPayload.decode(text)
            except CoverSheetError as exc:
                ours, problem = True, str(exc)
                continue
            if decoded is not None:
                ours, payload, problem = True, decoded, None
                break
        if ours:
            found.append(FoundSheet(number, payload, problem))
        elif blank is not None and is_blank(image):
            blank.add(number)
        if progress is not None:
            progress(number)
    return found
