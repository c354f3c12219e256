"""The size of a page's print decides the resolution Tesseract reads it at (issue 26):
print of ~11.5 points and up is read halved, in far less time, with its words still
placed on the page's own pixels; smaller print and a grid of marks are read as scanned."""

from __future__ import annotations

import pytest
from PIL import Image

from archive_service.reading.ocr import recognise
from archive_service.reading.rules import print_ink, vertical_rules
from archive_service.reading.text_area import halved, ink_mask, text_box
from archive_service.reading.text_size import line_height, reading_reduction
from tests.pagegen import grid_page, render_page, scanned

LINES = [
    "Протокол экзамена по русскому языку",
    "Присутствовали члены комиссии: Иванова, Петров",
    "Результаты проверены, жалоб не поступало",
    "Председатель комиссии Смирнова Е. В.",
]


def _print(page: Image.Image) -> Image.Image:
    """The halved page's print, as the page reader hands it on."""
    half = halved(page, 300)
    assert half is not None
    ink = ink_mask(half)
    return print_ink(ink, vertical_rules(ink, 300), 300)


@pytest.mark.parametrize(("font_px", "reduction"), [(21, 1), (34, 1), (40, 1), (48, 2), (60, 2)])
def test_print_of_eleven_and_a_half_points_and_up_is_read_halved_and_smaller_as_scanned(
    font_px: int, reduction: int
) -> None:
    """21, 34 and 40 px at 300 dpi are 5, 8 and 9.6 points, the size of a form's or a
    contract's print, which real scans read worse halved; 48 and 60 px are 11.5 and 14.4
    points, a title page's."""
    page = scanned(render_page(LINES * 3, font_size=font_px), seed=font_px, skew=0.5)
    assert reading_reduction(_print(page), 300) == reduction


def test_a_line_is_measured_as_tall_on_a_skewed_scan_as_on_a_straight_one() -> None:
    """Measured across an inch, a line skewed by a degree is not taken for a taller one,
    which would read small print halved."""
    clean = render_page(LINES * 3, font_size=25)
    straight = line_height(_print(scanned(clean, seed=1)), 300)
    skewed = line_height(_print(scanned(clean, seed=1, skew=1.0)), 300)
    assert straight is not None and skewed is not None
    assert abs(skewed - straight) <= 2


def test_a_grid_of_marks_is_read_as_scanned() -> None:
    assert reading_reduction(_print(scanned(grid_page(0), seed=3, skew=0.5)), 300) == 1


def test_a_page_without_print_or_below_200_dpi_is_read_as_scanned() -> None:
    blank = Image.new("L", (2480, 3508), 255)
    assert reading_reduction(_print(blank), 300) == 1
    assert reading_reduction(None, 150) == 1


def test_a_page_read_halved_reads_the_same_words_in_the_same_places_on_the_page() -> None:
    page = scanned(render_page(LINES, font_size=40), seed=5, skew=0.3)
    box = text_box(page, 300)
    assert box is not None
    whole = recognise(page, 300, "rus+eng", box)
    half = recognise(page, 300, "rus+eng", box, reduce=2)
    assert half.text == whole.text
    assert len(half.words) == len(whole.words)
    for mine, theirs in zip(half.words, whole.words, strict=True):
        assert mine.text == theirs.text
        for side in ("left", "top", "width", "height"):
            assert abs(getattr(mine, side) - getattr(theirs, side)) <= 6, (mine, theirs)
