"""The searchable PDF is assembled page by page from the pages' own PDFs, in the
document's order, and a page that cannot be read stops it with a reason."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest

from archive_service.reading.searchable_pdf import AssemblyError, assemble
from tests.pagegen import born_digital_pdf


def texts(path: Path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [(page.extract_text() or "").strip() for page in pdf.pages]


def test_pages_come_in_the_documents_order_from_their_own_files(tmp_path: Path) -> None:
    original = born_digital_pdf(tmp_path / "original.pdf", [["Лист 1"], ["Лист 2"], ["Лист 3"]])
    ocr_page = born_digital_pdf(tmp_path / "0002.pdf", [["Лист 2 распознан"]])
    out = tmp_path / "searchable.pdf"
    assemble(out, [(original, 1), (ocr_page, 1), (original, 3)])
    assert texts(out) == ["Лист 1", "Лист 2 распознан", "Лист 3"]


def test_runs_of_one_file_keep_their_order_even_when_not_ascending(tmp_path: Path) -> None:
    original = born_digital_pdf(tmp_path / "original.pdf", [[f"Лист {n}"] for n in range(1, 6)])
    out = tmp_path / "searchable.pdf"
    assemble(out, [(original, 4), (original, 5), (original, 1), (original, 2)])
    assert texts(out) == ["Лист 4", "Лист 5", "Лист 1", "Лист 2"]


def test_a_damaged_page_file_is_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    damaged = tmp_path / "0001.pdf"
    damaged.write_bytes(b"%PDF-1.4\n% not a page\n")
    out = tmp_path / "searchable.pdf"
    with pytest.raises(AssemblyError):
        assemble(out, [(damaged, 1)])
    assert not out.exists()


def test_a_missing_page_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AssemblyError, match=r"0007\.pdf"):
        assemble(tmp_path / "searchable.pdf", [(tmp_path / "0007.pdf", 1)])
