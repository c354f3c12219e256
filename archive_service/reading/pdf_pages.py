"""A PDF's pages through PDFium one after another, in the memory of a few pages.

PDFium keeps what it has parsed (a scan's page images too) until its document is
closed, so going through a 300-page scan with one open document held every page: the
worker planning such a scan peaked at 309 MB. Reopening the document every few pages
costs a fraction of a millisecond and bounds that to the last few pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium

PAGES_PER_OPEN = 10


def page_count(path: Path) -> int:
    pdf = pdfium.PdfDocument(path)
    try:
        return len(pdf)
    finally:
        pdf.close()


def each_page(path: Path) -> Iterator[tuple[int, pdfium.PdfPage]]:
    """(number from 1, page) for every page; each page is closed once the caller moves
    on, so it must not be kept."""
    count = page_count(path)
    for first in range(0, count, PAGES_PER_OPEN):
        pdf = pdfium.PdfDocument(path)
        try:
            for index in range(first, min(first + PAGES_PER_OPEN, count)):
                page = pdf[index]
                try:
                    yield index + 1, page
                finally:
                    page.close()
        finally:
            pdf.close()
