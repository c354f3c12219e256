"""Benchmark (issue 26): at what size of print reading a page halved loses nothing.

`reading/text_size.py` reads a page halved when its median line of print stands at least
MIN_HALVED_LINE_PX tall on the halved page. This is the evidence for that threshold:
pages of print at 6, 7, 8 and 10 points (25, 29, 33 and 42 px at 300 dpi), in a serif
and a sans face (Liberation), 40 lines of journal prose each, sharp (the scanner's blur,
speckle, a 0.5° skew, as `tests.pagegen.scanned`) and degraded (more speckle and blur,
grey paper, JPEG at quality 50). Each page is read by `ocr.recognise` as scanned and
halved, on one core with the models loaded: the character error rate against the text
printed, the time, the line height `text_size.line_height` measures, and whether the
page reader would read it halved. A 200-dpi scan of the 10-point pages is read too,
where the same print stands fewer pixels tall.

Run: .venv/bin/python bench/print_size_bench.py
Prints a line a page and writes bench/results/print-size-<date>.json (~4 minutes).
"""

from __future__ import annotations

import io
import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_pages import dense_lines  # noqa: E402
from page_kinds_bench import cer  # noqa: E402
from PIL import Image, ImageDraw, ImageFilter, ImageFont  # noqa: E402

from archive_service.reading import ocr  # noqa: E402
from archive_service.reading.rules import print_ink, vertical_rules  # noqa: E402
from archive_service.reading.text_area import halved, ink_mask  # noqa: E402
from archive_service.reading.text_size import line_height, reading_reduction  # noqa: E402
from tests.pagegen import A4_300DPI, scanned  # noqa: E402
from workers import memory  # noqa: E402

FACES = {
    "serif": "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    "sans": "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
}
SIZES_PX = {25: 6, 29: 7, 33: 8, 42: 10}  # px at 300 dpi: points
LINES = 40
TOP, BOTTOM = 250, 3300


def printed(lines: list[str], face: str, size: int) -> tuple[Image.Image, str]:
    """The page as printed, and the text of the lines that fit on it."""
    img = Image.new("L", A4_300DPI, 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(face, size)
    shown = []
    y = TOP
    for line in lines:
        if y > BOTTOM:
            break
        draw.text((200, y), line, font=font, fill=0)
        shown.append(line)
        y += int(size * 1.5)
    return img, "\n".join(shown)


def scan(img: Image.Image, degraded: bool) -> Image.Image:
    out = scanned(img, seed=1, skew=0.5, noise=0.05 if degraded else 0.02)
    if not degraded:
        return out
    out = out.filter(ImageFilter.GaussianBlur(0.9)).point(lambda v: 60 + v * 0.7)
    jpeg = io.BytesIO()
    out.save(jpeg, "JPEG", quality=50)
    return Image.open(jpeg).convert("L")


def measure(page: Image.Image, dpi: int, truth: str) -> dict[str, Any]:
    half = halved(page, dpi)
    assert half is not None
    ink = ink_mask(half)
    printed_ink = print_ink(ink, vertical_rules(ink, dpi), dpi)
    row: dict[str, Any] = {
        "line_px_halved": line_height(printed_ink, dpi),
        "read_halved": reading_reduction(printed_ink, dpi) == 2,
    }
    for name, reduce in (("as_scanned", 1), ("halved", 2)):
        started = time.perf_counter()
        out = ocr.recognise(page, dpi, "rus+eng", reduce=reduce)
        row[f"{name}_ms"] = round((time.perf_counter() - started) * 1000)
        row[f"{name}_cer"] = cer([out.text], [truth])
    return row


def main() -> None:
    memory.return_big_buffers_at_once()
    ocr.load_engines("rus+eng")
    rows = []
    for face_name, face in FACES.items():
        for size, points in SIZES_PX.items():
            for degraded in (False, True):
                img, truth = printed(dense_lines(size)[:LINES], face, size)
                page = scan(img, degraded)
                cases = [(300, page)]
                if points == 10:
                    small = (page.width * 2 // 3, page.height * 2 // 3)
                    cases.append((200, page.resize(small, Image.Resampling.LANCZOS)))
                for dpi, at_dpi in cases:
                    row = {
                        "face": face_name,
                        "points": points,
                        "px_at_300dpi": size,
                        "degraded": degraded,
                        "dpi": dpi,
                        **measure(at_dpi, dpi, truth),
                    }
                    print(json.dumps(row), flush=True)
                    rows.append(row)
    out = ROOT / "bench" / "results" / f"print-size-{datetime.now():%Y%m%d-%H%M}.json"
    out.write_text(json.dumps({"rows": rows}, ensure_ascii=False, indent=1))
    print("written", out)


if __name__ == "__main__":
    main()
