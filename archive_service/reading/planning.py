"""Which pages of a PDF are read from their own text layer and which are OCR'd.

A page that draws no image has nothing OCR could add, whatever its amount of text (a
near-empty page of an export); a page with an image needs real text of its own to skip
OCR, since scanners stamp a few characters on pure image pages.

This is a yes/no per page before any work is shared out, so it must cost little. Whether
a page draws an image is answered by qpdf from the page's resources (images in form
XObjects included) without parsing its content; only a page whose content holds the
bytes `BI` is tokenised, to tell an inline image from those two letters in a string. The
text of image pages alone is then counted by PDFium. Asking PDFium for every page's
objects cost 1.4 s on a 300-page journal export (some 1 800 drawing objects a page, each
a Python call); this costs about 0.05 s.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pypdfium2 as pdfium

from archive_service.reading.pdf_pages import each_page

MIN_TEXT_CHARS = 10
FORM_DEPTH = 3  # as deep as scanners nest the page image in forms


def pages_with_text_layer(path: Path) -> list[bool]:
    """For each page, whether its own text layer is what to read (no OCR)."""
    with pikepdf.open(path) as pdf:
        draws_image = [_draws_image(page) for page in pdf.pages]
    reads_own_text = [not image for image in draws_image]
    image_pages = [n for n, image in enumerate(draws_image, start=1) if image]
    for number, page in each_page(path, image_pages):
        reads_own_text[number - 1] = _has_own_text(page)
    return reads_own_text


def _draws_image(page: pikepdf.Page) -> bool:
    if page.get_images():  # image XObjects, in forms too
        return True
    return _has_inline_image(page.obj, depth=0)


def _has_inline_image(holder: pikepdf.Object, depth: int) -> bool:
    """An inline image (BI … ID … EI) in the page's or its forms' content."""
    if b"BI" in _content(holder) and any(
        isinstance(i, pikepdf.ContentStreamInlineImage)
        for i in pikepdf.parse_content_stream(holder, "BI ID EI")
    ):
        return True
    if depth >= FORM_DEPTH:
        return False
    xobjects = holder.get("/Resources", pikepdf.Dictionary()).get("/XObject", pikepdf.Dictionary())
    return any(
        isinstance(x, pikepdf.Stream)
        and x.get("/Subtype") == pikepdf.Name.Form
        and _has_inline_image(x, depth + 1)
        for x in xobjects.values()
    )


def _content(holder: pikepdf.Object) -> bytes:
    if isinstance(holder, pikepdf.Stream):  # a form XObject
        return holder.read_bytes()
    contents = holder.get("/Contents")
    if isinstance(contents, pikepdf.Stream):
        return contents.read_bytes()
    if isinstance(contents, pikepdf.Array):
        return b"\n".join(c.read_bytes() for c in contents if isinstance(c, pikepdf.Stream))
    return b""


def _has_own_text(page: pdfium.PdfPage) -> bool:
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
    finally:
        textpage.close()
    return sum(1 for c in text if not c.isspace()) >= MIN_TEXT_CHARS
