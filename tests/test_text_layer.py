"""Text layers are read with pdfplumber: what the archive stores for a page is exactly
what pdfplumber's own `extract_text` and `extract_words` give for it."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    RectangleObject,
)

from archive_service.reading.text_layer import read_text_layer
from tests.pagegen import born_digital_pdf

LINES = [
    ["Протокол итогового собеседования по русскому языку", "9 «А» класс, 2024/2025 уч. год"],
    ["Ведомость учёта успеваемости", "Иванова Мария Петровна — «отлично»"],
    ["Лист третий: решение педагогического совета"],
]


def plumber_reference(path: Path, number: int) -> tuple[str, list[tuple[str, float, float]]]:
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[number - 1]
        words = [(w["text"], round(w["x0"], 2), round(w["top"], 2)) for w in page.extract_words()]
        return page.extract_text(), words


def assert_read_as_pdfplumber_reads(path: Path, numbers: list[int]) -> None:
    readings = list(read_text_layer(path, numbers))
    assert [r.number for r in readings] == numbers
    for reading in readings:
        text, words = plumber_reference(path, reading.number)
        assert reading.text == text
        assert [(w.text, w.left, w.top) for w in reading.words] == words
        assert reading.preview_jpeg.startswith(b"\xff\xd8")


def test_text_and_word_boxes_are_pdfplumbers_own(tmp_path: Path) -> None:
    path = born_digital_pdf(tmp_path / "export.pdf", LINES)
    assert_read_as_pdfplumber_reads(path, [1, 2, 3])
    first = next(read_text_layer(path, [1]))
    assert first.text.startswith("Протокол итогового собеседования")


def test_a_batch_in_the_middle_reads_only_its_own_pages(tmp_path: Path) -> None:
    path = born_digital_pdf(tmp_path / "export.pdf", LINES)
    readings = list(read_text_layer(path, [2, 3]))
    assert [r.number for r in readings] == [2, 3]
    assert readings[0].text.startswith("Ведомость учёта успеваемости")


def test_a_page_whose_mediabox_does_not_start_at_zero(tmp_path: Path) -> None:
    """Some exporters crop by moving the MediaBox origin: boxes stay where pdfplumber
    puts them."""
    source = born_digital_pdf(tmp_path / "export.pdf", LINES[:1])
    writer = PdfWriter(clone_from=source)
    box = writer.pages[0].mediabox
    writer.pages[0].mediabox = RectangleObject([20, 30, float(box.right) + 20, float(box.top)])
    moved = tmp_path / "moved.pdf"
    writer.write(moved)
    assert_read_as_pdfplumber_reads(moved, [1])


def test_text_inside_a_form_xobject_is_read(tmp_path: Path) -> None:
    """Stamping tools wrap a page's content into a form XObject; its text still counts."""
    source = born_digital_pdf(tmp_path / "export.pdf", LINES[1:2])
    writer = PdfWriter(clone_from=source)
    page = writer.pages[0]
    form = DecodedStreamObject()
    form.set_data(page.get_contents().get_data())  # type: ignore[union-attr]
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject([FloatObject(v) for v in page.mediabox]),
            NameObject("/Resources"): page["/Resources"],
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Fm0"): writer._add_object(form)})}
    )
    wrapper = DecodedStreamObject()
    wrapper.set_data(b"q /Fm0 Do Q")
    page[NameObject("/Contents")] = writer._add_object(wrapper)
    wrapped = tmp_path / "wrapped.pdf"
    writer.write(wrapped)
    assert "Fm0" in str(PdfReader(wrapped).pages[0]["/Resources"])
    assert_read_as_pdfplumber_reads(wrapped, [1])
    assert "Иванова Мария Петровна" in next(read_text_layer(wrapped, [1])).text


def test_a_ruled_journal_grid_reads_as_pdfplumber_reads_it(tmp_path: Path) -> None:
    """Cell borders are not read (they are skipped for speed); the text between them is."""
    from fpdf import FPDF

    from tests.pagegen import FONT_PATHS

    pdf = FPDF(format="A4", orientation="L")
    pdf.add_font("DejaVu", "", FONT_PATHS[1])
    pdf.set_font("DejaVu", size=8)
    pdf.add_page()
    for row, pupil in enumerate(["Обучающийся", "1. Иванова Мария", "2. Петров Алексей"]):
        pdf.cell(50, 5, pupil, border=1)
        for day in range(6):
            pdf.cell(11, 5, f"{day + 1:02d}.10" if row == 0 else "5/4", border=1)
        pdf.ln()
    path = tmp_path / "journal.pdf"
    pdf.output(str(path))
    with pdfplumber.open(path) as check:
        assert len(check.pages[0].rects) + len(check.pages[0].lines) > 0  # really ruled
    assert_read_as_pdfplumber_reads(path, [1])
    assert "2. Петров Алексей 5/4" in next(read_text_layer(path, [1])).text
