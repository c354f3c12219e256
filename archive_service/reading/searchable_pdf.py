"""Assemble a document's searchable PDF from its pages.

OCR'd pages come from their single-page PDFs (image plus invisible text); pages that had
their own text layer are taken from the original as they are. PDFium copies pages in C
and writes straight to a file, so a 300-page scan does not pass through Python memory.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium


def assemble(out: Path, parts: list[tuple[Path, int]]) -> None:
    """Write a PDF whose page i is page parts[i][1] (1-based) of file parts[i][0]."""
    remaining = Counter(source for source, _ in parts)
    target = pdfium.PdfDocument.new()
    opened: dict[Path, pdfium.PdfDocument] = {}
    try:
        for source, number in parts:
            src = opened.get(source)
            if src is None:
                src = opened[source] = pdfium.PdfDocument(source)
            target.import_pages(src, [number - 1])
            remaining[source] -= 1
            if remaining[source] == 0:  # free each source once its last page is copied
                opened.pop(source).close()
        target.save(out)
    finally:
        for doc in opened.values():
            doc.close()
        target.close()
