"""Read one page that has no text layer: rasterise, turn upright, OCR."""

from __future__ import annotations

from pathlib import Path

from archive_service.domain import MediaType, PageSource
from archive_service.reading.images import load_page_image, preview_jpeg
from archive_service.reading.ocr import detect_rotation, recognise, upright
from archive_service.reading.result import PageReading


def ocr_page(
    path: Path, media_type: MediaType, number: int, dpi: int, languages: str
) -> PageReading:
    image, image_dpi = load_page_image(path, media_type, number, dpi)
    rotation = detect_rotation(image)
    image = upright(image, rotation)
    out = recognise(image, image_dpi, languages)
    return PageReading(
        number=number,
        source=PageSource.OCR,
        text=out.text,
        confidence=out.confidence,
        rotation=rotation,
        width=image.width,
        height=image.height,
        words=out.words,
        preview_jpeg=preview_jpeg(image),
        page_pdf=out.pdf,
    )
