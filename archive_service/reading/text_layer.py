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
from pdfminer.pdfdevice import PDFTextSeq
from pdfminer.pdffont import PDFFont, PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFGraphicState, PDFResourceManager, PDFStackT
from pdfminer.pdftypes import PDFStream
from pdfminer.utils import Matrix, PathSegment, Point, apply_matrix_rect
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
    extractor = _WordExtractor()
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
    device = _CharCollector(
        page.pdf.rsrcmgr,
        pageno=page.page_number,
        origin=(page.mediabox[0], page.mediabox[1], page.height),
    )
    _CharInterpreter(page.pdf.rsrcmgr, device).process_page(page.page_obj)
    return device.chars


class _CharInterpreter(QpdfLexedInterpreter):
    """The interpreter for `_CharCollector`, which keeps no graphic state: pdfminer
    copies the graphic state for every string shown, for devices that keep one per
    character, ~400 copies a journal page for nothing here."""

    def do_TJ(self, seq: PDFStackT) -> None:
        if self.textstate.font is None:
            return  # pdfminer skips it too, unless in its strict mode
        self.device.render_string(
            self.textstate, cast(PDFTextSeq, seq), self.graphicstate.ncs, self.graphicstate
        )


class _CharCollector(PDFPageAggregator):
    """pdfminer's page aggregator (the one behind pdfplumber's `page.layout`) keeping only
    each character's text and box, in drawing order, form XObjects included.

    pdfminer builds an `LTChar` object per character and the whole layout tree around
    it, then pdfplumber walks it; on a dense page that was half the reading time. Here
    the same box `LTChar.__init__` computes (same formulas, same font metrics, the same
    order of float operations) goes straight into the dict pdfplumber's word extractor
    reads. Ruling lines and images are dropped: a journal export's grid draws some 600
    cell borders a page, and skipping them took a grid page from 78 to 46 ms.
    """

    def __init__(
        self, rsrcmgr: PDFResourceManager, pageno: int, origin: tuple[float, float, float]
    ) -> None:
        super().__init__(rsrcmgr, pageno=pageno, laparams=None)
        self.x_offset, self.top_offset, self.height = origin
        self.chars: list[dict[str, Any]] = []
        self._glyphs: dict[PDFFont, dict[int, tuple[str, float]]] = {}

    def render_string_horizontal(
        self,
        seq: PDFTextSeq,
        matrix: Matrix,
        pos: Point,
        font: PDFFont,
        fontsize: float,
        scaling: float,
        charspace: float,
        wordspace: float,
        rise: float,
        dxscale: float,
        ncs: PDFColorSpace,
        graphicstate: PDFGraphicState,
    ) -> Point:
        """pdfminer's own loop over a shown string, with `translate_matrix` and
        `render_char` inlined for unrotated text (nearly all of it) and each glyph's
        text and width looked up once per font on the page, not once per character: the
        per-character calls were a third of the reading time of a dense page."""
        a, b, c, d, e, f = matrix
        if b != 0 or c != 0:
            return super().render_string_horizontal(
                seq,
                matrix,
                pos,
                font,
                fontsize,
                scaling,
                charspace,
                wordspace,
                rise,
                dxscale,
                ncs,
                graphicstate,
            )
        glyphs = self._glyphs.get(font)
        if glyphs is None:
            glyphs = self._glyphs[font] = {}
        descent = font.get_descent() * fontsize
        low, high = descent + rise, descent + rise + fontsize
        upright = a * d * scaling > 0
        x_offset, top_offset, height = self.x_offset, self.top_offset, self.height
        append = self.chars.append
        x, y = pos
        needcharspace = False
        for obj in seq:
            if isinstance(obj, (int, float)):
                x -= obj * dxscale
                needcharspace = True
            elif isinstance(obj, bytes):
                for cid in font.decode(obj):
                    if needcharspace:
                        x += charspace
                    glyph = glyphs.get(cid)
                    if glyph is None:
                        glyph = glyphs[cid] = (self._text(font, cid), font.char_width(cid))
                    adv = glyph[1] * fontsize * scaling
                    # translate_matrix(matrix, (x, y)) with b == c == 0, then LTChar's box
                    e1, f1 = x * a + e, y * d + f
                    x0, x1 = e1, a * adv + e1
                    y0, y1 = d * low + f1, d * high + f1
                    if x1 < x0:
                        x0, x1 = x1, x0
                    if y1 < y0:
                        y0, y1 = y1, y0
                    top = height - y1 + top_offset
                    append(
                        {
                            "text": glyph[0],
                            "x0": x0 + x_offset,
                            "x1": x1 + x_offset,
                            "top": top,
                            "doctop": top,
                            "bottom": height - y0 + top_offset,
                            "upright": upright,
                        }
                    )
                    x += adv
                    if cid == 32 and wordspace:
                        x += wordspace
                    needcharspace = True
        return (x, y)

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
        """One character of rotated or vertical text, as `LTChar.__init__` boxes it."""
        adv: float = font.char_width(cid) * fontsize * scaling
        if font.is_vertical():
            vx, vy = cast(tuple[float | None, float], font.char_disp(cid))
            vx = fontsize * 0.5 if vx is None else vx * fontsize * 0.001
            vy = (1000 - vy) * fontsize * 0.001
            bbox = (-vx, vy + rise + adv, -vx + fontsize, vy + rise)
        else:
            descent = font.get_descent() * fontsize
            bbox = (0, descent + rise, adv, descent + rise + fontsize)
        x0, y0, x1, y1 = apply_matrix_rect(matrix, bbox)
        a, b, c, d, _, _ = matrix
        top = self.height - max(y0, y1) + self.top_offset
        self.chars.append(
            {
                "text": self._text(font, cid),
                "x0": min(x0, x1) + self.x_offset,
                "x1": max(x0, x1) + self.x_offset,
                "top": top,
                "doctop": top,
                "bottom": self.height - min(y0, y1) + self.top_offset,
                "upright": a * d * scaling > 0 and b * c <= 0,
            }
        )
        return adv

    def _text(self, font: PDFFont, cid: int) -> str:
        try:
            return font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            return self.handle_undefined_char(font, cid)

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


class _WordExtractor(WordExtractor):
    """pdfplumber's word extractor, its grouping of characters into words untouched, with
    each word holding only what the archive keeps: text and box. Its own `merge_chars`
    adds doctop, size and direction through generic bounding-box helpers, a tenth of a
    journal page's reading time for keys nothing here reads."""

    def merge_chars(self, ordered_chars: list[dict[str, Any]]) -> dict[str, Any]:
        expansions = self.expansions
        first = ordered_chars[0]
        x0, top, x1, bottom = first["x0"], first["top"], first["x1"], first["bottom"]
        for char in ordered_chars[1:]:
            if char["x0"] < x0:
                x0 = char["x0"]
            if char["top"] < top:
                top = char["top"]
            if char["x1"] > x1:
                x1 = char["x1"]
            if char["bottom"] > bottom:
                bottom = char["bottom"]
        return {
            "text": "".join([expansions.get(c["text"], c["text"] or "") for c in ordered_chars]),
            "x0": x0,
            "x1": x1,
            "top": top,
            "bottom": bottom,
        }


def _lines(words: list[dict[str, Any]]) -> str:
    """The page's text as `Page.extract_text` (without layout) builds it: words clustered
    into lines by their top in the order the words come (its text map takes the words as
    presorted, which matters for upside-down or mirrored text), joined by spaces, one
    line each; reusing the words saves extracting them twice."""
    lines = cluster_objects(words, itemgetter("top"), DEFAULT_Y_TOLERANCE, preserve_order=True)
    return "\n".join(" ".join(word["text"] for word in line) for line in lines)


def _word(word: dict[str, Any]) -> Word:
    x0, top = word["x0"], word["top"]
    # text, left, top, width, height, confidence: positional, ~500 words a page
    return Word(
        word["text"],
        round(x0, 2),
        round(top, 2),
        round(word["x1"] - x0, 2),
        round(word["bottom"] - top, 2),
        100.0,
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
