"""Cyrillic letters that OCR wrote as their Latin look-alikes, put back.

Tesseract with rus+eng often reads a capital Russian word or a class letter in Latin
letters that look the same («ATTECTATOB», «9 «A»»). Such a word then matches nothing a
person types, in search or in metadata proposals. A word is folded back when it is
Russian: it mixes the two scripts, or it is in capitals made only of look-alike letters
(four or more, so «OK» or «TV» stay Latin). English words are left alone.
"""

from __future__ import annotations

import re

HOMOGLYPHS = str.maketrans("ABCEHKMOPTXYaceopxy", "АВСЕНКМОРТХУасеорху")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
LATIN = re.compile(r"[A-Za-z]")
ONLY_HOMOGLYPHS = re.compile(r"^[ABCEHKMOPTXY]{4,}$")
WORD = re.compile(r"[А-Яа-яЁёA-Za-z]+")


def fold_word(word: str) -> str:
    if LATIN.search(word) and (CYRILLIC.search(word) or ONLY_HOMOGLYPHS.match(word)):
        return word.translate(HOMOGLYPHS)
    return word


def fold_text(text: str) -> str:
    """Every word folded; same length, so offsets into the text stay valid."""
    return WORD.sub(lambda m: fold_word(m.group()), text)
