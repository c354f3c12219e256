"""How tall a page's lines of print are, and so at what resolution Tesseract reads them.

Tesseract's recogniser sees each line scaled to 36 px high (the input of the rus and eng
models), whatever the scan gave it. What it spends on the scan's full resolution is its
layout analysis of every pixel: a title page read at 300 dpi took 340 ms, the same page
halved 130 ms, a dense page 1.96 s against 1.12 s. On generated print, halved pages read
as well or better from ~8 points up (`bench/print_size_bench.py`: print of 6–10 points
in a serif and a sans face, sharp and degraded). Real scans said otherwise: on the 66
flatbed scans of Russian office documents of the PHONE-SCAN dataset
(`bench/real_scans.py`), read in-process both ways, the CER against the dataset's
reading was (each kind's pages in all, as scanned → halved from 13 px → from 19 px):

- grids of small print (expense reports, waybills, tax forms; lines 10–18 px): 0.112 →
  0.140 → 0.112, the halved readings adding stray letters where underlines and cell
  borders run close to the print;
- prose and filled-in contracts (15–20 px): 0.025 → 0.032 → 0.025;
- light forms (12–21 px): 0.037 → 0.036 → 0.037;
- title pages (16–23 px, six; five measure 19 px or more): 0.245 → 0.266 → 0.266;
  halved, three read worse (a large bold «УСТАВ» as «VYCIAB»), one better.

Reading at two thirds (200 dpi) lost as much as halving on the filled-in contracts. So a page
is read halved only when its lines stand at least MIN_HALVED_LINE_PX tall on the halved
page, the shortest at which the real forms, prose and grids read as well halved as at
full resolution (~11.5-point print at 300 dpi: a title page, a form's large print), and
as scanned otherwise. The real title pages, which measure above it, still lose some CER
halved (above), for a reading of 0.45 s against 0.63 (`bench/print_size_bench.py
--scans`, `bench/results/print-size-scans-phone-scan-20261207-1541.json`).
"""

from __future__ import annotations

from statistics import median

from PIL import Image

from archive_service.reading.text_area import inked_rows, print_bounds

STRIP_INCH = 1.0  # a line is measured across this much of its length: a 0.5° skew moves it ~1 px
MIN_RUN_PX = 4  # fewer inked rows than this on the halved page are a rule or specks, not a line
MIN_HALVED_LINE_PX = 19  # the median line on the halved page: read halved from this height on
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
