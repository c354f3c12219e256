"""The vertical rules of a grid (a class journal, a register, a protocol's table), left
out of the image Tesseract reads.

Tesseract takes a page's vertical lines for column edges: each cell of a journal's grid
becomes a column of its own, and its table analysis of them cost ~0.3 s of ~1.25 s on a
generated page of 25 pupils × 12 dates, while the cells it cut read worse (CER 0.063)
than the same rows without the vertical lines (0.041, ~0.9 s). Found here on the page
halved (`text_area.halved`), they cost ~40 ms. The horizontal rules stay: they keep a
row's marks with its pupil's name. Without them the rows of a page skewed by 2° drifted
into each other (CER 0.25 against 0.053), where with them Tesseract reads each row as a
line of text (0.053, as with every line kept; 0.074 against 0.24 at 3.5°).

The scan itself is never changed: the archive's copy, its PDF and its preview keep every
line. A page without a vertical run of ink a quarter inch long, the usual page of prose
or a form, costs the one check (~10 ms) and is given back as it is.

A rule is ink lying in a straight run of a quarter inch or more down the page; no
stroke of a letter is that long (a capital of 14-point print is a seventh of an inch).
A run is looked for in a band three pixels wide, so that a line skewed by a few degrees,
a staircase of short runs, is found whole: left in pieces, its stubs were read as
letters. Each run found is widened by a pixel on every side, to take the grey edge a
scanner's blur gives it.
"""

from __future__ import annotations

from PIL import Image, ImageChops

from archive_service.reading.text_area import ink_mask

RULE_INCH = 0.25  # the shortest straight run of ink taken for a rule
_FULL = [255 if v >= 230 else 0 for v in range(256)]  # a stretch at least 90 % ink


def without_rules(img: Image.Image, half: Image.Image | None, dpi: int) -> Image.Image:
    """The page with its vertical rules turned to paper, or `img` itself if it has none.

    `half` is `text_area.halved(img, dpi)`; without it (a scan under 200 dpi, where a
    line is a pixel or two wide) the page is given back as it is."""
    if half is None:
        return img
    ink = ink_mask(half)
    length = max(2, round(RULE_INCH * dpi / 2))
    if not _has_vertical_run(ink, length):
        return img
    rules = vertical_runs(_spread(ink, down=False), length)
    rules = _spread(_spread(rules, down=False), down=True)
    clean = img.copy()
    clean.paste(255, mask=rules.resize(img.size, Image.Resampling.NEAREST))
    return clean


def _has_vertical_run(ink: Image.Image, length: int) -> bool:
    """Whether some stretch of `length` pixels down a column, as the columns are cut
    into such stretches, is ink: a rule twice that long always fills one."""
    width, height = ink.size
    stretches = ink.resize((width, max(1, height // length)), Image.Resampling.BOX)
    return stretches.point(_FULL).getbbox() is not None


def vertical_runs(ink: Image.Image, length: int) -> Image.Image:
    """The ink (255) lying in a straight run of at least `length` pixels down a column:
    an opening by a vertical line of that length, as an erosion then a dilation, each
    in doubling steps (log₂ length shifts of the image, not length)."""
    eroded, span = ink, 1
    while span < length:
        step = min(span, length - span)
        eroded = ImageChops.darker(eroded, _moved(eroded, step, down=True))
        span += step
    opened, span = eroded, 1
    while span < length:
        step = min(span, length - span)
        opened = ImageChops.lighter(opened, _moved(opened, -step, down=True))
        span += step
    return opened


def _spread(mask: Image.Image, *, down: bool) -> Image.Image:
    """The mask widened by a pixel to either side, down the columns or along the rows."""
    before, after = _moved(mask, 1, down=down), _moved(mask, -1, down=down)
    return ImageChops.lighter(mask, ImageChops.lighter(before, after))


def _moved(img: Image.Image, step: int, *, down: bool) -> Image.Image:
    """`out(x, y) = img(x, y + step)` (or `img(x + step, y)`), no ink beyond the edges."""
    dx, dy = (0, step) if down else (step, 0)
    width, height = img.size
    out = Image.new("L", img.size, 0)
    part = img.crop((max(dx, 0), max(dy, 0), width + min(dx, 0), height + min(dy, 0)))
    out.paste(part, (max(-dx, 0), max(-dy, 0)))
    return out
