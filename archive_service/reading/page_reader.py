"""Read one page that has no text layer: rasterise, turn upright, OCR; a blank page
(reading/blank.py) is kept as its image alone, with no orientation or OCR pass."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from PIL import Image

from archive_service.domain import MediaType, PageSource
from archive_service.reading.blank import is_blank
from archive_service.reading.images import load_page_image, preview_jpeg
from archive_service.reading.ocr import detect_rotation, recognise_file, save_for_ocr, upright
from archive_service.reading.result import PageReading


def ocr_page(
    path: Path, media_type: MediaType, number: int, dpi: int, languages: str
) -> PageReading:
    image, image_dpi = load_page_image(path, media_type, number, dpi)
    if is_blank(image):
        return _blank_page(number, image, image_dpi)
    rotation = detect_rotation(image)
    image = upright(image, rotation)
    width, height = image.size
    preview = preview_jpeg(image)
    with tempfile.TemporaryDirectory(prefix="ocr-") as tmp:
        source = save_for_ocr(image, image_dpi, Path(tmp))
        # Tesseract reads the JPEG: the page's own buffers (tens of MB) are let go
        # before it starts, so the worker and its Tesseract never hold both at once.
        image.close()
        del image
        out = recognise_file(source, languages)
    return PageReading(
        number=number,
        source=PageSource.OCR,
        text=out.text,
        confidence=out.confidence,
        rotation=rotation,
        width=width,
        height=height,
        words=out.words,
        preview_jpeg=preview,
        page_pdf=out.pdf,
    )


def _blank_page(number: int, image: Image.Image, dpi: int) -> PageReading:
    """The page's image as its PDF page (no text to lay over it)."""
    width, height = image.size
    pdf = io.BytesIO()
    image.convert("L").save(pdf, format="PDF", resolution=float(dpi))
    return PageReading(
        number=number,
        source=PageSource.BLANK,
        text="",
        confidence=None,
        rotation=0,
        width=width,
        height=height,
        words=[],
        preview_jpeg=preview_jpeg(image),
        page_pdf=pdf.getvalue(),
    )
