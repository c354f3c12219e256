"""Page images: a PDF page rasterised, or one frame of a TIFF/JPEG/PNG, plus previews."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps

from archive_service.domain import MediaType

PREVIEW_WIDTH = 1000
DEFAULT_IMAGE_DPI = 300
MIN_TRUSTED_DPI = 70
# A scan taken from a PDF as it is: grey or RGB, at a resolution Tesseract reads well.
SCAN_COLORSPACES = (pdfium_c.FPDF_COLORSPACE_DEVICEGRAY, pdfium_c.FPDF_COLORSPACE_DEVICERGB)
MIN_SCAN_DPI = 200
MAX_SCAN_DPI = 600
MAX_SCAN_PIXELS = 120_000_000  # A3 at 600 dpi is 70 million


def render_pdf_page(pdf: pdfium.PdfDocument, number: int, dpi: int) -> Image.Image:
    page = pdf[number - 1]
    try:
        bitmap = page.render(scale=dpi / 72, grayscale=True)
        image: Image.Image = bitmap.to_pil().convert("L")
        return image
    finally:
        page.close()


def pdf_page_image(pdf: pdfium.PdfDocument, number: int, dpi: int) -> tuple[Image.Image, int]:
    """The page as a grey image for OCR, and its resolution.

    A scanner's PDF page is one picture covering the page: that picture is taken as it
    is, at the scanner's own resolution, which is both truer and ~110 ms a page cheaper
    than rendering the page (PDFium composes the page through its renderer even when it
    holds a single image). Anything else on the page, a turned page, a mask or an odd
    resolution, and the page is rendered at `dpi` as before.
    """
    page = pdf[number - 1]
    try:
        scan = _whole_page_scan(page)
        if scan is not None:
            return scan
    finally:
        page.close()
    return render_pdf_page(pdf, number, dpi), dpi


def _whole_page_scan(page: pdfium.PdfPage) -> tuple[Image.Image, int] | None:
    if page.get_rotation() != 0:
        return None
    objects = list(page.get_objects(max_depth=1))
    if len(objects) != 1 or objects[0].type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
        return None
    picture = objects[0]
    assert isinstance(picture, pdfium.PdfImage)
    width, height = page.get_size()
    left, bottom, right, top = picture.get_bounds()
    if max(abs(left), abs(bottom), abs(right - width), abs(top - height)) > 1.0:
        return None  # placed, cropped or turned on the page: render what the page shows
    matrix = picture.get_matrix()
    if matrix.b != 0 or matrix.c != 0 or matrix.a <= 0 or matrix.d <= 0:
        return None  # mirrored or rotated by its matrix
    meta = picture.get_metadata()
    if meta.bits_per_pixel not in (8, 24) or meta.colorspace not in SCAN_COLORSPACES:
        return None  # masks, 1-bit faxes, CMYK, indexed: PDFium's renderer knows best
    dpi = round(meta.horizontal_dpi)
    if abs(meta.vertical_dpi - meta.horizontal_dpi) > 1 or not (
        MIN_SCAN_DPI <= dpi <= MAX_SCAN_DPI
    ):
        return None
    if meta.width * meta.height > MAX_SCAN_PIXELS:
        return None  # never decode more than a large scan has; the renderer scales it
    image: Image.Image = picture.get_bitmap(render=False).to_pil().convert("L")
    return image, dpi


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
            return pdf_page_image(pdf, number, dpi)
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
