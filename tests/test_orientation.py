"""Reading a page the right way up (issue 26, points 1 and 3): an upright light page is
read once with no orientation pass; a turned one is read upright; a dense page is turned
by OSD before its one reading. The searchable page's hidden text lies on its words."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from archive_service.reading import orientation
from archive_service.reading.orientation import read_upright
from archive_service.reading.page_pdf import page_pdf
from tests.pagegen import render_page, scanned

pytestmark = pytest.mark.usefixtures("tesseract")

LIGHT = ["Заявление", "Прошу принять моего сына в 1 класс", "12.08.2024", "Подпись"]
DENSE = [
    f"{n}. Протокол итогового собеседования обучающихся девятого класса по русскому языку"
    for n in range(1, 31)
]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often OSD and recognition ran; both are Tesseract's own, called through."""
    counted = {"osd": 0, "recognise": 0}

    def counting(name: str, real):  # type: ignore[no-untyped-def]
        def call(*args, **kwargs):  # type: ignore[no-untyped-def]
            counted[name] += 1
            return real(*args, **kwargs)

        return call

    osd, recognise = orientation.detect_rotation, orientation.recognise
    monkeypatch.setattr(orientation, "detect_rotation", counting("osd", osd))
    monkeypatch.setattr(orientation, "recognise", counting("recognise", recognise))
    return counted


def test_an_upright_light_page_is_read_once_with_no_orientation_pass(
    calls: dict[str, int],
) -> None:
    page = scanned(render_page(LIGHT), seed=1, skew=0.5)
    read = read_upright(page, 300, "rus+eng")
    assert read.rotation == 0
    assert calls == {"osd": 0, "recognise": 1}
    assert "Прошу принять моего сына в 1 класс" in read.ocr.text.splitlines()


@pytest.mark.parametrize("turned", [90, 180, 270])
def test_a_turned_light_page_is_read_upright(turned: int, calls: dict[str, int]) -> None:
    page = scanned(render_page(LIGHT), seed=turned, skew=0.5, rotate=turned)
    read = read_upright(page, 300, "rus+eng")
    assert read.rotation == turned
    assert calls == {"osd": 1, "recognise": 2}  # as it lay (unreadable), then upright
    assert "Прошу принять моего сына в 1 класс" in read.ocr.text.splitlines()
    assert read.image.size == (page.size if turned == 180 else page.size[::-1])
    left, top, right, bottom = read.box
    for word in read.ocr.words:  # on the upright page, within the area read
        assert left <= word.left and word.left + word.width <= right
        assert top <= word.top and word.top + word.height <= bottom


def test_a_dense_page_is_turned_by_osd_before_its_one_reading(calls: dict[str, int]) -> None:
    page = scanned(render_page(DENSE, font_size=32), seed=4, skew=0.5, rotate=180)
    read = read_upright(page, 300, "rus+eng")
    assert read.rotation == 180
    assert calls == {"osd": 1, "recognise": 1}
    assert "собеседования" in read.ocr.text


def test_the_hidden_text_lies_on_the_words_of_the_page_image() -> None:
    """The text read in the area is laid over the whole page, each word where it is
    printed, so selecting and highlighting in a viewer fall on the print."""
    page = scanned(render_page(LIGHT), seed=2, skew=0.3)
    read = read_upright(page, 300, "rus+eng")
    pdf = pdfium.PdfDocument(page_pdf(read.image, 300, read.ocr.text_pdf, read.box))
    sheet = pdf[0]
    width, height = sheet.get_size()
    assert (round(width * 300 / 72), round(height * 300 / 72)) == page.size
    text = sheet.get_textpage()
    assert "Прошу принять моего сына" in text.get_text_range()
    word = next(w for w in read.ocr.words if w.text == "Прошу")
    start = text.get_text_range().index("Прошу")
    left, _, _, top = text.get_charbox(start)  # points, from the page's bottom left
    assert abs(left * 300 / 72 - word.left) < 8
    assert abs((height - top) * 300 / 72 - word.top) < 25
    assert len(list(sheet.get_objects())) >= 2  # the page image, and the text as a form
