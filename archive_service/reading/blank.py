"""A blank page (the back of a sheet) found from its image, in milliseconds.

School records are scanned duplex: a third of a stack's pages can be the empty backs of
sheets. Recognising one costs a whole OCR pass and an orientation pass (~3 s) to learn
that there is no text; looking at the image costs ~15 ms. The page is reduced by
averaging (a speckle of dust is lost in the white around it, a stroke of ink stays
dark), its edges (a scanner's dark margins, hole punches) are left out, and what is
still darker than mid-grey after a median filter is counted as ink.

The threshold keeps a page with a single word on it (~46 millionths of the page is ink
in a generated scan) as text and takes a page with only a dot, a dust speck or a
one-digit page number as blank; `tests/test_blank_pages.py` holds both sides of it.
"""

from __future__ import annotations

from PIL import Image, ImageFilter

SIDE = 800  # px of the longer side the page is judged at
MARGIN = 0.04  # of each side, left out: scanner edges, punch holes
INK_LEVEL = 128  # darker than this (0–255) is ink
MAX_INK_SHARE = 0.00002  # of the judged pixels; a single word is ~2× this


def ink_share(img: Image.Image) -> float:
    """How much of the page (within its margins) is ink."""
    grey = img.convert("L")
    width, height = grey.size
    dx, dy = int(width * MARGIN), int(height * MARGIN)
    grey = grey.crop((dx, dy, width - dx, height - dy))
    grey.thumbnail((SIDE, SIDE), Image.Resampling.BOX)
    grey = grey.filter(ImageFilter.MedianFilter(3))
    dark = sum(grey.histogram()[:INK_LEVEL])
    return dark / max(1, grey.width * grey.height)


def is_blank(img: Image.Image) -> bool:
    return ink_share(img) < MAX_INK_SHARE
