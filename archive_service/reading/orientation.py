"""Reading a page the right way up, paying for orientation only where it is cheaper.

Tesseract's orientation detection (OSD) costs ~0.1–0.2 s a page, a layout analysis of
its own. Point 3 of issue 26: no second pass on an upright page. So a page is read as
it lies, and OSD asked only when a reading says the page is unreadable or runs down it:
- a light page (its ink in a small area) is read whole first: that costs less than OSD
  (~50 ms against ~80);
- any larger page has its first lines read first (~25 ms), and OSD asked if they are
  unreadable, before the whole is read. Reading a page upside down whole, in vain,
  would cost a second reading; OSD on every page cost as much as the reading on a form
  filled in by hand (167 ms against 176), and on a real table form it named no turn
  for a page upside down, which its first lines, read badly, then OSD on the print's
  area, turned right;
- a large page with no first lines to try (no gap between lines in its upper part) is
  turned by OSD before its one reading, as every large page was before.
Then, if OSD names a turn, the turned page is read too, and kept if it reads well or
better than the page as it lay: OSD alone can name a wrong turn for a few lines of
text, and a reading is never given up for a worse one.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from archive_service.reading.ocr import OcrOutput, detect_rotation, recognise, upright
from archive_service.reading.text_area import Box, area_share, first_lines, text_box, turn_box

# A page whose ink lies within more than this share of it has its first lines read before
# the whole: a title page's box is ~0.2 of it and reads in ~0.15 s, so upside down it
# was read whole, in vain, before OSD was asked (a quarter of a bench's title pages:
# ~55 ms a page on average). Its first lines read in ~25 ms.
PROBE_MIN_SHARE = 0.1
# A page whose ink lies within more than this share, with no first lines to try, is
# turned by OSD before it is read: read upside down, it would be read twice.
READ_FIRST_MAX_SHARE = 0.25
# Upright print reads at 85–95 on average; the same page upside down at 40–50.
READABLE_CONFIDENCE = 70.0
MIN_LETTERS_TO_JUDGE = 3  # a word this long is wider than tall when its line runs across


@dataclass
class UprightReading:
    rotation: int  # degrees the page was turned clockwise to stand upright
    image: Image.Image  # the page, upright
    box: Box  # the area read, on the upright page
    ocr: OcrOutput


def read_upright(
    img: Image.Image,
    dpi: int,
    languages: str,
    ink: Image.Image | None = None,
    reduce: int = 1,
) -> UprightReading:
    """`ink` is the halved page's `text_area.ink_mask` if the caller has it already;
    every reading is made `reduce` times reduced (`ocr.recognise`)."""
    box = text_box(img, dpi, ink) or (0, 0, img.width, img.height)
    share = area_share(box, img.size)
    probe = first_lines(img, dpi, ink, box) if ink is not None and share > PROBE_MIN_SHARE else None
    if probe is None and share > READ_FIRST_MAX_SHARE:
        return _read(img, dpi, languages, box, detect_rotation(img), reduce)
    rotation: int | None = None  # OSD's answer, once asked
    second: UprightReading | None = None  # the page read turned as OSD says
    if probe is not None and not _readable(recognise(img, dpi, languages, probe, reduce=reduce)):
        rotation = detect_rotation(img.crop(box))
        if rotation != 0:
            second = _read(img, dpi, languages, box, rotation, reduce)
            if _readable(second.ocr):
                return second
    first = UprightReading(0, img, box, recognise(img, dpi, languages, box, reduce=reduce))
    if _readable(first.ocr):
        return first
    if rotation is None:
        rotation = detect_rotation(img.crop(box))
        if rotation != 0:
            second = _read(img, dpi, languages, box, rotation, reduce)
    if second is not None and (
        _readable(second.ocr) or (second.ocr.confidence or 0.0) > (first.ocr.confidence or 0.0)
    ):
        return second
    return first


def _read(
    img: Image.Image, dpi: int, languages: str, box: Box, rotation: int, reduce: int
) -> UprightReading:
    turned = upright(img, rotation)
    area = turn_box(box, rotation, img.size)
    return UprightReading(
        rotation, turned, area, recognise(turned, dpi, languages, area, reduce=reduce)
    )


def _readable(out: OcrOutput) -> bool:
    """Confident, and read along lines that run across the page. Tesseract reads a page
    lying on its side as vertical lines of text, often well (96 on a generated form),
    but its words then stand taller than wide on the page as it lies, and the page
    must still be turned for its preview, its PDF and the reading order."""
    if out.confidence is None or out.confidence < READABLE_CONFIDENCE:
        return False
    words = [w for w in out.words if len(w.text) >= MIN_LETTERS_TO_JUDGE]
    return sum(w.width > w.height for w in words) * 2 >= len(words)
