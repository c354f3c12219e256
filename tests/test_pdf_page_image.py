"""A scanned PDF page is OCR'd from the scanner's own picture; anything else is rendered."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image
from pypdf import PdfWriter

from archive_service.reading.images import pdf_page_image
from tests.pagegen import born_digital_pdf, render_page, scanned


def picture_pdf(path: Path, dpi: int) -> tuple[Path, Image.Image]:
    size = (round(8.27 * dpi), round(11.69 * dpi))
    page = scanned(render_page(["Классный журнал 5 «А»"], size=size, font_size=dpi // 6), seed=2)
    page.save(path, format="PDF", resolution=dpi, quality=90)
    return path, page


def image_of(path: Path, dpi: int = 300) -> tuple[Image.Image, int]:
    pdf = pdfium.PdfDocument(path)
    try:
        return pdf_page_image(pdf, 1, dpi)
    finally:
        pdf.close()


def test_a_scanned_page_is_taken_at_the_scanners_resolution(tmp_path: Path) -> None:
    for dpi in (300, 200):
        path, original = picture_pdf(tmp_path / f"scan{dpi}.pdf", dpi)
        image, got_dpi = image_of(path)
        assert (image.size, got_dpi, image.mode) == (original.size, dpi, "L")


def test_a_turned_page_is_rendered_as_the_reader_sees_it(tmp_path: Path) -> None:
    path, original = picture_pdf(tmp_path / "scan.pdf", 300)
    writer = PdfWriter(clone_from=path)
    writer.pages[0].rotate(90)
    turned = tmp_path / "turned.pdf"
    writer.write(turned)
    image, dpi = image_of(turned)
    assert dpi == 300
    assert abs(image.width - original.height) <= 2 and abs(image.height - original.width) <= 2


def test_a_page_with_more_than_a_picture_is_rendered(tmp_path: Path) -> None:
    path = born_digital_pdf(tmp_path / "text.pdf", [["Протокол"]])
    image, dpi = image_of(path, 150)
    assert dpi == 150 and abs(image.width - 1240) <= 2  # A4 at 150 dpi
