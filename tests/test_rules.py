"""A grid's vertical rules are left out of what Tesseract reads (reading/rules.py): the
rows read whole, the cells' marks and the horizontal rules stay, the archive's copy of
the scan keeps every line, and a page without rules is not touched."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont

from archive_service.domain import MediaType
from archive_service.reading.ocr import recognise
from archive_service.reading.page_reader import ocr_page
from archive_service.reading.rules import (
    RULE_INCH,
    SKEW_BAND,
    _rules_in,
    _spread,
    print_ink,
    vertical_rules,
    without_rules,
)
from archive_service.reading.text_area import halved, ink_mask, text_box
from tests.pagegen import (
    A4_300DPI,
    COVER_FRAME,
    cover_lines,
    cover_page,
    grid_page,
    grid_rows,
    page_lines,
    render_page,
    scanned,
)

# grid_page's layout: the first column's left edge, a cell's width, the rows' tops.
FIRST_RULE_X, NAME_WIDTH, CELL_WIDTH, TOP, ROW_HEIGHT = 150, 620, 130, 280, 100


def _unruled(page: Image.Image) -> Image.Image:
    return without_rules(page, vertical_rules(ink_mask(halved(page, 300)), 300))


def _darkest(img: Image.Image, box: tuple[int, int, int, int]) -> int:
    return int(img.crop(box).getextrema()[0])


def _column_rule(row: int) -> tuple[int, int, int, int]:
    """A stretch of the rule left of the first date column, inside row `row`."""
    x, top = FIRST_RULE_X + NAME_WIDTH, TOP + row * ROW_HEIGHT
    return (x - 8, top + 10, x + 8, top + ROW_HEIGHT - 10)


def test_a_grid_loses_its_vertical_rules_and_keeps_its_marks_and_row_rules() -> None:
    page = scanned(grid_page(0), seed=0)
    clean = _unruled(page)
    assert _darkest(page, _column_rule(3)) < 100
    assert _darkest(clean, _column_rule(3)) > 200, "the vertical rule is still there"
    # Between two rows, along the name column: the horizontal rule is still ink.
    row_rule = (FIRST_RULE_X + 60, TOP + ROW_HEIGHT - 6, FIRST_RULE_X + 400, TOP + ROW_HEIGHT + 6)
    assert _darkest(clean, row_rule) < 100
    # Inside its rules every cell is as it was: names and marks are not touched.
    for row in range(1, 6):
        for column in range(-1, 6):
            left = FIRST_RULE_X + NAME_WIDTH + column * CELL_WIDTH + 12
            top = TOP + row * ROW_HEIGHT + 12
            cell = (left, top, left + CELL_WIDTH - 24, top + ROW_HEIGHT - 24)
            assert clean.crop(cell).tobytes() == page.crop(cell).tobytes()


@pytest.mark.parametrize("skew", [1.0, 2.0, 3.5])
def test_a_skewed_grid_loses_its_vertical_rules_whole(skew: float) -> None:
    """A skewed rule is a staircase of short runs: it goes whole or its stubs are read
    as letters. Nothing half an inch long is left to find on the clean page."""
    page = scanned(grid_page(0), seed=0, skew=skew)
    clean = _unruled(page)
    assert clean is not page
    assert _unruled(clean) is clean


def test_a_page_without_rules_is_given_back_untouched() -> None:
    prose = scanned(render_page(page_lines(1), font_size=34), seed=1)
    form = scanned(render_page(["Заявление", "Подпись ______________________"]), seed=2)
    assert _unruled(prose) is prose
    assert _unruled(form) is form  # an underline is a horizontal line: Tesseract's own


def _title_page(face: str, size: int) -> Image.Image:
    """A cover or a certificate: its heading in large letters, their stems long and
    straight down the page as a rule is."""
    img = Image.new("L", A4_300DPI, 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(f"/usr/share/fonts/truetype/dejavu/{face}", size)
    draw.text((150, 400), "АТТЕСТАТ", font=font, fill=0)
    draw.text((150, 400 + size * 3 // 2), "ТИТУЛЬНЫЙ", font=font, fill=0)
    return scanned(img, seed=1, skew=0.5)


@pytest.mark.parametrize("face", ["DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSans-Bold.ttf"])
@pytest.mark.parametrize("points", [36, 48])
def test_a_large_heading_is_no_rule(face: str, points: int) -> None:
    page = _title_page(face, points * 300 // 72)
    assert _unruled(page) is page


@pytest.mark.usefixtures("tesseract")
@pytest.mark.parametrize("face", ["DejaVuSerif.ttf", "DejaVuSans-Bold.ttf"])
def test_a_72_point_heading_still_reads_whole(face: str) -> None:
    """Stems an inch tall: a hairline of a serif may go, never the letter."""
    page = _title_page(face, 300)
    words = recognise(_unruled(page), 300, "rus+eng").text.split()
    assert "АТТЕСТАТ" in words and "ТИТУЛЬНЫЙ" in words, words


@pytest.mark.usefixtures("tesseract")
def test_a_journal_grid_reads_row_by_row_and_its_scan_keeps_every_rule(tmp_path: Path) -> None:
    source = tmp_path / "grid.png"
    page = scanned(grid_page(1), seed=1, skew=0.5)
    page.save(source, dpi=(300, 300))
    reading = ocr_page(source, MediaType.PNG, 1, 300, "rus+eng")
    read = [" ".join(line.split()) for line in reading.text.splitlines() if line.strip()]
    rows = [" ".join(cell for cell in row if cell) for row in grid_rows(1)]
    # A lone «н» (absent) is read as Latin «H» by its shape; what matters is the row.
    read = [" ".join("н" if word == "H" else word for word in line.split()) for line in read]
    same = [row for row in rows[1:] if row in read]
    assert len(same) >= 24, "\n".join(read)
    pdf = pdfium.PdfDocument(reading.page_pdf)
    kept = pdf[0].render(scale=300 / 72, grayscale=True).to_pil().convert("L")
    assert _darkest(kept, _column_rule(3)) < 100, "the archived page lost a rule"


def _reading_box(page: Image.Image) -> tuple[int, int, int, int] | None:
    """The area `page_reader` gives Tesseract: around the page's ink less its rules."""
    ink = ink_mask(halved(page, 300))
    return text_box(page, 300, print_ink(ink, vertical_rules(ink, 300), 300))


@pytest.mark.parametrize("skew", [0.0, 0.5, 1.5])
def test_a_framed_title_page_is_read_within_its_text_not_its_frame(skew: float) -> None:
    """A cover's frame made the area the whole sheet; the area is now its lines of text,
    as on the same page printed without the frame."""
    framed = _reading_box(scanned(cover_page(2), seed=2, skew=skew))
    bare = text_box(plain := scanned(cover_page(2, frame=False), seed=2, skew=skew), 300)
    assert framed is not None and bare is not None
    width, height = plain.size
    left, top, right, bottom = framed
    assert left > COVER_FRAME + 60 and top > COVER_FRAME + 60, framed
    assert right < width - COVER_FRAME - 60 and bottom < height - COVER_FRAME - 60, framed
    assert all(abs(a - b) <= 24 for a, b in zip(framed, bare, strict=True)), (framed, bare)


def test_a_page_without_rules_down_keeps_all_its_ink_for_its_area() -> None:
    """Underlines across a form are looked for only where rules run down the page."""
    form = scanned(render_page(["Заявление", "Подпись ______________________"]), seed=2)
    ink = ink_mask(halved(form, 300))
    assert print_ink(ink, vertical_rules(ink, 300), 300) is ink


@pytest.mark.usefixtures("tesseract")
@pytest.mark.parametrize("turn", [0, 180])
def test_a_framed_cover_reads_whole_either_way_up(tmp_path: Path, turn: int) -> None:
    source = tmp_path / "cover.png"
    scanned(cover_page(3), seed=3, skew=0.5, rotate=turn).save(source, dpi=(300, 300))
    reading = ocr_page(source, MediaType.PNG, 1, 300, "rus+eng")
    read = [" ".join(line.split()) for line in reading.text.splitlines() if line.strip()]
    assert reading.rotation == turn
    assert read == [text for text, _ in cover_lines(3)], read


@given(
    st.lists(st.tuples(st.integers(0, 11), st.integers(0, 7)), max_size=12),
    st.integers(0, 9),
    st.booleans(),
)
def test_a_spread_widens_each_ink_pixel_by_exactly_its_reach(
    dots: list[tuple[int, int]], by: int, down: bool
) -> None:
    """`_spread` goes in doubling steps; it must give what the plain definition gives,
    at the mask's edges too (a step once lost what an earlier one spread past them)."""
    mask = Image.new("L", (12, 8), 0)
    for dot in dots:
        mask.putpixel(dot, 255)
    spread = _spread(mask, by, down=down)
    for x in range(12):
        for y in range(8):
            near = any(
                (dx == x and abs(dy - y) <= by) if down else (dy == y and abs(dx - x) <= by)
                for dx, dy in dots
            )
            assert spread.getpixel((x, y)) == (255 if near else 0), (x, y)


@pytest.mark.parametrize(
    ("page", "skew"),
    [("grid", 0.0), ("grid", 0.5), ("grid", 3.5), ("cover", 0.0), ("cover", 1.5), ("prose", 0.5)],
)
@pytest.mark.parametrize("across", [False, True])
def test_rules_found_in_strips_are_those_of_the_whole_page(
    page: str, skew: float, across: bool
) -> None:
    """`vertical_rules` searches only strips around columns with ink running down them;
    the whole page searched at once must give the very same masks."""
    made = {"grid": grid_page(2), "cover": cover_page(2), "prose": render_page(page_lines(2))}
    ink = ink_mask(halved(scanned(made[page], seed=2, skew=skew), 300))
    if across:
        ink = ink.transpose(Image.Transpose.TRANSPOSE)
    length = round(RULE_INCH * 300 / 2)
    whole = _rules_in(_spread(ink, SKEW_BAND, down=False), ink, length)
    found = vertical_rules(ink, 300)
    if page == "prose":
        assert whole is None and found is None
        return
    assert whole is not None and found is not None
    assert found.lines.tobytes() == whole.lines.tobytes()
    assert found.near.tobytes() == whole.near.tobytes()
