"""The area Tesseract reads (issue 26, point 1): every mark of print on the page inside
it, scanner specks left out, and a light page's text in a small share of the page."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageOps

from archive_service.reading.ocr import upright
from archive_service.reading.text_area import area_share, otsu_threshold, text_box, turn_box
from tests.pagegen import font, render_page, scanned


def _inside(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and inner[2] <= outer[2]
        and inner[3] <= outer[3]
    )


def _ink(clean: Image.Image) -> tuple[int, int, int, int]:
    """Where a clean render's ink is, to the pixel."""
    found = ImageOps.invert(clean).getbbox()
    assert found is not None
    return found


def _box_of_scan(clean: Image.Image, seed: int, noise: float = 0.02) -> tuple[int, int, int, int]:
    """The box found on a scan of `clean`, checked to hold all of its ink."""
    box = text_box(scanned(clean, seed=seed, noise=noise), 300)
    assert box is not None
    assert _inside(_ink(clean), box)
    return box


def test_a_light_page_is_read_within_a_small_padded_box_around_its_lines() -> None:
    clean = render_page(["Заявление", "Прошу принять"])
    box = _box_of_scan(clean, seed=1, noise=0.05)
    assert area_share(box, clean.size) < 0.05  # the speckle all over the page left out


def test_a_lone_page_number_far_from_the_text_stays_in_the_box() -> None:
    """Nothing Tesseract would read is cut off: the box is too large rather than small."""
    page = render_page(["Справка"])
    ImageDraw.Draw(page).text((2200, 3300), "7", font=font(36), fill=0)
    _box_of_scan(page, seed=2)


def test_faint_grey_print_counts_as_ink() -> None:
    page = render_page(["Протокол"])
    ImageDraw.Draw(page).text((1500, 2000), "печать", font=font(40), fill=150)
    _box_of_scan(page, seed=3)


def test_an_empty_sheet_has_no_box() -> None:
    assert text_box(Image.new("L", (2480, 3508), 250), 300) is None


def test_otsu_level_splits_ink_from_paper() -> None:
    histogram = [0] * 256
    histogram[20], histogram[240] = 100, 900
    assert 20 <= otsu_threshold(histogram) < 240


def test_a_page_of_odd_width_is_judged_at_its_own_scale() -> None:
    """Halved, 2481 px make 1241: the box is still scaled back by two."""
    page = render_page(["ТИТУЛЬНЫЙ ЛИСТ АРХИВА"], size=(2481, 3508), font_size=80)
    box = text_box(page, 300)
    assert box is not None
    assert _inside(_ink(page), box)


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_a_box_turned_with_its_page_still_holds_the_same_ink(rotation: int) -> None:
    page = Image.new("L", (1000, 1400), 255)
    ImageDraw.Draw(page).rectangle((100, 200, 300, 260), fill=0)
    box = text_box(page, 300)
    assert box is not None
    turned = upright(page, rotation)
    assert turn_box(box, rotation, page.size) == text_box(turned, 300)
