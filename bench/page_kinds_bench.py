"""Benchmark (issue 26): the archive on every kind of page a school scans, against raw
Tesseract and OCRmyPDF, from a cold start and with a worker running, in one run.

Page kinds, generated at 300 dpi with the truth known (a quarter of each upside down):
- light: a form with a few filled lines (an application, a note, an order);
- filled: an application for admission, its lines filled in by hand (a handwriting
  face, Bad Script or Marck Script, fetched by bench/setup-peers.sh);
- cover: a class journal's title page: the school's name small, the title large, centred
  in a ruled frame;
- list: a class list, 30 pupils' numbers, full names and dates of birth in columns;
- dense: a full page of journal prose (~2 500 characters);
- grid: a paper class journal's page, 25 pupils × 12 lesson dates of marks in ruled cells;
- blank: the back of a sheet, speckled as a scanner gives it;
- through: such a back with its front (a dense page) showing through the paper, mirrored
  and at a third of the print's darkness (`tests.pagegen.show_through`).

For each kind, a batch of `--pages` pages as one scanned PDF:
1. raw Tesseract CLI, one page after another (`tesseract PAGE out -l rus+eng tsv`,
   OMP_THREAD_LIMIT=1): pages/s; the targets are ratios to cores × this;
2. the archive from cold: a new data folder, no worker running, `archive ingest FILE
   --wait` (the command starts its own worker and stops it): pages/s including start-up;
3. the archive warm: `archive worker --concurrency <cores>` already running;
4. OCRmyPDF `--jobs <cores> -l rus+eng --rotate-pages --output-type pdf` (installed in
   its own virtualenv by bench/setup-peers.sh): pages/s;
and the character error rate of the archive's text and of OCRmyPDF's text layer
against the truth (blank pages: characters found where there are none), and what the
archive keeps on disk a page (stored files, catalog, search index), for sizing a disk.

Start-up: `archive --help`, and `archive ingest ONE.png --wait` from cold (median of 5).

Real scans: `--scans DIR` measures, after the generated kinds, each kind of a folder of
real scans (bench/real_scans.py says how it is laid out, and lays out the PHONE-SCAN
dataset's 66 scans of Russian office documents so), a quarter of each kind turned upside
down as above; a kind of fewer than `--pages` scans is read over again to make a batch
of `--pages` (the start-up is the batch's, as for the generated kinds). Their CER is
against the text beside each scan, on letters and digits, case folded
(`real_scans.fold`). `--kinds ""` measures the real scans alone.

Run: bench/setup-peers.sh && .venv/bin/python bench/page_kinds_bench.py [--pages 20]
     [--scans DIR]
Prints a table and writes bench/results/page-kinds-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pypdfium2 as pdfium  # noqa: E402
from bench_pages import dense_lines  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402
from pipeline_bench import archive_cmd, reference_loop_ms, start_worker  # noqa: E402
from rapidfuzz.distance import Levenshtein  # noqa: E402
from real_scans import fold as fold_words  # noqa: E402
from real_scans import scans_by_kind  # noqa: E402

from tests.pagegen import (  # noqa: E402
    A4_300DPI,
    cover_lines,
    cover_page,
    font,
    grid_page,
    grid_rows,
    list_page,
    list_rows,
    render_page,
    save_pdf,
    scanned,
    show_through,
)

PEER = ROOT / "bench" / ".peers" / "bin" / "ocrmypdf"
LIGHT = [
    ["Заявление", "Прошу принять моего сына в 1 класс", "12.08.2024", "Подпись"],
    ["Титульный лист", "Протоколы педагогического совета", "2023/2024 учебный год"],
    ["Справка", "Выдана Кузнецовой Анне в том, что она обучается в 7 классе"],
    ["Приказ № 45", "О переводе обучающихся в следующий класс"],
]


HANDS = [
    ROOT / "bench" / ".peers" / "fonts" / "BadScript_400Regular.ttf",
    ROOT / "bench" / ".peers" / "fonts" / "MarckScript_400Regular.ttf",
]
PARENTS = ["Кузнецовой Анны Петровны", "Иванова Сергея Павловича", "Смирновой Елены Игоревны",
           "Поповой Марии Андреевны", "Соколова Дмитрия Олеговича"]  # fmt: skip
CHILDREN = ["Кузнецова Ивана", "Иванову Дарью", "Смирнова Никиту", "Попову Алису",
            "Соколова Артёма"]  # fmt: skip
FORM_CLASSES = ["1 «А»", "2 «Б»", "5 «В»", "7 «А»", "10 «Б»"]
HAND_PX = 64  # a hand's letters ~5 mm tall at 300 dpi
HAND_INK = 50  # a ballpoint's blue, as a grey scan gives it


def filled_lines(i: int) -> list[tuple[str, str]]:
    """An application for admission: each line's printed label and what a parent wrote
    on the line after it (empty where nothing is written)."""
    rng = random.Random(i)
    born = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(2008, 2018)}"
    signed = f"{rng.randint(1, 28):02d}.08.2024"
    parent, child = PARENTS[i % len(PARENTS)], CHILDREN[(i // 2) % len(CHILDREN)]
    return [
        ("Директору МБОУ СОШ № 5", ""),
        ("от", parent),
        ("Заявление", ""),
        ("Прошу принять в школу", child),
        ("Дата рождения", born),
        ("в класс", FORM_CLASSES[i % len(FORM_CLASSES)]),
        ("Дата", signed),
        ("Подпись", parent.split()[0]),
    ]


def filled_page(i: int) -> Image.Image:
    """The application printed with lines to fill, and filled in by hand (a handwriting
    face, each entry turned a little and set off the line as a pen leaves it)."""
    rng = random.Random(i)
    page = Image.new("L", A4_300DPI, 255)
    draw = ImageDraw.Draw(page)
    printed, hand = font(44), ImageFont.truetype(str(HANDS[i % len(HANDS)]), HAND_PX)
    y = 300
    for label, written in filled_lines(i):
        x = 220 + draw.textlength(label, font=printed) + 40
        draw.text((220, y), label, font=printed, fill=0)
        if written:
            draw.line((x, y + 58, 2200, y + 58), fill=0, width=3)
            entry = Image.new("L", (int(hand.getlength(written)) + 40, HAND_PX * 2), 0)
            ImageDraw.Draw(entry).text((20, 10), written, font=hand, fill=255)
            entry = entry.rotate(rng.uniform(-1.5, 1.5), resample=Image.Resampling.BICUBIC)
            page.paste(HAND_INK, (int(x) + rng.randint(0, 60), y - 40 + rng.randint(-6, 6)), entry)
        y += 170
    return page


PRINTED = {"grid": grid_page, "list": list_page, "cover": cover_page, "filled": filled_page}


def truth_of(kind: str, i: int) -> list[str]:
    if kind == "light":
        return LIGHT[i % len(LIGHT)] + [f"лист {i + 1}"]
    if kind == "dense":
        return dense_lines(i)
    if kind == "grid":
        return [" ".join(cell for cell in row if cell) for row in grid_rows(i)]
    if kind == "list":
        return [" ".join(row) for row in list_rows(i)]
    if kind == "cover":
        return [text for text, _ in cover_lines(i)]
    if kind == "filled":
        return [f"{label} {written}".strip() for label, written in filled_lines(i)]
    return []


def make_batch(kind: str, count: int, folder: Path) -> tuple[Path, list[str]]:
    """The batch as one scanned PDF, its pages as PNG for raw Tesseract, and the truth."""
    images, truths = [], []
    for i in range(count):
        lines = truth_of(kind, i)
        if kind in PRINTED:
            page = PRINTED[kind](i)
        elif kind == "through":
            page = show_through(render_page(dense_lines(i), font_size=34), strength=0.3)
        else:
            page = render_page(lines, font_size=34 if kind == "dense" else 48)
        img = scanned(
            page,
            seed=i,
            skew=0.5,
            noise=0.05 if kind in ("blank", "through") else 0.02,
            rotate=(0, 0, 0, 180)[i % 4],
        )
        img.save(folder / f"{kind}-{i:03d}.png", dpi=(300, 300))
        images.append(img)
        truths.append("\n".join(lines))
    return save_pdf(images, folder / f"{kind}.pdf"), truths


def make_scan_batch(
    kind: str, scans: list[tuple[Path, str | None]], folder: Path
) -> tuple[Path, list[str] | None]:
    """A kind of real scans as one scanned PDF, a quarter of it upside down, its pages as
    PNG for raw Tesseract, and the text beside each (None unless every scan has it)."""
    images = []
    for i, (path, _) in enumerate(scans):
        with Image.open(path) as scan:
            img = scan.convert("RGB") if scan.mode not in ("L", "RGB") else scan.copy()
        if i % 4 == 3:
            img = img.transpose(Image.Transpose.ROTATE_180)
        img.save(folder / f"{kind}-{i:03d}.png", dpi=(300, 300))
        images.append(img)
    texts = [text for _, text in scans]
    truth = None if None in texts else [t for t in texts if t is not None]
    return save_pdf(images, folder / f"{kind}.pdf"), truth


def whitespace(text: str) -> str:
    return " ".join(text.split())


def cer(found: list[str], truth: list[str], fold: Callable[[str], str] = whitespace) -> float:
    """Edits per character of the truth, both `fold`ed (whitespace alone, unless told);
    on blank pages, characters found per page (there is no truth to divide by)."""
    edits = sum(Levenshtein.distance(fold(f), fold(t)) for f, t in zip(found, truth, strict=True))
    chars = sum(len(fold(t)) for t in truth)
    return round(edits / chars, 4) if chars else round(edits / len(truth), 2)


def raw_tesseract(folder: Path, kind: str, count: int) -> tuple[float, list[str]]:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    texts = []
    started = time.perf_counter()
    for i in range(count):
        out = subprocess.run(
            ["tesseract", str(folder / f"{kind}-{i:03d}.png"), "-", "-l", "rus+eng"],
            check=True, env=env, capture_output=True, text=True,
        )  # fmt: skip
        texts.append(out.stdout)
    return count / (time.perf_counter() - started), texts


def archive_run(pdf: Path, cores: int, warm: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-kinds-") as tmp:
        data = Path(tmp) / "data"
        worker = start_worker(data, cores) if warm else None
        try:
            started = time.perf_counter()
            done = subprocess.run(
                archive_cmd(data, "ingest", str(pdf), "--wait", "--json"),
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            seconds = time.perf_counter() - started
            outcome = json.loads(done.stdout.splitlines()[0])
            shown = json.loads(
                subprocess.run(
                    archive_cmd(data, "show", outcome["id"], "--json"),
                    check=True, capture_output=True, text=True,
                ).stdout
            )  # fmt: skip
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(60)
        disk = disk_per_page(data, len(shown["pages"]))
    pages = shown["pages"]
    return {
        "status": outcome["status"],
        "seconds": round(seconds, 2),
        "pages_per_second": round(len(pages) / seconds, 3),
        "texts": [p["text"] for p in pages],
        "sources": sorted({p["source"] for p in pages}),
        "disk_kb_per_page": disk,
    }


def disk_per_page(data: Path, pages: int) -> dict[str, float]:
    """What the archive keeps on disk for each page, in KB: the stored files (the scan
    as uploaded, each page's PDF, `searchable.pdf`, previews, texts, the manifest), the
    catalog and the search index with their WAL files, for sizing a school's disk
    (docs/deploy.md)."""

    def size(paths: list[Path]) -> float:
        total = sum(f.stat().st_size for p in paths for f in [p, *p.rglob("*")] if f.is_file())
        return round(total / 1024 / max(pages, 1), 1)

    return {
        "stored_files": size([data / "objects"]),
        "catalog": size(sorted(data.glob("catalog.sqlite3*"))),
        "search_index": size(sorted(data.glob("search.sqlite3*"))),
    }


def peer_run(pdf: Path, cores: int) -> dict[str, Any]:
    if not PEER.exists():
        return {"missing": "run bench/setup-peers.sh"}
    out = pdf.with_name(pdf.stem + "-ocrmypdf.pdf")
    started = time.perf_counter()
    subprocess.run(
        [str(PEER), "--jobs", str(cores), "-l", "rus+eng", "--rotate-pages",
         "--output-type", "pdf", "--force-ocr", str(pdf), str(out)],
        check=True, capture_output=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    doc = pdfium.PdfDocument(out)
    try:
        texts = [doc[n].get_textpage().get_text_range() for n in range(len(doc))]
    finally:
        doc.close()
    return {
        "seconds": round(seconds, 2),
        "pages_per_second": round(len(texts) / seconds, 3),
        "texts": texts,
    }


def start_up(folder: Path, rounds: int = 5) -> dict[str, Any]:
    """`--help`, and one light page from cold (a new data folder, no worker), `rounds`
    times: the figure is the median; the page's own OCR is raw Tesseract's on it (the
    median of as many runs)."""
    started = time.perf_counter()
    subprocess.run(archive_cmd(folder / "x", "--help"), check=True, capture_output=True)
    help_s = time.perf_counter() - started
    one = folder / "light-000.png"
    runs = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="bench-one-") as tmp:
            started = time.perf_counter()
            subprocess.run(
                archive_cmd(Path(tmp) / "data", "ingest", str(one), "--wait", "--json"),
                check=True, capture_output=True,
            )  # fmt: skip
            runs.append(time.perf_counter() - started)
        time.sleep(2)  # the worker it left exits meanwhile, off the next run's clock
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    raw = []
    for _ in range(rounds):  # the median too: one run of it wandered by a third
        started = time.perf_counter()
        subprocess.run(["tesseract", str(one), "-", "-l", "rus+eng"], env=env, check=True,
                       capture_output=True)  # fmt: skip
        raw.append(time.perf_counter() - started)
    page_ocr_s = statistics.median(raw)
    one_s = statistics.median(runs)
    return {
        "help_s": round(help_s, 3),
        "ingest_one_png_cold_s": round(one_s, 2),
        "ingest_one_png_cold_runs_s": [round(r, 2) for r in runs],
        "raw_tesseract_one_page_s": round(page_ocr_s, 2),
        "ingest_one_minus_page_ocr_s": round(one_s - page_ocr_s, 2),
    }


def measure(
    kind: str,
    pdf: Path,
    truth: list[str] | None,
    count: int,
    folder: Path,
    cores: int,
    fold: Callable[[str], str] = whitespace,
) -> dict[str, Any]:
    """One kind's batch read by raw Tesseract, the archive cold and warm, and OCRmyPDF:
    pages/s, ratios to cores × raw, and CERs against `truth` (none when it is None)."""

    def error_rate(texts: list[str]) -> float | None:
        return None if truth is None else cer(texts, truth, fold)

    raw_rate, raw_texts = raw_tesseract(folder, kind, count)
    cold = archive_run(pdf, cores, warm=False)
    warm = archive_run(pdf, cores, warm=True)
    peer = peer_run(pdf, cores)
    ceiling = cores * raw_rate
    row: dict[str, Any] = {
        "pages": count,
        "raw_tesseract_pages_per_second": round(raw_rate, 3),
        "raw_tesseract_cer": error_rate(raw_texts),
        "archive_cold_pages_per_second": cold["pages_per_second"],
        "archive_cold_ratio": round(cold["pages_per_second"] / ceiling, 3),
        "archive_warm_pages_per_second": warm["pages_per_second"],
        "archive_warm_ratio": round(warm["pages_per_second"] / ceiling, 3),
        "archive_cer": error_rate(warm["texts"]),
        "archive_sources": warm["sources"],
        "scan_kb_per_page": round(pdf.stat().st_size / 1024 / count, 1),
        "disk_kb_per_page": warm["disk_kb_per_page"],
    }
    if "texts" in peer:
        row |= {
            "ocrmypdf_pages_per_second": peer["pages_per_second"],
            "ocrmypdf_cer": error_rate(peer["texts"]),
            "archive_warm_over_ocrmypdf": round(
                warm["pages_per_second"] / peer["pages_per_second"], 2
            ),
            "archive_cold_over_ocrmypdf": round(
                cold["pages_per_second"] / peer["pages_per_second"], 2
            ),
        }
    else:
        row["ocrmypdf"] = peer["missing"]
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--kinds", default="light,filled,cover,list,dense,grid,blank,through")
    parser.add_argument(
        "--scans", type=Path, help="a folder of real scans, a sub-folder a kind (real_scans.py)"
    )
    parser.add_argument(
        "--start-up-only", action="store_true", help="only `--help` and one page from cold"
    )
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    result: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": cores,
        "pages_per_kind": args.pages,
        "reference_loop_ms": reference_loop_ms(),
        "kinds": {},
    }
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        folder = Path(tmp)
        kinds = [] if args.start_up_only else [k for k in args.kinds.split(",") if k]
        if "light" not in kinds:
            make_batch("light", 1, folder)  # the page the start-up is timed on
        for kind in kinds:
            pdf, truth = make_batch(kind, args.pages, folder)
            row = measure(kind, pdf, truth, args.pages, folder, cores)
            result["kinds"][kind] = row
            print(kind, json.dumps(row, ensure_ascii=False))
        if args.scans is not None:
            for name, scans in scans_by_kind(args.scans).items():
                kind = f"scan-{name}"
                batch = [scans[i % len(scans)] for i in range(max(len(scans), args.pages))]
                pdf, scan_truth = make_scan_batch(kind, batch, folder)
                row = measure(kind, pdf, scan_truth, len(batch), folder, cores, fold_words)
                result["kinds"][kind] = row | {
                    "scans": str(args.scans / name),
                    "distinct_scans": len(scans),
                }
                print(kind, json.dumps(row, ensure_ascii=False))
        result["start_up"] = start_up(folder)
        print("start-up", result["start_up"])
    out = ROOT / "bench" / "results" / f"page-kinds-{datetime.now():%Y%m%d-%H%M}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
