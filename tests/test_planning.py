"""Planning: which PDF pages are read from their own text layer and which go to OCR."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from fpdf import FPDF
from PIL import Image

from archive_service.reading.planning import pages_with_text_layer
from archive_service.services.pipeline.processing import (
    TEXT_LAYER_BATCH,
    TEXT_LAYER_TAIL_BATCH,
    TEXT_LAYER_TAIL_PAGES,
    text_layer_units,
)
from tests.pagegen import FONT_PATHS, page_lines, render_page, scanned

SCAN = scanned(render_page(page_lines(2)), seed=2)


def fpdf_pages(path: Path, pages: list[tuple[bool, str]]) -> Path:
    """Pages of (draws the scan, text written over it)."""
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", FONT_PATHS[1])
    pdf.set_font("DejaVu", size=10)
    for with_image, text in pages:
        pdf.add_page()
        if with_image:
            pdf.image(SCAN, x=0, y=0, w=210)
        if text:
            pdf.cell(0, 8, text)
    pdf.output(str(path))
    return path


def test_text_pages_are_read_and_image_pages_need_real_text(tmp_path: Path) -> None:
    path = fpdf_pages(
        tmp_path / "p.pdf",
        [
            (False, "Протокол педагогического совета"),  # an export's page
            (False, "7"),  # a near-empty export page: still nothing to OCR
            (True, ""),  # a scan
            (True, "IMG 0001"),  # a scanner's stamp on a scan: 7 characters
            (True, "Протокол педагогического совета № 3"),  # a scan OCR'd before
        ],
    )
    assert pages_with_text_layer(path) == [True, True, False, False, True]


def test_a_scan_drawn_through_a_form_xobject_is_ocrd(tmp_path: Path) -> None:
    source = fpdf_pages(tmp_path / "scan.pdf", [(True, "")])
    with pikepdf.open(source) as pdf:
        page = pdf.pages[0]
        form = page.as_form_xobject()
        page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fm0=form))
        page.obj.Contents = pdf.make_stream(b"q /Fm0 Do Q")
        pdf.save(tmp_path / "form.pdf")
    assert pages_with_text_layer(tmp_path / "form.pdf") == [False]


def inline_image_pdf(path: Path, content: bytes) -> Path:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    page.obj.Resources = pikepdf.Dictionary(
        Font=pikepdf.Dictionary(
            F1=pikepdf.Dictionary(
                Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
            )
        )
    )
    page.obj.Contents = pdf.make_stream(content)
    pdf.save(path)
    return path


def test_an_inline_image_is_a_scan_and_the_letters_bi_in_text_are_not(tmp_path: Path) -> None:
    pixels = Image.new("L", (8, 8), 128).tobytes()
    inline = inline_image_pdf(
        tmp_path / "inline.pdf",
        b"q 595 0 0 842 0 0 cm BI /W 8 /H 8 /BPC 8 /CS /G ID " + pixels + b" EI Q",
    )
    letters = inline_image_pdf(tmp_path / "bi.pdf", b"BT /F1 12 Tf 72 700 Td (BI) Tj ET")
    assert pages_with_text_layer(inline) == [False]
    assert pages_with_text_layer(letters) == [True]


@pytest.mark.parametrize("count", [1, 7, 50, 51, 300])
def test_text_layer_pages_go_out_in_batches_that_shrink_at_the_end(count: int) -> None:
    """Each page in exactly one unit, in order; long runs in full batches, the last
    pages in small units so that workers finish together."""
    pages = list(range(1, count + 1))
    units = text_layer_units(pages)
    assert [n for unit in units for n in unit.pages] == pages
    assert not any(unit.ocr for unit in units)
    sizes = [len(unit.pages) for unit in units]
    assert all(size <= TEXT_LAYER_BATCH for size in sizes)
    tail = [u for u in units if u.pages[0] > count - TEXT_LAYER_TAIL_PAGES]
    assert sum(len(u.pages) for u in tail) == min(count, TEXT_LAYER_TAIL_PAGES)
    assert all(len(u.pages) <= TEXT_LAYER_TAIL_BATCH for u in tail)
    if count == 300:
        assert sizes[:10] == [TEXT_LAYER_BATCH] * 10  # one open of the PDF for many pages
