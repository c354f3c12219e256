"""Assemble a document's searchable PDF from its pages.

OCR'd pages come from their single-page PDFs (image plus invisible text); pages that had
their own text layer are taken from the original as they are. qpdf's page-selection job
(through pikepdf, qpdf's Python binding) writes the result page by page, reading each
page's streams from its file only while writing it: a 300-page scan is assembled in
about 40 MB, where copying pages into an in-memory document (PDFium, pypdf, or pikepdf's
own page lists) held every page's image at once (~1.1 GB for 300 pages of 3.8 MB).
"""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

import pikepdf


class AssemblyError(RuntimeError):
    pass


def assemble(out: Path, parts: list[tuple[Path, int]]) -> None:
    """Write a PDF whose page i is page parts[i][1] (1-based) of file parts[i][0]."""
    if not parts:
        raise AssemblyError("нет страниц для сборки")
    job = {
        "empty": "",
        "outputFile": str(out),
        "pages": [
            {"file": str(source), "range": _ranges([number for _, number in run])}
            for source, run in groupby(parts, key=lambda part: part[0])
        ],
        # Each file is opened while its pages are written, then closed: a long scan
        # never holds hundreds of descriptors.
        "keepFilesOpen": "n",
    }
    try:
        pikepdf.Job(job).run()
    except pikepdf.PdfError as exc:  # a damaged page PDF, a full disk
        raise AssemblyError(str(exc)) from exc
    except (RuntimeError, OSError) as exc:  # qpdf's job: usage errors, a missing file
        raise AssemblyError(str(exc)) from exc


def _ranges(numbers: list[int]) -> str:
    """qpdf's page range for these pages in this order: "1-3,7,5"."""
    spans: list[list[int]] = []
    for number in numbers:
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ",".join(f"{a}-{b}" if a != b else str(a) for a, b in spans)
