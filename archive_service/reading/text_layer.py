"""Pages of a PDF that carry their own text (born-digital or already OCR'd) are read, not
OCR'd: the exact text and word boxes, far faster than Tesseract."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any, cast

import pdfplumber
import pypdfium2 as pdfium
from pdfminer.converter import PDFPageAggregator
from pdfminer.pdfcolor import PDFColorSpace
from pdfminer.pdffont import PDFFont, PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFGraphicState, PDFResourceManager
from pdfminer.pdftypes import PDFStream
from pdfminer.utils import Matrix, PathSegment, apply_matrix_rect
from pdfplumber.page import Page as PlumberPage
from pdfplumber.utils.clustering import cluster_objects
from pdfplumber.utils.text import DEFAULT_Y_TOLERANCE, WordExtractor

from archive_service.domain import PageSource
from archive_service.reading.content_stream import QpdfLexedInterpreter
from archive_service.reading.images import PREVIEW_WIDTH, preview_jpeg
from archive_service.reading.plumber_pages import plumber_pages
from archive_service.reading.result import PageReading, Word

PREVIEW_DPI = 110


def read_text_layer(path: Path, numbers: list[int]) -> Iterator[PageReading]:
    """Text and word boxes (top-left origin, PDF points) read by pdfplumber, and a preview
    of each page rendered by PDFium (pdfplumber's own renderer)."""
    extractor = WordExtractor()
    preview_source = pdfium.PdfDocument(path)
    try:
        # The file is handed in and closed here: pdfplumber's own `close()` resolves every
        # page of the document to close them one by one, a walk of the whole page tree
        # per batch that pages never read here do not need.
        with path.open("rb") as fh:
            plumb = pdfplumber.open(fh)
            for page in plumber_pages(path, plumb, numbers):
                try:
                    words = extractor.extract_words(_chars(page))
                    width, height = page.width, page.height
                finally:
                    page.close()  # drop the parsed layout: a long export stays small
                yield PageReading(
                    number=page.page_number,
                    source=PageSource.TEXT_LAYER,
                    text=_lines(words),
                    confidence=100.0,  # the text is the document's own, not a guess
                    rotation=0,
                    width=round(width),
                    height=round(height),
                    words=[_word(w) for w in words],
                    preview_jpeg=_preview(preview_source, page.page_number),
                )
    finally:
        preview_source.close()


def _chars(page: PlumberPage) -> list[dict[str, Any]]:
    """The page's characters as pdfplumber's word extractor takes them.

    `page.chars` would give the same positions, but it turns each pdfminer character into
    a dict of every attribute, resolving colour spaces and graphic state on the way; that
    was 80 % of the time on a dense page (40 ms of 50) and would cap two cores under
    50 pages/s. Here only what words need is taken, with the same coordinates
    `Page.process_object` computes: the mediabox offset added, y turned top-down.
    """
    x_offset, top_offset = page.mediabox[0], page.mediabox[1]
    height = page.height
    chars: list[dict[str, Any]] = []
    for text, x0, y0, x1, y1, upright in _page_chars(page):
        top = height - y1 + top_offset
        chars.append(
            {
                "text": text,
                "x0": x0 + x_offset,
                "x1": x1 + x_offset,
                "top": top,
                "doctop": top,
                "bottom": height - y0 + top_offset,
                "upright": upright,
            }
        )
    return chars


CharBox = tuple[str, float, float, float, float, bool]  # text, x0, y0, x1, y1, upright


class _CharCollector(PDFPageAggregator):
    """pdfminer's page aggregator (the one behind pdfplumber's `page.layout`) keeping only
    each character's text and box, in drawing order, form XObjects included.

    pdfminer builds an `LTChar` object per character and the whole layout tree around
    it, then pdfplumber walks it; on a dense page that was half the reading time. Here
    `render_char` computes the same box `LTChar.__init__` does (same formulas, same font
    metrics) into a tuple. Ruling lines and images are dropped: a journal export's grid
    draws some 600 cell borders a page, and skipping them took a grid page from 78 to
    46 ms.
    """

    def __init__(self, rsrcmgr: PDFResourceManager, pageno: int) -> None:
        super().__init__(rsrcmgr, pageno=pageno, laparams=None)
        self.boxes: list[CharBox] = []

    def render_char(
        self,
        matrix: Matrix,
        font: PDFFont,
        fontsize: float,
        scaling: float,
        rise: float,
        cid: int,
        ncs: PDFColorSpace,
        graphicstate: PDFGraphicState,
    ) -> float:
        try:
            text = font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = self.handle_undefined_char(font, cid)
        adv: float = font.char_width(cid) * fontsize * scaling
        if font.is_vertical():
            vx, vy = cast(tuple[float | None, float], font.char_disp(cid))
            vx = fontsize * 0.5 if vx is None else vx * fontsize * 0.001
            vy = (1000 - vy) * fontsize * 0.001
            bbox = (-vx, vy + rise + adv, -vx + fontsize, vy + rise)
        else:
            descent = font.get_descent() * fontsize
            bbox = (0, descent + rise, adv, descent + rise + fontsize)
        a, b, c, d, e, f = matrix
        if b == 0 and c == 0:  # unrotated text, nearly all of it: the same sums, inlined
            x0, y0, x1, y1 = a * bbox[0] + e, d * bbox[1] + f, a * bbox[2] + e, d * bbox[3] + f
        else:
            x0, y0, x1, y1 = apply_matrix_rect(matrix, bbox)
        self.boxes.append(
            (
                text,
                min(x0, x1),
                min(y0, y1),
                max(x0, x1),
                max(y0, y1),
                a * d * scaling > 0 and b * c <= 0,
            )
        )
        return adv

    def paint_path(
        self,
        gstate: PDFGraphicState,
        stroke: bool,
        fill: bool,
        evenodd: bool,
        path: Sequence[PathSegment],
    ) -> None:
        return None

    def render_image(self, name: str, stream: PDFStream) -> None:
        return None


def _page_chars(page: PlumberPage) -> list[CharBox]:
    device = _CharCollector(page.pdf.rsrcmgr, pageno=page.page_number)
    QpdfLexedInterpreter(page.pdf.rsrcmgr, device).process_page(page.page_obj)
    return device.boxes


def _lines(words: list[dict[str, Any]]) -> str:
    """The page's text as `extract_text` (without layout) builds it: words clustered into
    lines by their top, joined by spaces, one line each; reusing the words saves
    extracting them twice."""
    lines = cluster_objects(words, itemgetter("top"), DEFAULT_Y_TOLERANCE)
    return "\n".join(" ".join(word["text"] for word in line) for line in lines)


def _word(word: dict[str, Any]) -> Word:
    return Word(
        text=word["text"],
        left=round(word["x0"], 2),
        top=round(word["top"], 2),
        width=round(word["x1"] - word["x0"], 2),
        height=round(word["bottom"] - word["top"], 2),
        confidence=100.0,
    )


def _preview(pdf: pdfium.PdfDocument, number: int) -> bytes:
    page = pdf[number - 1]
    try:
        # At most the preview's width straight away: a landscape page rendered at 110 dpi
        # and then shrunk cost more in the resize (5 ms) than in the rendering.
        scale = min(PREVIEW_DPI / 72, PREVIEW_WIDTH / page.get_width())
        return preview_jpeg(page.render(scale=scale, grayscale=True).to_pil())
    finally:
        page.close()
