"""A scanned page's single-page PDF: its image, with the recognised text laid over it.

Tesseract reads only the area of the page that holds ink (reading/text_area.py), so its
own PDF would be that area alone. Its text-only PDF (`textonly_pdf`, the invisible text
with its glyphless font, as OCRmyPDF uses it) is laid over the whole page's image
instead, scaled into the area it was read from, as pikepdf's `add_overlay` places a page
as a form: ~2 ms a page. The image is the page as JPEG at quality 80 (as Tesseract's
renderer embedded it before), so a page costs what it did on disk.
"""

from __future__ import annotations

import io

import pikepdf
from PIL import Image

from archive_service.reading.text_area import Box

JPEG_QUALITY = 80


def page_pdf(
    img: Image.Image, dpi: int, text_pdf: bytes | None = None, box: Box | None = None
) -> bytes:
    """The page as a PDF of its size at `dpi`; `text_pdf`'s one page laid over `box`."""
    grey = img.convert("L") if img.mode != "L" else img
    jpeg = io.BytesIO()
    grey.save(jpeg, format="JPEG", quality=JPEG_QUALITY, dpi=(dpi, dpi))
    width, height = grey.width * 72 / dpi, grey.height * 72 / dpi
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(width, height))
    image = pikepdf.Stream(
        pdf,
        jpeg.getvalue(),
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=grey.width,
        Height=grey.height,
        ColorSpace=pikepdf.Name.DeviceGray,
        BitsPerComponent=8,
        Filter=pikepdf.Name.DCTDecode,
    )
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.Contents = pdf.make_stream(f"q {width:.4f} 0 0 {height:.4f} 0 0 cm /Im0 Do Q".encode())
    out = io.BytesIO()
    if text_pdf is None:
        pdf.save(out)
        return out.getvalue()
    left, top, right, bottom = (side * 72 / dpi for side in box or (0, 0, grey.width, grey.height))
    # The text page's objects are copied at once, its streams only as `save` writes them:
    # the text PDF stays open until then.
    with pikepdf.open(io.BytesIO(text_pdf)) as text:
        page.add_overlay(
            text.pages[0],
            pikepdf.Rectangle(left, height - bottom, right, height - top),
        )
        pdf.save(out)
    return out.getvalue()
