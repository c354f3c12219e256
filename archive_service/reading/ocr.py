"""OCR of one page image with Tesseract: orientation first, then text with word boxes.

One Tesseract run per page yields both the TSV (words, boxes, confidence) and a
single-page searchable PDF, so a page is recognised once, not twice.
Tesseract is told to use one thread (OMP_THREAD_LIMIT=1): parallelism comes from
several worker processes, and OpenMP threads on top of them only fight for the cores.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytesseract
from PIL import Image

from archive_service.reading.homoglyphs import fold_text
from archive_service.reading.result import Word

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

OSD_MAX_SIDE = 2000
OSD_MIN_CONFIDENCE = 1.0
ROTATE_RE = re.compile(r"Rotate:\s*(\d+)")
CONF_RE = re.compile(r"Orientation confidence:\s*([\d.]+)")


class OcrError(Exception):
    pass


@dataclass
class OcrOutput:
    text: str
    words: list[Word]
    confidence: float | None
    pdf: bytes


def detect_rotation(img: Image.Image) -> int:
    """Degrees (0/90/180/270) to turn the page clockwise so its text stands upright.

    OSD runs on a copy reduced to 2000 px: orientation needs the shape of lines, not fine
    detail. At 1400 px OSD still named the right turn for sideways pages of small print
    (an 8-point journal page), but with a confidence under 1, so they were left sideways
    and read as noise; at 2000 px every test page was judged right with confidence 2.8 or
    more, for ~0.07 s more a page. The copy goes to Tesseract as an uncompressed PGM:
    pytesseract would write a PNG, and compressing it cost the worker 80 ms a page.
    A page with too little text for OSD to judge is left as it is.
    """
    small = img
    if max(img.size) > OSD_MAX_SIDE:
        factor = OSD_MAX_SIDE / max(img.size)
        small = img.resize((round(img.width * factor), round(img.height * factor)))
    with tempfile.TemporaryDirectory(prefix="osd-") as tmp:
        source = Path(tmp) / "page.pgm"
        small.convert("L").save(source, format="PPM")
        try:
            osd = pytesseract.image_to_osd(str(source), config="-c min_characters_to_try=10")
        except pytesseract.TesseractError:
            return 0
    rotate = ROTATE_RE.search(osd)
    conf = CONF_RE.search(osd)
    if not rotate or (conf and float(conf.group(1)) < OSD_MIN_CONFIDENCE):
        return 0
    return int(rotate.group(1)) % 360


def upright(img: Image.Image, rotation: int) -> Image.Image:
    if rotation == 0:
        return img
    # PIL rotates counter-clockwise for positive angles.
    return img.rotate(-rotation, expand=True)


def recognise(img: Image.Image, dpi: int, languages: str, timeout: int = 600) -> OcrOutput:
    with tempfile.TemporaryDirectory(prefix="ocr-") as tmp:
        return recognise_file(save_for_ocr(img, dpi, Path(tmp)), languages, timeout)


def save_for_ocr(img: Image.Image, dpi: int, folder: Path) -> Path:
    """The page as Tesseract reads it; Tesseract embeds this JPEG as the image of the
    searchable PDF page as it is."""
    source = folder / "page.jpg"
    img.save(source, format="JPEG", quality=80, dpi=(dpi, dpi))
    return source


def recognise_file(source: Path, languages: str, timeout: int = 600) -> OcrOutput:
    try:
        tsv, pdf = pytesseract.run_and_get_multiple_output(
            str(source), extensions=["tsv", "pdf"], lang=languages, timeout=timeout
        )
    except (pytesseract.TesseractError, RuntimeError, OSError) as exc:
        raise OcrError(f"Tesseract не смог распознать страницу: {exc}") from exc
    words, text = _parse_tsv(tsv if isinstance(tsv, str) else tsv.decode("utf-8"))
    confidence = round(sum(w.confidence for w in words) / len(words), 1) if words else None
    return OcrOutput(text=text, words=words, confidence=confidence, pdf=bytes(pdf))


def _parse_tsv(tsv: str) -> tuple[list[Word], str]:
    words: list[Word] = []
    lines: list[str] = []
    current: tuple[str, str, str] | None = None
    line_words: list[str] = []
    last_block: str | None = None
    reader = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in reader:
        if row.get("level") != "5":
            continue
        token = fold_text((row.get("text") or "").strip())
        conf = float(row.get("conf") or -1)
        if not token or conf < 0:
            continue
        key = (row["block_num"], row["par_num"], row["line_num"])
        if key != current:
            if line_words:
                lines.append(" ".join(line_words))
            if last_block is not None and row["block_num"] != last_block:
                lines.append("")
            current, line_words, last_block = key, [], row["block_num"]
        line_words.append(token)
        words.append(
            Word(
                text=token,
                left=float(row["left"]),
                top=float(row["top"]),
                width=float(row["width"]),
                height=float(row["height"]),
                confidence=round(conf, 1),
            )
        )
    if line_words:
        lines.append(" ".join(line_words))
    return words, "\n".join(lines).strip()
