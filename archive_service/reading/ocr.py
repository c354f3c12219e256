"""OCR of one page image with Tesseract: its orientation, and its text with word boxes.

Both run inside the worker through tesserocr, Tesseract's C++ API, with the models
loaded once per process: a `tesseract` process per page spent ~0.15 s starting and
loading the rus+eng models before reading a word, a third of a light page's time. One
recognition of an area yields both the TSV (words, boxes, confidence) and the text for
the searchable PDF (Tesseract's own PDF renderer, text only), so an area is recognised
once, not twice. When orientation is asked, and of what, is reading/orientation.py's.
Tesseract is told to use one thread (OMP_THREAD_LIMIT=1): parallelism comes from
several worker processes, and OpenMP threads on top of them only fight for the cores.
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import os
import re
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytesseract
import tesserocr
from PIL import Image

from archive_service.reading.class_letters import reread_rows
from archive_service.reading.homoglyphs import fold_text
from archive_service.reading.reading_order import Line, in_rows
from archive_service.reading.result import Word
from archive_service.reading.text_area import Box

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

OSD_MAX_SIDE = 2000
OSD_MIN_CONFIDENCE = 1.0
TESSDATA_RE = re.compile(r'languages in "([^"]+)"')
log = logging.getLogger(__name__)


class OcrError(Exception):
    pass


@dataclass
class OcrOutput:
    text: str
    words: list[Word]
    confidence: float | None
    text_pdf: bytes  # the invisible text alone, the size of the area read


def detect_rotation(img: Image.Image) -> int:
    """Degrees (0/90/180/270) to turn the page clockwise so its text stands upright.

    OSD runs on a copy reduced to 2000 px: orientation needs the shape of lines, not fine
    detail. At 1400 px OSD still named the right turn for sideways pages of small print
    (an 8-point journal page), but with a confidence under 1, so they were left sideways
    and read as noise; at 2000 px every test page was judged right with confidence 2.8 or
    more. A page with too little text for OSD to judge is left as it is.

    OSD runs inside the worker through Tesseract's own API (tesserocr), one engine per
    process, loaded once: run as a `tesseract --psm 0` process per page, as pytesseract
    does, it cost ~0.36 s a page, of which starting the process and loading the OSD model
    were ~0.2 s, a tenth of the whole page's OCR time spent before any text was read.
    """
    small = img
    if max(img.size) > OSD_MAX_SIDE:
        factor = OSD_MAX_SIDE / max(img.size)
        # BOX: the area average, 2.5× quicker than the default bicubic on an A4 page at
        # 300 dpi (15 vs 38 ms) and as good for judging the lines' direction.
        small = img.resize(
            (round(img.width * factor), round(img.height * factor)), Image.Resampling.BOX
        )
    small = small.convert("L")
    with _osd_lock:
        api = _osd_engine()
        try:
            api.SetImage(small)
            found = api.DetectOrientationScript()
        finally:
            api.Clear()
    if not found or found["orient_conf"] < OSD_MIN_CONFIDENCE:
        return 0
    # OSD names how far the image is turned clockwise; turning it back is the rest of 360
    return (360 - int(found["orient_deg"])) % 360


_osd_lock = threading.Lock()
_osd: tesserocr.PyTessBaseAPI | None = None


def _osd_engine() -> tesserocr.PyTessBaseAPI:
    """This process's OSD engine, loaded once (or inherited, see `load_engines`)."""
    global _osd
    if _osd is None:
        _osd = tesserocr.PyTessBaseAPI(
            path=str(tessdata_dir()), lang="osd", psm=tesserocr.PSM.OSD_ONLY
        )
        _osd.SetVariable("min_characters_to_try", "10")
    return _osd


def load_engines(languages: str) -> None:
    """Load the recognition and OSD engines now, so that the first page does not pay
    ~0.35 s for them.

    A worker loads them before it forks its pool (workers/runner.py), on a thread while
    it loads the rest: Tesseract lets go of the GIL as it reads its models. Each pool
    process then reads with the copy it inherits, whose pages stay shared until written,
    instead of loading its own after the fork, on the path of a cold `ingest --wait`'s
    first page. An engine is only ever used by the process that holds it, one page at a
    time; the locks are made afresh in a forked child (`_fresh_locks`), so a fork taken
    while a thread held one cannot leave the child waiting on it forever."""
    with _ocr_lock:
        _ocr_engine(languages)
    with _osd_lock:
        _osd_engine()


def preload_engines(languages: str) -> None:
    """`load_engines` for a worker before its first page: a language without its model
    is logged, not raised, and each page then fails naming it."""
    try:
        load_engines(languages)
    except OcrError as exc:
        log.warning("OCR engines not loaded: %s", exc)


@functools.cache
def tessdata_dir() -> Path:
    """Where the installed Tesseract keeps its models: TESSDATA_PREFIX when set, else
    what `tesseract --list-langs` names (Debian: /usr/share/tesseract-ocr/5/tessdata)."""
    if prefix := os.environ.get("TESSDATA_PREFIX"):
        return Path(prefix)
    try:
        out = subprocess.run(
            [pytesseract.pytesseract.tesseract_cmd, "--list-langs"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise OcrError(f"Tesseract не найден или не запускается: {exc}") from exc
    match = TESSDATA_RE.search(out)
    if match is None:
        raise OcrError(f"Не удалось узнать, где лежат модели Tesseract: {out[:200]}")
    return Path(match.group(1))


def upright(img: Image.Image, rotation: int) -> Image.Image:
    if rotation == 0:
        return img
    # PIL rotates counter-clockwise for positive angles.
    return img.rotate(-rotation, expand=True)


def recognise(
    img: Image.Image,
    dpi: int,
    languages: str,
    box: Box | None = None,
    timeout: int = 600,
    reduce: int = 1,
) -> OcrOutput:
    """Read the area `box` of the page (all of it when None); `timeout` in seconds.
    The area is read reduced `reduce` times (reading/text_size.py says when that loses
    nothing).

    The words' boxes come back in the page's pixels, reduced or not; the text-only PDF
    is the size of the area, to be laid over the page's image (reading/page_pdf.py).
    Tesseract reads the area from an uncompressed grey TIFF, written and read in a few
    ms. Leptonica reads a PGM, as used before, a pixel at a time: ~115 ms of an A4
    page's 0.3 s on a cover or a form (bench/page_kinds_bench.py), the same words read.
    The resolution is set for the engine as well, whatever the file carries.
    """
    left, top, right, bottom = box or (0, 0, img.width, img.height)
    area = img.crop((left, top, right, bottom)) if box else img
    with tempfile.TemporaryDirectory(prefix="ocr-") as tmp:
        source = Path(tmp) / "area.tif"
        grey = area.convert("L") if area.mode != "L" else area
        (grey.reduce(reduce) if reduce > 1 else grey).save(source)
        del area, grey  # a dense page's crop is most of it: not held while Tesseract reads
        out_base = source.with_name("ocr")
        with _ocr_lock:
            api = _ocr_engine(languages)
            api.SetVariable("user_defined_dpi", str(dpi // reduce))
            # ProcessPages, not ProcessPage: only it begins and ends the PDF document (its
            # header, cross-reference table and trailer); the page's words stay in the
            # engine afterwards for GetTSVText.
            done = api.ProcessPages(str(out_base), str(source), None, timeout * 1000)
            tsv = api.GetTSVText(0) if done else ""
            api.Clear()
        pdf_path = out_base.with_suffix(".pdf")
        if not done or not pdf_path.is_file():
            raise OcrError(f"Tesseract не смог распознать страницу (за {timeout} с или совсем)")
        text_pdf = pdf_path.read_bytes()
        rows = list(
            csv.DictReader(io.StringIO(TSV_HEADER + tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
        )
        if "rus" in languages.split("+"):
            reread_rows(rows, source, str(tessdata_dir()))
    words, text = _parse_tsv(rows, left, top, reduce)
    confidence = round(sum(w.confidence for w in words) / len(words), 1) if words else None
    return OcrOutput(text=text, words=words, confidence=confidence, text_pdf=text_pdf)


# GetTSVText gives the rows alone; the CLI's header names their columns.
TSV_COLUMNS = "level page_num block_num par_num line_num word_num left top width height conf text"
TSV_HEADER = TSV_COLUMNS.replace(" ", "\t") + "\n"
_ocr_lock = threading.Lock()
_ocr: tuple[str, tesserocr.PyTessBaseAPI] | None = None


def _fresh_locks() -> None:
    global _ocr_lock, _osd_lock
    _ocr_lock, _osd_lock = threading.Lock(), threading.Lock()


os.register_at_fork(after_in_child=_fresh_locks)


def _ocr_engine(languages: str) -> tesserocr.PyTessBaseAPI:
    """This process's recognition engine for these languages, loaded once (or inherited,
    see `load_engines`); a language without its model is named in words."""
    global _ocr
    if _ocr is not None and _ocr[0] == languages:
        return _ocr[1]
    path = str(tessdata_dir())
    missing = [lang for lang in languages.split("+") if lang not in _installed(path)]
    if missing:
        raise OcrError(_missing_language(missing, languages))
    api = tesserocr.PyTessBaseAPI(path=path, lang=languages, psm=tesserocr.PSM.AUTO)
    api.SetVariable("tessedit_create_pdf", "1")
    api.SetVariable("textonly_pdf", "1")
    _ocr = (languages, api)
    return api


@functools.cache
def _installed(path: str) -> frozenset[str]:
    return frozenset(tesserocr.get_languages(path)[1])


def _missing_language(missing: list[str], languages: str) -> str:
    """A language Tesseract has no model for is the usual cause of a whole batch
    failing (ARCHIVE_OCR_LANGUAGES set to a language whose Debian package is not
    installed)."""
    names = ", ".join(dict.fromkeys(missing))
    packages = " ".join(f"tesseract-ocr-{name}" for name in dict.fromkeys(missing))
    return (
        f"У Tesseract нет языка распознавания «{names}» (ARCHIVE_OCR_LANGUAGES="
        f"{languages}): установите пакет {packages} или исправьте настройку, затем "
        "повторите обработку"
    )


def _parse_tsv(
    rows: list[dict[str, str]], dx: int, dy: int, scale: int = 1
) -> tuple[list[Word], str]:
    """The page's words and text in reading order (`reading_order.in_rows`); a gap of
    a line's height or more between two rows is kept as an empty line. Boxes read in
    an area of the page, reduced `scale` times, are scaled and moved by (dx, dy) back
    onto the page."""
    lines: dict[tuple[str, str, str], Line] = {}
    for row in rows:
        if row.get("level") != "5":
            continue
        token = fold_text((row.get("text") or "").strip())
        conf = float(row.get("conf") or -1)
        if not token or conf < 0:
            continue
        key = (row["block_num"], row["par_num"], row["line_num"])
        lines.setdefault(key, Line()).words.append(
            Word(
                text=token,
                left=float(row["left"]) * scale + dx,
                top=float(row["top"]) * scale + dy,
                width=float(row["width"]) * scale,
                height=float(row["height"]) * scale,
                confidence=round(conf, 1),
            )
        )
    words: list[Word] = []
    text: list[str] = []
    last_bottom: float | None = None
    for row_lines in in_rows(list(lines.values())):
        top = min(line.top for line in row_lines)
        bottom = max(line.bottom for line in row_lines)
        if last_bottom is not None and top - last_bottom >= bottom - top:
            text.append("")
        last_bottom = bottom
        row_words = [w for line in row_lines for w in line.words]
        words.extend(row_words)
        text.append(" ".join(w.text for w in row_words))
    return words, "\n".join(text).strip()
