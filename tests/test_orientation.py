"""Reading a page the right way up (issue 26, points 1 and 3): an upright light page is
read once with no orientation pass; a turned one is read upright; a title page or a
dense page has its first lines read first, with no OSD when they read well, and is
turned by OSD without being read whole as it lies when they read badly; a dense page
with no first lines to try is turned by OSD before its one reading. The searchable
page's hidden text lies on its words."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from PIL import Image

from archive_service.reading import orientation
from archive_service.reading.ocr import recognise
from archive_service.reading.orientation import PROBE_MIN_SHARE, read_upright
from archive_service.reading.page_pdf import page_pdf
from archive_service.reading.text_area import area_share, first_lines, halved, ink_mask, text_box
from tests.pagegen import cover_lines, cover_page, render_page, scanned

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


def test_a_dense_page_with_no_first_lines_to_try_is_turned_by_osd_before_its_one_reading(
    calls: dict[str, int],
) -> None:
    """Without the page's ink mask no first lines can be found: OSD, then one reading."""
    page = scanned(render_page(DENSE, font_size=32), seed=4, skew=0.5, rotate=180)
    read = read_upright(page, 300, "rus+eng")
    assert read.rotation == 180
    assert calls == {"osd": 1, "recognise": 1}
    assert "собеседования" in read.ocr.text


def test_an_upright_dense_page_is_read_whole_after_its_first_lines_with_no_osd(
    calls: dict[str, int],
) -> None:
    page = scanned(render_page(DENSE, font_size=32), seed=5, skew=0.5)
    ink = ink_mask(halved(page, 300))
    box = text_box(page, 300, ink)
    assert box is not None and area_share(box, page.size) > orientation.READ_FIRST_MAX_SHARE
    read = read_upright(page, 300, "rus+eng", ink)
    assert read.rotation == 0
    assert calls == {"osd": 0, "recognise": 2}  # the first lines, then the whole
    assert "собеседования" in read.ocr.text


def test_an_upside_down_dense_page_is_turned_by_osd_once_its_first_lines_read_badly(
    calls: dict[str, int],
) -> None:
    """Read whole once, upright: never whole as it lies. (A page on its side has no gap
    between rows of print to find first lines by: OSD turns it first, as above.)"""
    page = scanned(render_page(DENSE, font_size=32), seed=6, skew=0.5, rotate=180)
    read = read_upright(page, 300, "rus+eng", ink_mask(halved(page, 300)))
    assert read.rotation == 180
    assert calls == {"osd": 1, "recognise": 2}  # the first lines as they lie, the whole upright
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


def _title_page(turned: int) -> tuple[Image.Image, Image.Image]:
    """A journal's title page (seven lines in a box a fifth of the sheet) and its ink."""
    page = scanned(cover_page(1, frame=False), seed=1, skew=0.5, rotate=turned)
    return page, ink_mask(halved(page, 300))


def test_a_title_pages_first_lines_are_whole_lines_of_it() -> None:
    page, ink = _title_page(0)
    box = text_box(page, 300, ink)
    assert box is not None and PROBE_MIN_SHARE < area_share(box, page.size) <= 0.25
    probe = first_lines(page, 300, ink, box)
    assert probe is not None and probe[3] - probe[1] < (box[3] - box[1]) / 2
    lines = recognise(page, 300, "rus+eng", probe).text.splitlines()
    assert lines == [text for text, _ in cover_lines(1)[: len(lines)]] and lines, lines


def test_an_upright_title_page_is_read_whole_after_its_first_lines_with_no_osd(
    calls: dict[str, int],
) -> None:
    page, ink = _title_page(0)
    read = read_upright(page, 300, "rus+eng", ink)
    assert read.rotation == 0
    assert calls == {"osd": 0, "recognise": 2}  # the first lines, then the whole
    assert "КЛАССНЫЙ ЖУРНАЛ" in read.ocr.text.splitlines()


def test_an_upside_down_title_page_is_turned_once_its_first_lines_read_badly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not read whole as it lies first: that reading would be thrown away."""
    page, ink = _title_page(180)
    read_areas: list[tuple[int, int, int, int]] = []
    real = orientation.recognise

    def recording(img, dpi, languages, box=None, **options):  # type: ignore[no-untyped-def]
        read_areas.append(box)
        return real(img, dpi, languages, box, **options)

    monkeypatch.setattr(orientation, "recognise", recording)
    read = read_upright(page, 300, "rus+eng", ink)
    assert read.rotation == 180
    box = text_box(page, 300, ink)
    assert box is not None and len(read_areas) == 2
    probe, whole = read_areas  # the first lines as the page lies, then the whole, turned
    assert probe == first_lines(page, 300, ink, box) and whole == read.box
    assert [line for line in read.ocr.text.splitlines() if line] == [
        text for text, _ in cover_lines(1)
    ]
