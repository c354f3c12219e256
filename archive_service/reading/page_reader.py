"""Read one page that has no text layer: rasterise, turn upright, OCR."""

from __future__ import annotations

import tempfile
from pathlib import Path

from archive_service.domain import MediaType, PageSource
from archive_service.reading.images import load_page_image, preview_jpeg
from archive_service.reading.ocr import detect_rotation, recognise_file, save_for_ocr, upright
from archive_service.reading.result import PageReading


def ocr_page(
    path: Path, media_type: MediaType, number: int, dpi: int, languages: str
) -> PageReading:
    image, image_dpi = load_page_image(path, media_type, number, dpi)
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
