"""pdfplumber pages by number, found through qpdf's page list instead of pdfminer's walk.

pdfplumber (`pdfplumber.open(pages=...)`, or `PDF.pages`) and pdfminer
(`PDFPage.create_pages`) reach page N by walking the page tree from the start, parsing
every page object before it in Python. A text-layer batch of a 300-page export reads 25
pages but walked up to 300, ~40 ms a batch. qpdf knows each page's object number at
once; pdfminer then parses only the pages read, inheriting the attributes a page takes
from its ancestors exactly as pdfminer's own walk does. Should qpdf not find the page
(a tree it repairs differently), pdfminer's walk is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import pikepdf
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import dict_value, resolve1
from pdfminer.psparser import LIT
from pdfplumber.page import Page as PlumberPage
from pdfplumber.pdf import PDF as PlumberPDF

LITERAL_PAGE = LIT("Page")
MAX_DEPTH = 64  # a page tree deeper than this is a loop, not a document


def plumber_pages(path: Path, plumb: PlumberPDF, numbers: list[int]) -> Iterator[PlumberPage]:
    """The pdfplumber pages of these numbers (from 1), in that order."""
    try:
        with pikepdf.open(path) as qpdf:
            objids = [qpdf.pages[n - 1].obj.objgen[0] for n in numbers]
        pages = [_page(plumb, objid) for objid in objids]
    except Exception:  # pdfminer's walk then finds the pages, or says why not
        pages = None
    if pages is None:
        yield from _walked(plumb, numbers)
        return
    for number, page_object in zip(numbers, pages, strict=True):
        yield PlumberPage(plumb, page_object, page_number=number, initial_doctop=0)


def _page(plumb: PlumberPDF, objid: int) -> PDFPage:
    attrs: dict[str, Any] = dict_value(plumb.doc.getobj(objid)).copy()
    if attrs.get("Type") is not LITERAL_PAGE:
        raise ValueError(f"object {objid} is not a page")
    node = attrs
    for _ in range(MAX_DEPTH):
        parent = resolve1(node.get("Parent"))
        if not isinstance(parent, dict):
            break
        for key in PDFPage.INHERITABLE_ATTRS:  # the nearest ancestor's value wins
            if key not in attrs and key in parent:
                attrs[key] = parent[key]
        node = parent
    return PDFPage(plumb.doc, objid, attrs, label=None)  # labels do not change text


def _walked(plumb: PlumberPDF, numbers: list[int]) -> Iterator[PlumberPage]:
    wanted = set(numbers)
    by_number: dict[int, PDFPage] = {}
    tree = PDFPage.create_pages(plumb.doc)
    for number, page_object in enumerate(islice(tree, max(wanted)), start=1):
        if number in wanted:
            by_number[number] = page_object
    for number in numbers:
        if number in by_number:
            yield PlumberPage(plumb, by_number[number], page_number=number, initial_doctop=0)
