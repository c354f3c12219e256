"""How tall a page's lines of print are, and so at what resolution Tesseract reads them.

Tesseract's recogniser sees each line scaled to 36 px high (the input of the rus and eng
models), whatever the scan gave it. What it spends on the scan's full resolution is its
layout analysis of every pixel: a title page read at 300 dpi took 340 ms, the same page
halved 130 ms, a dense page 1.96 s against 1.12 s. Halved pages were read as well or
better (CER against the generated truth: `bench/page_kinds_bench.py`'s kinds, and
`bench/print_size_bench.py`'s print of 6–10 points in a serif and a sans face, sharp
and degraded by blur, speckle, grey and JPEG at quality 50). Only 6-point sans print,
degraded, read worse halved (CER 0.055 against 0.020): small print, and a grid of
single marks, stay at the scan's resolution.

So a page is read halved when its lines of print stand at least MIN_HALVED_LINE_PX
tall on the halved page (~8-point print at 300 dpi), and as scanned otherwise.
"""

from __future__ import annotations

from statistics import median

from PIL import Image

from archive_service.reading.text_area import inked_rows, print_bounds

STRIP_INCH = 1.0  # a line is measured across this much of its length: a 0.5° skew moves it ~1 px
MIN_RUN_PX = 4  # fewer inked rows than this on the halved page are a rule or specks, not a line
MIN_HALVED_LINE_PX = 13  # the median line on the halved page: read halved from this height on
HALVING = 2


def line_height(ink: Image.Image, dpi: int) -> float | None:
    """The median height, in the mask's pixels, of the lines of print on the halved
    page's ink mask `ink` (taken at half of `dpi`), or None if it holds none.

    The print is cut into strips an inch wide, and in each the runs of rows with any
    ink are its lines: a skewed line spans little more than its own height across an
    inch, where across the page it would merge with the next."""
    bounds = print_bounds(ink)
    if bounds is None:
        return None
    left, top, right, bottom = bounds
    step = max(1, round(STRIP_INCH * dpi / HALVING))
    heights: list[int] = []
    for x in range(left, right, step):
        run = 0
        for inked in inked_rows(ink.crop((x, top, min(right, x + step), bottom))) + b"\0":
            if inked:
                run += 1
                continue
            if run >= MIN_RUN_PX:
                heights.append(run)
            run = 0
    return median(heights) if heights else None


def reading_reduction(ink: Image.Image | None, dpi: int) -> int:
    """By how much the page is reduced for Tesseract: 2 when its lines are tall enough
    to lose nothing the recogniser uses, else 1. `ink` is the halved page's print
    (`rules.print_ink`), None when the page was not halved (below 200 dpi)."""
    if ink is None:
        return 1
    height = line_height(ink, dpi)
    return HALVING if height is not None and height >= MIN_HALVED_LINE_PX else 1
