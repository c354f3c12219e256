"""Where on a page its ink lies: the area Tesseract is given to read.

A form, a cover page or a certificate holds a few lines on a sheet that is mostly white,
and Tesseract's cost on such a page is its thresholding and layout analysis of every
pixel, not the reading of the words: an A4 page at 300 dpi with five lines took 226 ms,
the same page's area with the lines took 48 ms and read the same text. So a page is read
within the box around its ink, padded, and the words' boxes are moved back onto the page.

What counts as ink is what Tesseract's own binarisation would blacken: its threshold is
Otsu's on the page's histogram, and so is this one. The page is first halved by area
averaging, so that a lone speck of a pixel (dust, scanner noise) is lightened below the
threshold while any stroke of print two or more pixels wide stays dark; a square of
four cells with only one dark (two specks met) is left out too, since print is strokes.
The box may only be too large (a dark scanner edge, a smudge: no time saved, nothing
lost), never too small for a mark Tesseract would read. Below 200 dpi strokes
are thinner than that halving allows, and the page is judged pixel by pixel.
"""

from __future__ import annotations

from PIL import Image

Box = tuple[int, int, int, int]  # left, top, right, bottom in page pixels

_TWO_OF_FOUR = [255 if v >= 255 // 2 else 0 for v in range(256)]
PAD_INCH = 0.2  # white kept around the ink: Tesseract reads best with a margin
HALVING_MIN_DPI = 200
FIRST_LINES_INCH = 0.4  # `first_lines` reach at least this far below the print's top
FIRST_LINES_MAX_SHARE = 0.4  # and end in this upper share of the box, or are not given


def halved(img: Image.Image, dpi: int) -> Image.Image | None:
    """The grey page at half its resolution by area averaging, or None below 200 dpi.

    The blank check, the text area and the preview all look at this one reduction (an
    A4 page at 300 dpi: ~3 ms) instead of each reducing the page again (~30 ms)."""
    if dpi < HALVING_MIN_DPI:
        return None
    grey = img.convert("L") if img.mode != "L" else img
    return grey.reduce(2)


def text_box(img: Image.Image, dpi: int, ink: Image.Image | None = None) -> Box | None:
    """The padded box around the page's ink, or None if nothing on it is dark enough;
    `ink` is `ink_mask(halved(img, dpi))` if the caller has it already."""
    if ink is None:
        half = halved(img, dpi)
        grey = img if img.mode == "L" else img.convert("L")
        ink = ink_mask(half if half is not None else grey)
    factor = round(img.width / ink.width)  # 2 or 1; a halved odd side rounds up
    found = print_bounds(ink)
    if found is None:
        return None
    pad = round(PAD_INCH * dpi)
    left, top, right, bottom = found
    return (
        max(0, left * factor - pad),
        max(0, top * factor - pad),
        min(img.width, right * factor + pad),
        min(img.height, bottom * factor + pad),
    )


def print_bounds(ink: Image.Image) -> Box | None:
    """The bounds of the print on an ink mask, in its pixels: cells of ink two or more
    to a square of four, since print is strokes and a speck stands alone."""
    found = _print_cells(ink).getbbox()
    if found is None:
        return None
    left, top, right, bottom = found
    return (left * 2, top * 2, min(ink.width, right * 2), min(ink.height, bottom * 2))


def _print_cells(ink: Image.Image) -> Image.Image:
    """The ink mask halved, a cell inked where two or more of its four pixels are: print
    is strokes, a speck stands alone."""
    return ink.reduce(2).point(_TWO_OF_FOUR)


def inked_rows(mask: Image.Image) -> bytes:
    """A byte a row of `mask`: 0 where the row holds no ink, more the more it holds."""
    return mask.resize((1, mask.height), Image.Resampling.BOX).tobytes()


def first_lines(img: Image.Image, dpi: int, ink: Image.Image, box: Box) -> Box | None:
    """The top of `box` down to the first gap between lines of print that lies at least
    FIRST_LINES_INCH below the print's top: a line or two, whole, to try the page's
    orientation on. None when no such gap comes within the box's upper part, where
    reading those lines would cost nearly what the whole box does.

    `ink` is the halved page's mask, as for `text_box`; the rows are judged at a quarter
    of the page's resolution, specks left out as there."""
    factor = round(img.width / ink.width) * 2
    left, top, right, bottom = (edge // factor for edge in box)
    rows = _print_cells(ink).crop((left, top, right, bottom))
    inked = inked_rows(rows)
    start = next((y for y, value in enumerate(inked) if value), None)
    if start is None:
        return None
    least = start + round(FIRST_LINES_INCH * dpi / factor)
    most = round(len(inked) * FIRST_LINES_MAX_SHARE)
    gap = next((y for y in range(least, most) if not inked[y]), None)
    if gap is None:
        return None
    # Only as wide as those lines (a title is wider than the school's name above it),
    # with the box's margin either side.
    found = rows.crop((0, 0, rows.width, gap)).getbbox()
    if found is None:  # cannot be: the rows above the gap hold the print's top
        return None
    pad = round(PAD_INCH * dpi)
    return (
        max(box[0], (left + found[0]) * factor - pad),
        box[1],
        min(box[2], (left + found[2]) * factor + pad),
        min(box[3], box[1] + gap * factor),
    )


def ink_mask(grey: Image.Image) -> Image.Image:
    """What Tesseract's binarisation would blacken, as 255 on 0: the pixels at or below
    the page's Otsu threshold."""
    level = otsu_threshold(grey.histogram())
    return grey.point([255 if v <= level else 0 for v in range(256)])


def otsu_threshold(histogram: list[int]) -> int:
    """The grey level that best splits the histogram in two (Otsu's method), as
    Tesseract binarises: a level at or below it is ink. On the bench's pages it gives
    Tesseract's own threshold to the level (no pixel of an A4 page differs)."""
    total = sum(histogram)
    weighted_total = sum(level * count for level, count in enumerate(histogram))
    below = weighted_below = 0
    best_level, best_spread = 0, -1.0
    for level, count in enumerate(histogram):
        below += count
        weighted_below += level * count
        above = total - below
        if below == 0 or above == 0:
            continue
        mean_below = weighted_below / below
        mean_above = (weighted_total - weighted_below) / above
        spread = below * above * (mean_below - mean_above) ** 2
        if spread > best_spread:
            best_level, best_spread = level, spread
    return best_level


def area_share(box: Box, size: tuple[int, int]) -> float:
    left, top, right, bottom = box
    return (right - left) * (bottom - top) / max(1, size[0] * size[1])


def turn_box(box: Box, rotation: int, size: tuple[int, int]) -> Box:
    """The same area on the page turned `rotation` degrees clockwise (`ocr.upright`);
    `size` is the page's size before the turn."""
    left, top, right, bottom = box
    width, height = size
    if rotation == 90:
        return (height - bottom, left, height - top, right)
    if rotation == 180:
        return (width - right, height - bottom, width - left, height - top)
    if rotation == 270:
        return (top, width - right, bottom, width - left)
    return box
