"""Text layers are read with pdfplumber: what the archive stores for a page is exactly
what pdfplumber's own `extract_text` and `extract_words` give for it."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    RectangleObject,
)

from archive_service.reading import content_stream, plumber_pages
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


def hand_written_page(path: Path, content: bytes) -> Path:
    """A page whose content stream is written out operator by operator, with a standard
    font, so every text operator a producer may use appears."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.Type1,
        BaseFont=pikepdf.Name.Helvetica,
        Encoding=pikepdf.Name.WinAnsiEncoding,
    )
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary({"/F 1": font}))
    page.obj.Contents = pdf.make_stream(content)
    pdf.save(path)
    return path


EVERY_TEXT_OPERATOR = b"""
0.5 g 10 10 100 100 re f 1 0 0 RG 0 0 m 595 842 l S
q 1 0 0 1 20 -10 cm
BT /F#201 12 Tf 14 TL 72 760 Td (Protocol) Tj
[(Pro) -120 (tocol) 250 (of the) -30 (council)] TJ
T* (next line by T-star) Tj
(quoted next line) '
4 0.5 (double quoted with spacing) "
0 Tw 0 Tc 150 Tz 2 Ts (scaled and raised) Tj 100 Tz 0 Ts
1 0 0 1 300 500 Tm (moved by Tm) Tj 0 -20 TD (moved by TD) Tj
3 Tr (invisible as OCR writes it) Tj 0 Tr
ET Q
BT /F#201 10 Tf 0 1 -1 0 560 100 Tm (turned a quarter) Tj ET
BT /F#201 11 Tf -1 0 0 1 500 300 Tm (mirrored) Tj 1 0 0 -1 100 200 Tm (upside down) Tj ET
"""


def test_every_text_operator_reads_as_pdfplumber_reads_it(tmp_path: Path) -> None:
    path = hand_written_page(tmp_path / "hand.pdf", EVERY_TEXT_OPERATOR)
    assert_read_as_pdfplumber_reads(path, [1])
    text = next(read_text_layer(path, [1])).text
    for phrase in ("next line by T-star", "quoted next line", "moved by TD", "invisible"):
        assert phrase in text


def test_a_stream_qpdf_cannot_parse_is_read_by_pdfminers_own_lexer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # qpdf parses even damaged streams leniently, so its refusal has to be forced here
    def refuse(*args: object) -> None:
        raise pikepdf.PdfError("forced")

    path = hand_written_page(tmp_path / "hand.pdf", EVERY_TEXT_OPERATOR)
    monkeypatch.setattr(content_stream.pikepdf, "parse_content_stream", refuse)
    assert_read_as_pdfplumber_reads(path, [1])
    assert "moved by Tm" in next(read_text_layer(path, [1])).text


def nested_page_tree(
    tmp_path: Path, name: str = "nested.pdf", kids: bytes = b"3 0 R 4 0 R"
) -> Path:
    """Six pages under two intermediate /Pages nodes that hold the pages' Resources and
    MediaBox: the pages inherit them, as some producers write long documents. Written
    out by hand, since qpdf and pypdf push inherited attributes down to pages on save.
    Each page says which sheet it is in the (3, 4) order of the nodes."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count 6 >>" % kids,
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }
    inherited = b"/Resources << /Font << /F1 5 0 R >> >> /MediaBox [0 0 595 842]"
    page_ids = {3: [6, 8, 10], 4: [12, 14, 16]}
    for node, pages in page_ids.items():
        kids = b" ".join(b"%d 0 R" % p for p in pages)
        objects[node] = b"<< /Type /Pages /Parent 2 0 R /Kids [%s] /Count 3 %s >>" % (
            kids,
            inherited,
        )
        for page in pages:
            number = page // 2 - 2
            text = b"BT /F1 14 Tf 72 760 Td (Sheet %d: marks of the 9th form) Tj ET" % number
            objects[page] = b"<< /Type /Page /Parent %d 0 R /Contents %d 0 R >>" % (node, page + 1)
            objects[page + 1] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text) + 1, text)
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for objid in sorted(objects):
        offsets[objid] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (objid, objects[objid])
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for objid in range(1, size):
        out += b"%010d 00000 n \n" % offsets[objid]
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    path = tmp_path / name
    path.write_bytes(bytes(out))
    return path


def test_pages_of_a_nested_tree_inherit_their_resources(tmp_path: Path) -> None:
    path = nested_page_tree(tmp_path)
    assert_read_as_pdfplumber_reads(path, [2, 5, 6])
    assert [r.text for r in read_text_layer(path, [5, 2])] == [
        "Sheet 5: marks of the 9th form",
        "Sheet 2: marks of the 9th form",
    ]


def test_pages_are_found_by_pdfminers_walk_when_qpdf_cannot_open_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # qpdf opens whatever pdfminer opens, so its failure has to be forced here
    def refuse(*args: object) -> None:
        raise pikepdf.PdfError("forced")

    path = nested_page_tree(tmp_path)
    monkeypatch.setattr(plumber_pages.pikepdf, "open", refuse)
    assert_read_as_pdfplumber_reads(path, [2, 5, 6])


def test_a_file_replaced_under_the_same_name_is_read_as_it_is_now(tmp_path: Path) -> None:
    """What qpdf found of a file's page tree is kept between batches; a different file
    under the same name, even of the same size, is read through its own page tree."""
    path = nested_page_tree(tmp_path, "export.pdf")
    assert next(read_text_layer(path, [1])).text == "Sheet 1: marks of the 9th form"
    swapped = nested_page_tree(tmp_path, "swapped.pdf", kids=b"4 0 R 3 0 R")
    assert swapped.stat().st_size == path.stat().st_size
    path.write_bytes(swapped.read_bytes())  # page 1 is now the object of sheet 4
    assert next(read_text_layer(path, [1])).text == "Sheet 4: marks of the 9th form"
    assert_read_as_pdfplumber_reads(path, [1, 4])
