"""A PDF's pages through PDFium one after another, in the memory of a few pages.

PDFium keeps what it has parsed (a scan's page images too) until its document is
closed, so going through a 300-page scan with one open document held every page: the
worker planning such a scan peaked at 309 MB. Reopening the document every few pages
costs a fraction of a millisecond and bounds that to the last few pages.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pypdfium2 as pdfium

PAGES_PER_OPEN = 10


def page_count(path: Path) -> int:
    pdf = pdfium.PdfDocument(path)
    try:
        return len(pdf)
    finally:
        pdf.close()


def each_page(
    path: Path, numbers: Sequence[int] | None = None
) -> Iterator[tuple[int, pdfium.PdfPage]]:
    """(number from 1, page) for every page, or for these numbers in order; each page is
    closed once the caller moves on, so it must not be kept."""
    wanted = list(numbers) if numbers is not None else list(range(1, page_count(path) + 1))
    for first in range(0, len(wanted), PAGES_PER_OPEN):
        pdf = pdfium.PdfDocument(path)
        try:
            for number in wanted[first : first + PAGES_PER_OPEN]:
                page = pdf[number - 1]
                try:
                    yield number, page
                finally:
                    page.close()
        finally:
            pdf.close()
