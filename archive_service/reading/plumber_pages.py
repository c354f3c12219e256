"""pdfplumber pages by number, found through qpdf's page list instead of pdfminer's walk.

pdfplumber (`pdfplumber.open(pages=...)`, or `PDF.pages`) and pdfminer
(`PDFPage.create_pages`) reach page N by walking the page tree from the start, parsing
every page object before it in Python. A text-layer batch of a 300-page export reads 25
pages but walked up to 300, ~40 ms a batch. qpdf knows each page's object number at
once; pdfminer then parses only the pages read, inheriting the attributes a page takes
from its ancestors exactly as pdfminer's own walk does. Should qpdf not find the page
(a tree it repairs differently), pdfminer's walk is used.

A pool process reads one export in several batches, so what qpdf learns of the page tree
(each page's object, and what it inherits from which ancestor) is kept for the file,
keyed by its identity on disk (path, size, modification time, inode): qpdf's page list
of a 300-page export costs ~7 ms, once a process instead of once a batch. Inherited
boxes come as numbers from qpdf, so pdfminer no longer parses the /Pages node above 300
kids (~4.5 ms) for every batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any, cast

import pikepdf
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import dict_value
from pdfminer.psparser import LIT
from pdfplumber.page import Page as PlumberPage
from pdfplumber.pdf import PDF as PlumberPDF

LITERAL_PAGE = LIT("Page")
MAX_DEPTH = 64  # a page tree deeper than this is a loop, not a document


@dataclass(frozen=True)
class _PageRef:
    """A page's object number and what it inherits (PDF 32000 §7.7.3.4) from its nearest
    ancestors: boxes and rotation as plain numbers, anything else (resources) as the
    number of the ancestor holding it, for pdfminer to read there."""

    objid: int
    values: tuple[tuple[str, Any], ...]
    inherited: tuple[tuple[str, int], ...]


def plumber_pages(path: Path, plumb: PlumberPDF, numbers: list[int]) -> Iterator[PlumberPage]:
    """The pdfplumber pages of these numbers (from 1), in that order."""
    try:
        table = _page_table(path)
        pages = [_page(plumb, table[n - 1]) for n in numbers]
    except Exception:  # pdfminer's walk then finds the pages, or says why not
        pages = None
    if pages is None:
        yield from _walked(plumb, numbers)
        return
    for number, page_object in zip(numbers, pages, strict=True):
        yield PlumberPage(plumb, page_object, page_number=number, initial_doctop=0)


def _page_table(path: Path) -> tuple[_PageRef, ...]:
    stat = path.stat()
    return _read_page_table(str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)


@lru_cache(maxsize=2)
def _read_page_table(path: str, size: int, mtime_ns: int, inode: int) -> tuple[_PageRef, ...]:
    # qpdf would otherwise copy inherited attributes into every page on opening, hiding
    # where they come from (and taking ~2 ms).
    with pikepdf.open(path, inherit_page_attributes=False) as qpdf:
        return tuple(_page_ref(page.obj) for page in qpdf.pages)


def _page_ref(page: pikepdf.Object) -> _PageRef:
    missing = [key for key in PDFPage.INHERITABLE_ATTRS if "/" + key not in page]
    values: list[tuple[str, Any]] = []
    inherited: list[tuple[str, int]] = []
    node = page
    for _ in range(MAX_DEPTH):
        parent = node.get("/Parent")
        if not missing or not isinstance(parent, pikepdf.Dictionary):
            break
        for key in [key for key in missing if "/" + key in parent]:
            missing.remove(key)
            value = _numbers(parent["/" + key])
            if value is not None:
                values.append((key, value))
            elif parent.is_indirect:
                inherited.append((key, parent.objgen[0]))
            else:
                raise ValueError("a /Pages node that is not an indirect object")
        node = parent
    return _PageRef(page.objgen[0], tuple(values), tuple(inherited))


def _numbers(value: Any) -> int | float | list[int | float] | None:
    """A number or an array of numbers as pdfminer parses them; None for anything else.

    A 300-page export keeps its MediaBox in the /Pages node above 300 kids: taken from
    qpdf as numbers, pdfminer needs not parse that node (~4.5 ms) for each batch."""
    if type(value) is int:
        return value
    if type(value) is Decimal:
        return float(value)
    if isinstance(value, pikepdf.Array):
        items = [_numbers(item) for item in value]
        if all(type(item) in (int, float) for item in items):
            return cast(list[int | float], items)
    return None


def _page(plumb: PlumberPDF, ref: _PageRef) -> PDFPage:
    attrs: dict[str, Any] = dict_value(plumb.doc.getobj(ref.objid)).copy()
    if attrs.get("Type") is not LITERAL_PAGE:
        raise ValueError(f"object {ref.objid} is not a page")
    attrs.update(ref.values)
    for key, ancestor in ref.inherited:  # the nearest ancestor's value, as pdfminer's walk
        attrs[key] = dict_value(plumb.doc.getobj(ancestor))[key]
    return PDFPage(plumb.doc, ref.objid, attrs, label=None)  # labels do not change text


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
