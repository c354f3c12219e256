"""The vertical rules of a grid (a class journal, a register, a protocol's table), left
out of the image Tesseract reads.

Tesseract takes a page's vertical lines for column edges: each cell of a journal's grid
becomes a column of its own, and its table analysis of them cost ~0.3 s of ~1.25 s on a
generated page of 25 pupils × 12 dates, while the cells it cut read worse (CER 0.063)
than the same rows without the vertical lines (0.041, ~0.9 s). Found here on the page
halved (`text_area.halved`), they cost ~50 ms. The horizontal rules stay: they keep a
row's marks with its pupil's name. Without them the rows of a page skewed by 2° drifted
into each other (CER 0.25 against 0.053), where with them Tesseract reads each row as a
line of text (0.053, as with every line kept; 0.074 against 0.24 at 3.5°).

The scan itself is never changed: the archive's copy, its PDF and its preview keep every
line. A page without a vertical run of ink half an inch long, the usual page of prose
or a form, costs one look at its columns (~3 ms) and is given back as it is.

A rule is ink lying in a straight run of half an inch or more down the page, and thin:
at most 4 px wide on the halved page (a 1.5-point rule is ~3). A letter's stem that tall
belongs to a 50-point capital and is twice as wide, so a title page's heading is left
whole (tests/test_rules.py: 36 to 72 points, regular and bold). The run is looked for in
a band 2 px either side, so that a line skewed by a few degrees, a staircase of short
runs, is found whole: left in pieces, its stubs were read as letters. Each rule found is
widened by a pixel on every side, to take the grey edge a scanner's blur gives it.
"""

from __future__ import annotations

from PIL import Image, ImageChops

RULE_INCH = 0.5  # the shortest straight run of ink taken for a rule
# A rule is at most this wide on the halved page (a 1.5-point rule is ~3 px); the stem
# of a letter half an inch tall (a 50-point capital) is twice as wide.
MAX_RULE_WIDTH = 4
SKEW_BAND = 2  # px either side a skewed rule's run may wander, on the halved page
# The first look, at the halved page's columns cut into stretches of this many pixels
# (a quarter of the work, ~3 ms): a page with no rule there is given back at once.
SQUAT = 4
_HALF = [255 if v >= 128 else 0 for v in range(256)]
_FULL = [255 if v >= 230 else 0 for v in range(256)]  # a stretch at least 90 % ink


def without_rules(img: Image.Image, ink: Image.Image | None, dpi: int) -> Image.Image:
    """The page with its vertical rules turned to paper, or `img` itself if it has none.

    `ink` is the halved page's mask, `text_area.ink_mask(text_area.halved(img, dpi))`;
    without it (a scan under 200 dpi, where a line is a pixel or two wide) the page is
    given back as it is."""
    if ink is None:
        return img
    length = max(2, round(RULE_INCH * dpi / 2))
    width, height = ink.size
    squat = ink.resize((width, max(1, height // SQUAT)), Image.Resampling.BOX).point(_HALF)
    if not _has_vertical_run(_spread(squat, SKEW_BAND, down=False), max(2, length // SQUAT)):
        return img
    banded = _spread(ink, SKEW_BAND, down=False)
    if not _has_vertical_run(banded, length):
        return img
    tall = ImageChops.multiply(runs(banded, length, down=True), ink)
    wide = runs(tall, MAX_RULE_WIDTH + 1, down=False)
    rules = ImageChops.subtract(tall, wide)
    if rules.getbbox() is None:  # only the stems of large letters
        return img
    rules = _spread(_spread(rules, 1, down=False), 1, down=True)
    clean = img.copy()
    clean.paste(255, mask=rules.resize(img.size, Image.Resampling.NEAREST))
    return clean


def _has_vertical_run(ink: Image.Image, length: int) -> bool:
    """Whether some stretch of `length` pixels down a column, as the columns are cut
    into such stretches, is ink: a rule twice that long always fills one."""
    width, height = ink.size
    stretches = ink.resize((width, max(1, height // length)), Image.Resampling.BOX)
    return stretches.point(_FULL).getbbox() is not None


def runs(ink: Image.Image, length: int, *, down: bool) -> Image.Image:
    """The ink (255) lying in a straight run of at least `length` pixels down a column
    (or along a row): an opening by a line of that length, as an erosion then a
    dilation, each in doubling steps (log₂ length shifts of the image, not length)."""
    eroded, span = ink, 1
    while span < length:
        step = min(span, length - span)
        eroded = ImageChops.darker(eroded, _moved(eroded, step, down=down))
        span += step
    opened, span = eroded, 1
    while span < length:
        step = min(span, length - span)
        opened = ImageChops.lighter(opened, _moved(opened, -step, down=down))
        span += step
    return opened


def _spread(mask: Image.Image, by: int, *, down: bool) -> Image.Image:
    """The mask widened by `by` pixels to either side, down the columns or along the
    rows."""
    out = mask
    for step in range(1, by + 1):
        before, after = _moved(mask, step, down=down), _moved(mask, -step, down=down)
        out = ImageChops.lighter(out, ImageChops.lighter(before, after))
    return out


def _moved(img: Image.Image, step: int, *, down: bool) -> Image.Image:
    """`out(x, y) = img(x, y + step)` (or `img(x + step, y)`), no ink beyond the edges."""
    dx, dy = (0, step) if down else (step, 0)
    width, height = img.size
    out = Image.new("L", img.size, 0)
    part = img.crop((max(dx, 0), max(dy, 0), width + min(dx, 0), height + min(dy, 0)))
    out.paste(part, (max(-dx, 0), max(-dy, 0)))
    return out
