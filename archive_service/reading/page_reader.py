"""Read one page that has no text layer: rasterise, turn upright, OCR; a blank page
(reading/blank.py) is kept as its image alone, with no orientation or OCR pass. A
ruled page is read without its lines (reading/rules.py) and kept with them.

The blank check, the rules, the area to read and the preview all look at the page halved
once (`text_area.halved`), not each at the full page, and the rules, the area and the
print's size at its one ink mask. Print of ~11.5 points and up is read halved
(reading/text_size.py)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from archive_service.domain import MediaType, PageSource
from archive_service.reading.blank import is_blank
from archive_service.reading.images import PREVIEW_WIDTH, load_page_image, preview_jpeg
from archive_service.reading.ocr import upright
from archive_service.reading.orientation import read_upright
from archive_service.reading.page_pdf import page_pdf
from archive_service.reading.result import PageReading
from archive_service.reading.rules import print_ink, vertical_rules, without_rules
from archive_service.reading.text_area import halved, ink_mask
from archive_service.reading.text_size import reading_reduction


def ocr_page(
    path: Path,
    media_type: MediaType,
    number: int,
    dpi: int,
    languages: str,
    reduce: int | None = None,
) -> PageReading:
    """`reduce`, if given, overrides `reading_reduction`'s choice: how
    `bench/print_size_bench.py` reads a real scan both ways to compare them."""
    image, image_dpi = load_page_image(path, media_type, number, dpi)
    half = halved(image, image_dpi)
    if is_blank(half if half is not None else image):
        return _blank_page(number, image, image_dpi, half)
    ink = ink_mask(half) if half is not None else None
    rules = vertical_rules(ink, image_dpi)
    unruled = without_rules(image, rules)
    printed = None if ink is None else print_ink(ink, rules, image_dpi)
    if reduce is None:
        reduce = reading_reduction(printed, image_dpi)
    read = read_upright(unruled, image_dpi, languages, printed, reduce)
    # The scan itself, lines and all, is what the archive keeps.
    scan = read.image if unruled is image else upright(image, read.rotation)
    if half is not None and half.width >= PREVIEW_WIDTH:
        preview = preview_jpeg(upright(half, read.rotation))
    else:
        preview = preview_jpeg(scan)
    return PageReading(
        number=number,
        source=PageSource.OCR,
        text=read.ocr.text,
        confidence=read.ocr.confidence,
        rotation=read.rotation,
        width=scan.width,
        height=scan.height,
        words=read.ocr.words,
        preview_jpeg=preview,
        page_pdf=page_pdf(scan, image_dpi, read.ocr.text_pdf, read.box),
    )


def _blank_page(number: int, image: Image.Image, dpi: int, half: Image.Image | None) -> PageReading:
    """The page's image as its PDF page (no text to lay over it)."""
    small = half if half is not None and half.width >= PREVIEW_WIDTH else image
    width, height = image.size
    return PageReading(
        number=number,
        source=PageSource.BLANK,
        text="",
        confidence=None,
        rotation=0,
        width=width,
        height=height,
        words=[],
        preview_jpeg=preview_jpeg(small),
        page_pdf=page_pdf(image, dpi),
    )
