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
at most 6 px wide on the halved page (a 1.5-point rule is ~3, a cover's 2-point frame
~5 with the scanner's blur: at 4, as before, such a frame was no rule). A letter's stem
that tall belongs to a 50-point capital and is ~10 px wide, so a title page's heading is
left whole (tests/test_rules.py: 36 to 72 points, regular and bold). The run is looked for in
a band 2 px either side, so that a line skewed by a few degrees, a staircase of short
runs, is found whole: left in pieces, its stubs were read as letters. Each rule found is
widened by a pixel on every side, to take the grey edge a scanner's blur gives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate

from PIL import Image, ImageChops

from archive_service.reading.text_area import Box, print_bounds

RULE_INCH = 0.5  # the shortest straight run of ink taken for a rule
# A rule is at most this wide on the halved page (a 1.5-point rule is ~3 px, a 2-point
# frame ~5); the stem of a letter half an inch tall (a 50-point capital) is ~10.
MAX_RULE_WIDTH = 6
# What `print_ink` leaves out with a rule, in px of the halved page: along it (a step
# of a skewed rule is ~7 px long) and to either side.
STEP_ALONG, STEP_ACROSS = 8, 3
# A strip searched for rules reaches this far either side of a column with a run of ink
# down it: as far as a rule's width, and its `near`, can reach from that column.
STRIP_MARGIN = 8
FRAME_BAND_INCH = 1.0  # along the print's top and bottom, where a frame's lines are sought
FRAME_LINES = 2  # rounds of that search: a double frame's two lines
SKEW_BAND = 2  # px either side a skewed rule's run may wander, on the halved page
# The first look, at the halved page's columns cut into stretches of this many pixels
# (a quarter of the work, ~3 ms): a page with no rule there is given back at once.
SQUAT = 4
_HALF = [255 if v >= 128 else 0 for v in range(256)]
_FULL = [255 if v >= 230 else 0 for v in range(256)]  # a stretch at least 90 % ink


@dataclass(frozen=True)
class Rules:
    """A halved page's vertical rules: `lines`, each widened by a pixel all round (what
    `without_rules` turns to paper), and `near`, what lies within STEP_ALONG of them
    down and STEP_ACROSS to either side (what `print_ink` leaves out); both lie within
    `strips`, the boxes searched."""

    lines: Image.Image
    near: Image.Image
    strips: tuple[Box, ...]


def vertical_rules(ink: Image.Image | None, dpi: int) -> Rules | None:
    """The page's vertical rules on the halved page, or None if it has none.

    `ink` is the halved page's mask, `text_area.ink_mask(text_area.halved(img, dpi))`;
    without it (a scan under 200 dpi, where a line is a pixel or two wide) no rule is
    looked for. The search runs only in strips around the columns where ink runs
    straight down for a third of a rule's length or more (a rule always holds such a
    run), not on the whole page: a grid's 14 rules are a third of its width, a frame's
    two sides a twentieth. It finds exactly what the whole page gives
    (`tests/test_rules.py`), in a third of the time or less."""
    if ink is None:
        return None
    length = max(2, round(RULE_INCH * dpi / 2))
    width, height = ink.size
    squat = ink.resize((width, max(1, height // SQUAT)), Image.Resampling.BOX).point(_HALF)
    if not _has_vertical_run(_spread(squat, SKEW_BAND, down=False), max(2, length // SQUAT)):
        return None
    banded = _spread(ink, SKEW_BAND, down=False)
    strips = _strips(banded, length)
    # The strips side by side, STRIP_MARGIN of paper between them: searched as one
    # image, each as if alone (the search looks no further across than that).
    places = list(
        accumulate((right - left + STRIP_MARGIN for left, _, right, _ in strips), initial=0)
    )
    packed_banded = Image.new("L", (max(1, places[-1]), height), 0)
    packed_ink = packed_banded.copy()
    for strip, x in zip(strips, places, strict=False):
        packed_banded.paste(banded.crop(strip), (x, 0))
        packed_ink.paste(ink.crop(strip), (x, 0))
    found = _rules_in(packed_banded, packed_ink, length)
    if found is None:  # no rule, or only the stems of large letters
        return None
    lines, near = Image.new("L", ink.size, 0), Image.new("L", ink.size, 0)
    for (left, _, right, _), x in zip(strips, places, strict=False):
        lines.paste(found.lines.crop((x, 0, x + right - left, height)), (left, 0))
        near.paste(found.near.crop((x, 0, x + right - left, height)), (left, 0))
    return Rules(lines, near, tuple(strips))


def _strips(banded: Image.Image, length: int) -> list[Box]:
    """Full-height strips of the page around every column where some stretch of a third
    of `length` down it is ink (a run `length` long always fills one), STRIP_MARGIN
    wider on either side, those that would touch merged."""
    width, height = banded.size
    third = max(1, length // 3)
    stretches = banded.resize((width, max(1, height // third)), Image.Resampling.BOX)
    columns = stretches.point(_FULL).resize((width, 1), Image.Resampling.BOX).tobytes()
    strips: list[Box] = []
    for x, value in enumerate(columns):
        if not value:
            continue
        left, right = max(0, x - STRIP_MARGIN), min(width, x + STRIP_MARGIN + 1)
        if strips and left <= strips[-1][2]:
            strips[-1] = (strips[-1][0], 0, right, height)
        else:
            strips.append((left, 0, right, height))
    return strips


def _rules_in(banded: Image.Image, ink: Image.Image, length: int) -> Rules | None:
    """The vertical rules of a page or of a strip of it: ink in a straight run of
    `length` down the banded ink, and at most MAX_RULE_WIDTH wide."""
    tall = ImageChops.multiply(runs(banded, length, down=True), ink)
    wide = runs(tall, MAX_RULE_WIDTH + 1, down=False)
    rules = ImageChops.subtract(tall, wide)
    if rules.getbbox() is None:
        return None
    lines = _spread(_spread(rules, 1, down=False), 1, down=True)
    # Where a skewed rule steps aside, and at a frame's corners, it is thicker than a
    # rule: those bits were left out of it and stayed as specks along it, as big as a
    # letter's dot. What lies this close to a rule is no print either.
    near = _spread(_spread(lines, STEP_ALONG, down=True), STEP_ACROSS, down=False)
    return Rules(lines, near, ((0, 0, *lines.size),))


def without_rules(img: Image.Image, rules: Rules | None) -> Image.Image:
    """The page with its `vertical_rules` turned to paper, or `img` itself if it has
    none."""
    if rules is None:
        return img
    clean = img.copy()
    factor = round(img.width / rules.lines.width)  # 2: the rules were found halved
    for strip in rules.strips:  # not the whole page: ~12 ms less
        in_strip = rules.lines.crop(strip)
        found = in_strip.getbbox()
        if found is None:  # a strip searched around a large letter's stems
            continue
        lines = in_strip.crop(found)
        size = (lines.width * factor, lines.height * factor)
        at = ((strip[0] + found[0]) * factor, (strip[1] + found[1]) * factor)
        clean.paste(255, at, lines.resize(size, Image.Resampling.NEAREST))
    return clean


def print_ink(ink: Image.Image, rules: Rules | None, dpi: int) -> Image.Image:
    """The halved page's ink less its rules, down (`rules`, as `vertical_rules` found
    them) and across the edges of what is left: what the area Tesseract reads is drawn
    around.

    A journal's title page or a certificate is printed inside a ruled frame: around
    the frame, the area was the whole sheet, and Tesseract read ~0.19 s longer (0.38 s
    against 0.20 on a generated cover) to find the same seven lines. A rule holds no
    word to read, and the area's own margin keeps whatever of it borders the text.

    Rules across are looked for only in the inch along the top and the bottom of the
    print (a frame's line skewed 3.5° drifts ~0.6 inch across the page), twice, for a
    double frame: the whole page's, a grid's thirty, cost ~35 ms and could not move
    the area. And only on a page with rules down it: a page of prose or a form with
    underlines would pay for nothing, its area being its lines of text already."""
    if rules is None:
        return ink
    ink = ImageChops.subtract(ink, rules.near)
    band = round(FRAME_BAND_INCH * dpi / 2)
    for _ in range(FRAME_LINES):
        bounds = print_bounds(ink)
        if bounds is None:
            break
        left, top, right, bottom = bounds
        found = False
        for edge in ((left, top, right, min(bottom, top + band)),
                     (left, max(top, bottom - band), right, bottom)):  # fmt: skip
            # Rows are columns of the page turned about its diagonal.
            across = vertical_rules(ink.crop(edge).transpose(Image.Transpose.TRANSPOSE), dpi)
            if across is not None:
                ink.paste(0, edge[:2], across.near.transpose(Image.Transpose.TRANSPOSE))
                found = True
        if not found:
            break
    return ink


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
    rows: in doubling steps, each the spread so far plus itself moved either way, on
    the mask bordered by `by` pixels (a step must not lose what an earlier one spread
    beyond the edge)."""
    if by <= 0:
        return mask
    width, height = mask.size
    dx, dy = (0, by) if down else (by, 0)
    out = Image.new("L", (width + 2 * dx, height + 2 * dy), 0)
    out.paste(mask, (dx, dy))
    reach = 0
    while reach < by:
        step = min(2 * reach + 1, by - reach)
        before, after = _moved(out, step, down=down), _moved(out, -step, down=down)
        out = ImageChops.lighter(out, ImageChops.lighter(before, after))
        reach += step
    return out.crop((dx, dy, dx + width, dy + height))


def _moved(img: Image.Image, step: int, *, down: bool) -> Image.Image:
    """`out(x, y) = img(x, y + step)` (or `img(x + step, y)`), no ink beyond the edges:
    the image rolled round (`ImageChops.offset`, one copy) and what came round blanked,
    ~0.16 ms on a halved page against ~0.9 for a crop pasted onto a new image."""
    dx, dy = (0, step) if down else (step, 0)
    width, height = img.size
    if abs(dx) >= width or abs(dy) >= height:
        return Image.new("L", img.size, 0)
    out = ImageChops.offset(img, -dx, -dy)
    if dy:
        out.paste(0, (0, height - dy, width, height) if dy > 0 else (0, 0, width, -dy))
    if dx:
        out.paste(0, (width - dx, 0, width, height) if dx > 0 else (0, 0, -dx, height))
    return out
