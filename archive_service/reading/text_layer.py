"""Pages of a PDF that carry their own text (born-digital or already OCR'd) are read, not
OCR'd: pdfplumber gives the exact text and word boxes, far faster than Tesseract."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from archive_service.domain import PageSource
from archive_service.reading.images import preview_jpeg
from archive_service.reading.result import PageReading, Word

MIN_TEXT_CHARS = 10
PREVIEW_DPI = 110


def pages_with_text_layer(path: Path) -> list[bool]:
    """For each page, whether its own text layer is what to read (no OCR).

    A page without images has nothing OCR could add, whatever its amount of text (a
    near-empty page of an export); a page with images needs real text of its own to
    skip OCR, since scanners stamp a few characters on pure image pages. PDFium
    answers both in C, so planning a 300-page journal costs milliseconds.
    """
    pdf = pdfium.PdfDocument(path)
    try:
        flags = []
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            try:
                text = textpage.get_text_range()
                chars = sum(1 for c in text if not c.isspace())
                has_image = (
                    next(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3), None)
                    is not None
                )
                flags.append(chars >= MIN_TEXT_CHARS or not has_image)
            finally:
                textpage.close()
                page.close()
        return flags
    finally:
        pdf.close()


def read_text_layer(path: Path, numbers: list[int]) -> Iterator[PageReading]:
    pdf = pdfium.PdfDocument(path)
    try:
        with pdfplumber.open(path, pages=numbers) as doc:
            for number, page in zip(numbers, doc.pages, strict=True):
                words = [
                    Word(
                        text=w["text"],
                        left=round(float(w["x0"]), 2),
                        top=round(float(w["top"]), 2),
                        width=round(float(w["x1"]) - float(w["x0"]), 2),
                        height=round(float(w["bottom"]) - float(w["top"]), 2),
                        confidence=100.0,
                    )
                    for w in page.extract_words()
                ]
                rendered = pdf[number - 1]
                try:
                    image = rendered.render(scale=PREVIEW_DPI / 72, grayscale=True).to_pil()
                finally:
                    rendered.close()
                yield PageReading(
                    number=number,
                    source=PageSource.TEXT_LAYER,
                    text=page.extract_text() or "",
                    confidence=100.0,  # the text is the document's own, not a guess
                    rotation=0,
                    width=round(float(page.width)),
                    height=round(float(page.height)),
                    words=words,
                    preview_jpeg=preview_jpeg(image),
                )
                page.close()
    finally:
        pdf.close()
