"""Pages of a PDF that carry their own text (born-digital or already OCR'd) are read, not
OCR'd: the exact text and word boxes, far faster than Tesseract."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTContainer, LTItem, LTPage
from pdfminer.pdfinterp import PDFGraphicState, PDFPageInterpreter
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import PDFStream
from pdfminer.utils import PathSegment
from pdfplumber.page import Page as PlumberPage
from pdfplumber.pdf import PDF as PlumberPDF
from pdfplumber.utils.clustering import cluster_objects
from pdfplumber.utils.text import DEFAULT_Y_TOLERANCE, WordExtractor

from archive_service.domain import PageSource
from archive_service.reading.images import preview_jpeg
from archive_service.reading.pdf_pages import each_page
from archive_service.reading.result import PageReading, Word

MIN_TEXT_CHARS = 10
PREVIEW_DPI = 110


def pages_with_text_layer(path: Path) -> list[bool]:
    """For each page, whether its own text layer is what to read (no OCR).

    A page without images has nothing OCR could add, whatever its amount of text (a
    near-empty page of an export); a page with images needs real text of its own to
    skip OCR, since scanners stamp a few characters on pure image pages. This is a
    yes/no per page, not the reading itself, so PDFium answers it in C: planning a
    300-page journal costs a fraction of a second, where parsing every page's content
    stream in Python first would cost seconds before any work could be shared out.
    """
    return [_reads_own_text(page) for _, page in each_page(path)]


def _reads_own_text(page: pdfium.PdfPage) -> bool:
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
    finally:
        textpage.close()
    chars = sum(1 for c in text if not c.isspace())
    has_image = (
        next(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3), None) is not None
    )
    return chars >= MIN_TEXT_CHARS or not has_image


def read_text_layer(path: Path, numbers: list[int]) -> Iterator[PageReading]:
    """Text and word boxes (top-left origin, PDF points) read by pdfplumber, and a preview
    of each page rendered by PDFium (pdfplumber's own renderer)."""
    extractor = WordExtractor()
    preview_source = pdfium.PdfDocument(path)
    try:
        with pdfplumber.open(path) as plumb:
            for page in _pages(plumb, numbers):
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


def _pages(plumb: PlumberPDF, numbers: list[int]) -> Iterator[PlumberPage]:
    """The pdfplumber pages of these numbers, walking the page tree no further than the
    last one. `pdfplumber.open(pages=...)` resolves every page of the document first,
    which for each batch of a 300-page export cost more than reading two of its pages.
    """
    wanted = set(numbers)
    tree = PDFPage.create_pages(plumb.doc)
    for number, page_object in enumerate(islice(tree, max(wanted)), start=1):
        if number in wanted:
            yield PlumberPage(plumb, page_object, page_number=number, initial_doctop=0)


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

    def walk(items: list[LTItem]) -> None:
        for item in items:
            if isinstance(item, LTChar):
                top = height - item.y1 + top_offset
                chars.append(
                    {
                        "text": item.get_text(),
                        "x0": item.x0 + x_offset,
                        "x1": item.x1 + x_offset,
                        "top": top,
                        "doctop": top,
                        "bottom": height - item.y0 + top_offset,
                        "upright": item.upright,
                    }
                )
            elif isinstance(item, LTContainer):  # a form XObject's figure
                walk(list(item))

    walk(list(_text_layout(page)))
    return chars


class _TextOnlyAggregator(PDFPageAggregator):
    """pdfminer's page aggregator (the one behind pdfplumber's `page.layout`) keeping
    only text. Ruling lines and images become objects the archive never reads, and a
    journal export's grid draws some 600 cell borders a page: skipping them took a grid
    page from 78 to 46 ms. Characters, their positions and form XObjects are untouched."""

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


def _text_layout(page: PlumberPage) -> LTPage:
    device = _TextOnlyAggregator(page.pdf.rsrcmgr, pageno=page.page_number, laparams=None)
    PDFPageInterpreter(page.pdf.rsrcmgr, device).process_page(page.page_obj)
    return device.get_result()


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
        return preview_jpeg(page.render(scale=PREVIEW_DPI / 72, grayscale=True).to_pil())
    finally:
        page.close()
