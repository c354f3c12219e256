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

Real scans: `--scans DIR` (a folder laid out as `bench/real_scans.py` says) reads each
scan instead through the page reader itself (`page_reader.ocr_page`: blank check, rules
left out, turned upright), as scanned and halved, with its CER against the text beside
it on letters and digits (`real_scans.fold`), and sums up each kind: the CER and time a
page as scanned, halved, and as the rule chooses at MIN_HALVED_LINE_PX and at each of
`--thresholds` (px).

Run: .venv/bin/python bench/print_size_bench.py [--scans DIR [--thresholds 13,17,19]]
Prints a line a page and writes bench/results/print-size-<date>.json (~4 minutes), or
print-size-scans-<DIR's name>-<date>.json (the PHONE-SCAN dataset's 66 scans: ~7).
"""

from __future__ import annotations

import argparse
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
from rapidfuzz.distance import Levenshtein  # noqa: E402
from real_scans import fold, scans_by_kind  # noqa: E402

from archive_service.reading import ocr  # noqa: E402
from archive_service.reading.page_reader import ocr_page  # noqa: E402
from archive_service.reading.rules import print_ink, vertical_rules  # noqa: E402
from archive_service.reading.text_area import halved, ink_mask  # noqa: E402
from archive_service.reading.text_size import (  # noqa: E402
    MIN_HALVED_LINE_PX,
    line_height,
    reading_reduction,
)
from intake.sniff import HEAD_BYTES, sniff_media_type  # noqa: E402
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


def print_size(page: Image.Image, dpi: int) -> dict[str, Any]:
    """The median line the page reader measures, and whether it reads the page halved."""
    half = halved(page, dpi)
    assert half is not None
    ink = ink_mask(half)
    printed_ink = print_ink(ink, vertical_rules(ink, dpi), dpi)
    return {
        "line_px_halved": line_height(printed_ink, dpi),
        "read_halved": reading_reduction(printed_ink, dpi) == 2,
    }


def measure(page: Image.Image, dpi: int, truth: str) -> dict[str, Any]:
    row = print_size(page, dpi)
    for name, reduce in (("as_scanned", 1), ("halved", 2)):
        started = time.perf_counter()
        out = ocr.recognise(page, dpi, "rus+eng", reduce=reduce)
        row[f"{name}_ms"] = round((time.perf_counter() - started) * 1000)
        row[f"{name}_cer"] = cer([out.text], [truth])
    return row


def real_scan_rows(folder: Path) -> list[dict[str, Any]]:
    """Each scan in `folder` read through the page reader as scanned and halved: the
    time, and the edits from the text beside it (None if it has none)."""
    rows = []
    for kind, scans in scans_by_kind(folder).items():
        for path, truth in scans:
            with Image.open(path) as img:
                row: dict[str, Any] = {"kind": kind, "scan": path.name, **print_size(img, 300)}
            row["characters"] = len(fold(truth)) if truth else 0
            with path.open("rb") as scan:
                media_type = sniff_media_type(scan.read(HEAD_BYTES))
            for name, reduce in (("as_scanned", 1), ("halved", 2)):
                started = time.perf_counter()
                text = ocr_page(path, media_type, 1, 300, "rus+eng", reduce=reduce).text
                row[f"{name}_ms"] = round((time.perf_counter() - started) * 1000)
                row[f"{name}_edits"] = None if truth is None else edits(text, truth)
            print(json.dumps(row, ensure_ascii=False), flush=True)
            rows.append(row)
    return rows


def edits(found: str, truth: str) -> int:
    return Levenshtein.distance(fold(found), fold(truth))


def by_kind(rows: list[dict[str, Any]], thresholds: list[int]) -> dict[str, Any]:
    """Per kind, the CER and mean time a page read as scanned, halved, and halved from
    each threshold on (the rule's choice had its median line been measured against it)."""
    summary: dict[str, Any] = {}
    for kind in dict.fromkeys(row["kind"] for row in rows):
        mine = [row for row in rows if row["kind"] == kind]
        lines = [row["line_px_halved"] or 0 for row in mine]
        ways = {"as_scanned": [1] * len(mine), "halved": [2] * len(mine)}
        for px in thresholds:
            ways[f"halved_from_{px}px"] = [2 if line >= px else 1 for line in lines]
        summary[kind] = {"pages": len(mine), "line_px_halved": [min(lines), max(lines)]}
        for way, reductions in ways.items():
            summary[kind][way] = _read_so(mine, reductions)
    return summary


def _read_so(rows: list[dict[str, Any]], reductions: list[int]) -> dict[str, Any]:
    """The CER and mean ms of `rows`, each read as scanned (1) or halved (2)."""
    picked = [
        (row["as_scanned_edits"], row["as_scanned_ms"])
        if reduce == 1
        else (row["halved_edits"], row["halved_ms"])
        for row, reduce in zip(rows, reductions, strict=True)
    ]
    characters = sum(row["characters"] for row in rows)
    return {
        "cer": round(sum(e or 0 for e, _ in picked) / characters, 4) if characters else None,
        "ms_a_page": round(sum(ms for _, ms in picked) / len(rows)),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scans", type=Path, help="real scans, laid out as real_scans.py says")
    parser.add_argument("--thresholds", default="13,17")
    args = parser.parse_args()
    memory.return_big_buffers_at_once()
    ocr.load_engines("rus+eng")
    if args.scans is not None:
        thresholds = sorted({int(px) for px in args.thresholds.split(",")} | {MIN_HALVED_LINE_PX})
        rows = real_scan_rows(args.scans)
        summary = by_kind(rows, thresholds)
        print(json.dumps(summary, ensure_ascii=False, indent=1))
        name = f"print-size-scans-{args.scans.name}-{datetime.now():%Y%m%d-%H%M}.json"
        out = ROOT / "bench" / "results" / name
        out.write_text(json.dumps({"summary": summary, "rows": rows}, ensure_ascii=False, indent=1))
        print("written", out)
        return
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
