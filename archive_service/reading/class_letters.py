"""A class letter Tesseract read as a Latin «B», read again in Russian alone.

With rus+eng, a tight «9Б» or «9В» on a scanned journal cover often comes out as «9B»:
the English model's «B» fits both, and the Russian letter is lost for good (the
proposals can then only say «Б or В?» where the school has both classes). Such a token
is short and rare, so its box alone is read once more by a Russian-only engine as a
single word: on generated scans of class headings it gave the right letter in 6 of 6
cases where rus+eng wrote «B». Only the letter is taken from the second reading; the
digits, which the first reading gets right, stay. The searchable PDF's hidden text is
Tesseract's own and keeps «B»; the page's text and words, which search and the
proposals read, get the letter.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import tesserocr
from PIL import Image

# «9B», «10B», «B» in quotes or angle brackets as OCR gives «Б»: a grade and/or a lone B
AMBIGUOUS = re.compile(r"^(?P<pre>[«<\"']*\d{0,2})(?P<b>[Bb])(?P<post>[»>\"'.,:;]*)$")
LETTERS = re.compile(r"[БВбв]")
PAD = 6  # pixels of margin around the word box, as a single-word read needs

_lock = threading.Lock()
_engine: tuple[int, tesserocr.PyTessBaseAPI] | None = None


def is_ambiguous(token: str) -> bool:
    found = AMBIGUOUS.match(token)
    return found is not None and (bool(found["pre"]) or bool(found["post"]))


def reread(token: str, box: tuple[int, int, int, int], page: Image.Image, tessdata: str) -> str:
    """`token` with its «B» replaced by the Cyrillic letter a Russian-only reading of
    its box finds, or as it was when that reading finds neither «Б» nor «В»."""
    found = AMBIGUOUS.match(token)
    if found is None:
        return token
    left, top, width, height = box
    crop = page.crop(
        (
            max(0, left - PAD),
            max(0, top - PAD),
            min(page.width, left + width + PAD),
            min(page.height, top + height + PAD),
        )
    )
    with _lock:
        api = _russian_engine(tessdata)
        api.SetImage(crop)
        again = api.GetUTF8Text()
        api.Clear()
    letters = {c.upper() for c in LETTERS.findall(again)}
    if len(letters) != 1:
        return token
    return f"{found['pre']}{letters.pop()}{found['post']}"


def reread_rows(rows: list[dict[str, str]], source: Path, tessdata: str) -> None:
    """Rewrite, in Tesseract's TSV rows, the text of each word that is a class letter
    read as a Latin «B» (the page image opened only when there is one)."""
    page: Image.Image | None = None
    for row in rows:
        token = (row.get("text") or "").strip()
        if row.get("level") != "5" or not is_ambiguous(token):
            continue
        if page is None:
            page = Image.open(source)
            page.load()
        box = (int(row["left"]), int(row["top"]), int(row["width"]), int(row["height"]))
        row["text"] = reread(token, box, page, tessdata)


def _russian_engine(tessdata: str) -> tesserocr.PyTessBaseAPI:
    """This process's Russian-only single-word engine, made at its first use."""
    global _engine
    if _engine is None or _engine[0] != os.getpid():
        api = tesserocr.PyTessBaseAPI(path=tessdata, lang="rus", psm=tesserocr.PSM.SINGLE_WORD)
        _engine = (os.getpid(), api)
    return _engine[1]
