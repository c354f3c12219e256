"""A blank page (the back of a sheet) found from its image, in milliseconds.

School records are scanned duplex: a third of a stack's pages can be the empty backs of
sheets. Recognising one costs a whole OCR pass and an orientation pass (~3 s) to learn
that there is no text; looking at the image costs ~15 ms. The page is reduced by
averaging (a speckle of dust is lost in the white around it, a stroke of ink stays
dark), its edges (a scanner's dark margins, hole punches) are left out, and what is
still darker than a light grey (180) after a 3×3 median filter is counted as ink.

Why that grey: reduced, the darkest of black 8-point print is ~60, and of print at half
its darkness (a faded copy, a pale printer) ~160; judged at mid-grey (128), as before,
such a page was taken for blank and never read. The front of a sheet showing through
its back (mirrored, faint and spread by the paper: `tests/pagegen.show_through`) stays
at 210 or lighter at a third of the print's darkness, 188 at almost half, and that back
is still blank.

The share keeps a page with a single word on it (3–4× the share) as text and takes a
page with only a dot, a dust speck or a page number of one or two digits as blank;
`tests/test_blank_pages.py` holds both sides of it.
"""

from __future__ import annotations

from PIL import Image, ImageFilter

SIDE = 800  # px of the longer side the page is judged at
MARGIN = 0.04  # of each side, left out: scanner edges, punch holes
INK_LEVEL = 180  # darker than this (0–255) is ink
MAX_INK_SHARE = 0.00006  # of the judged pixels; a single word is 3–4× this
_DARK = [255 if v < INK_LEVEL else 0 for v in range(256)]
_FIVE_OF_NINE = 128  # a 3×3 mean of 0/255 at or above this holds 5 dark pixels or more


def ink_share(img: Image.Image) -> float:
    """How much of the page (within its margins) is ink."""
    grey = img.convert("L")
    width, height = grey.size
    dx, dy = int(width * MARGIN), int(height * MARGIN)
    grey = grey.crop((dx, dy, width - dx, height - dy))
    grey.thumbnail((SIDE, SIDE), Image.Resampling.BOX)
    # A pixel is ink when the median of its 3×3 window is darker than INK_LEVEL, that is
    # when 5 of the 9 are: counted as a 3×3 mean of the dark pixels (255) at 5/9 of 255
    # or more (4/9 is 113, 5/9 is 142), in half the time of the median filter (~5 ms of
    # ~10), with the same result to the pixel (tests/test_blank_pages.py).
    dark = grey.point(_DARK).filter(ImageFilter.BoxBlur(1))
    return sum(dark.histogram()[_FIVE_OF_NINE:]) / max(1, grey.width * grey.height)


def is_blank(img: Image.Image) -> bool:
    return ink_share(img) < MAX_INK_SHARE
