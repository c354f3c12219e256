"""Real scans for the page-kinds bench (issue 26): a folder with a sub-folder per kind of
page (`light`, `dense`, `grid`, ...), each holding scans (JPEG, PNG or TIFF) and, beside
each scan, the text on it (`NAME.txt`) where it is known.

A school can point `page_kinds_bench.py --scans DIR` at its own scans laid out so. Run
as a script, this lays out the scans of the PHONE-SCAN dataset
(https://github.com/slug183/phone-scan; no copy is kept in this repository): 66 Russian
A4 office documents scanned at 300 dpi on flatbed scanners, blank and filled in, as
JPEG:

- light: a form with a few lines (an application for leave, a power of attorney, an
  invoice);
- dense: a full page of prose (two contracts, filled in, and an act of transfer);
- grid: a form of ruled tables in small print (an expense report, a waybill TORG-12, a
  tax certificate 2-NDFL, a transfer document UPD);
- cover: a company charter's title page, large print centred.

The text beside each scan is the dataset's own reading of it (its `CSV/` files, words
upper-cased, «» given as ~), not a checked truth: a CER against it is how far a reading
is from another reader's, which is why `fold` counts letters and digits alone, with case
folded.

Run: .venv/bin/python bench/real_scans.py PATH-TO-PHONE-SCAN-CLONE OUT-DIR
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
from pathlib import Path

# The dataset's document types (the third part of a file's name) by kind of page.
PHONE_SCAN_KINDS = {
    "light": ("03", "09", "10"),
    "dense": ("01", "02", "04"),
    "grid": ("05", "06", "07", "08"),
    "cover": ("11",),
}
SCAN_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff")
WORD_RE = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """The letters and digits of `text`, case folded, ё as е, one space between words:
    what two readers of the same page can be compared on."""
    return " ".join(WORD_RE.findall(text.casefold().replace("ё", "е")))


def scans_by_kind(folder: Path) -> dict[str, list[tuple[Path, str | None]]]:
    """Each kind's scans, in name order, with the text beside each (None if none is)."""
    kinds: dict[str, list[tuple[Path, str | None]]] = {}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        scans = sorted(p for p in sub.iterdir() if p.suffix.lower() in SCAN_SUFFIXES)
        if scans:
            kinds[sub.name] = [(p, _text_beside(p)) for p in scans]
    return kinds


def _text_beside(scan: Path) -> str | None:
    truth = scan.with_suffix(".txt")
    return truth.read_text(encoding="utf-8") if truth.exists() else None


def phone_scan_reading(csv_path: Path) -> str:
    """A page's text as the dataset read it: its words in their order, a line a row of
    the page (the CSV's block, paragraph and line numbers)."""
    lines: dict[tuple[str, str, str], list[str]] = {}
    with csv_path.open(encoding="utf-8", newline="") as rows:
        for row in csv.reader(rows, delimiter=";"):
            if len(row) >= 12:
                lines.setdefault((row[9], row[10], row[11]), []).append(row[0])
    return "\n".join(" ".join(words) for words in lines.values())


def lay_out_phone_scan(clone: Path, out: Path) -> dict[str, int]:
    """Copies the dataset's flatbed scans (`dataset/0_*`, not its phone photographs)
    into `out/<kind>/`, each with its reading beside it; returns the count per kind."""
    counts: dict[str, int] = {}
    for kind, types in PHONE_SCAN_KINDS.items():
        (out / kind).mkdir(parents=True, exist_ok=True)
        for scan in sorted(clone.glob("dataset/0_*/IMA/*.jpg")):
            if scan.stem.split("_")[2] not in types:
                continue
            shutil.copyfile(scan, out / kind / scan.name)
            reading = phone_scan_reading(scan.parent.parent / "CSV" / f"{scan.stem}.csv")
            (out / kind / f"{scan.stem}.txt").write_text(reading, encoding="utf-8")
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clone", type=Path, help="a clone of github.com/slug183/phone-scan")
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    print(lay_out_phone_scan(args.clone, args.out))


if __name__ == "__main__":
    main()
