"""Page images: a PDF page rasterised, or one frame of a TIFF/JPEG/PNG, plus previews."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageOps

from archive_service.domain import MediaType

PREVIEW_WIDTH = 1000
DEFAULT_IMAGE_DPI = 300
MIN_TRUSTED_DPI = 70


def render_pdf_page(pdf: pdfium.PdfDocument, number: int, dpi: int) -> Image.Image:
    page = pdf[number - 1]
    try:
        bitmap = page.render(scale=dpi / 72, grayscale=True)
        image: Image.Image = bitmap.to_pil().convert("L")
        return image
    finally:
        page.close()


def load_image_frame(path: Path, number: int) -> tuple[Image.Image, int]:
    """One frame as 8-bit grey, and the resolution it was scanned at (300 if unknown)."""
    with Image.open(path) as img:
        img.seek(number - 1)
        dpi_info = img.info.get("dpi")
        frame = ImageOps.exif_transpose(img) if number == 1 else img
        grey = frame.convert("L")
    dpi = DEFAULT_IMAGE_DPI
    if dpi_info:
        try:
            value = round(float(dpi_info[0]))
            if value >= MIN_TRUSTED_DPI:
                dpi = value
        except (TypeError, ValueError, IndexError):
            pass
    return grey, dpi


def load_page_image(
    path: Path, media_type: MediaType, number: int, dpi: int
) -> tuple[Image.Image, int]:
    if media_type is MediaType.PDF:
        pdf = pdfium.PdfDocument(path)
        try:
            return render_pdf_page(pdf, number, dpi), dpi
        finally:
            pdf.close()
    return load_image_frame(path, number)


def preview_jpeg(img: Image.Image, width: int = PREVIEW_WIDTH) -> bytes:
    if img.width > width:
        img = img.resize(
            (width, max(1, round(img.height * width / img.width))), Image.Resampling.BILINEAR
        )
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=70)
    return buf.getvalue()
