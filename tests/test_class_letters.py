"""A class letter Tesseract (rus+eng) reads as a Latin «B» is read again in Russian
alone, so the page's text says «9Б» or «9В», as printed."""

from __future__ import annotations

import random

from archive_service.reading.class_letters import is_ambiguous
from archive_service.reading.ocr import recognise
from tests.pagegen import render_page, scanned


def test_only_a_grade_with_a_latin_b_or_a_quoted_b_is_read_again() -> None:
    for token in ("9B", "10B", "«B»", "<B>", "«<B>»", "11b,"):
        assert is_ambiguous(token), token
    for token in ("B", "Bank", "9Б", "«В»", "10", "B2"):
        assert not is_ambiguous(token), token


def test_tight_class_letters_on_scanned_journal_covers_come_out_cyrillic() -> None:
    """Scanned headings like those where rus+eng alone wrote «9B» for «9Б» and «9В»
    (2 of 30 here before the second reading)."""
    rng = random.Random(3)
    wrong = []
    for n in range(30):
        grade, letter = rng.choice([5, 7, 9, 10, 11]), rng.choice("БВ")
        tight = rng.random() < 0.5
        label = f"{grade}{letter}" if tight else f"{grade} «{letter}»"
        lines = ["МБОУ СОШ № 20", "КЛАССНЫЙ ЖУРНАЛ", f"обучающихся {label}", "2024/2025 уч. год"]
        text = recognise(
            scanned(render_page(lines, font_size=40), seed=n, skew=0.4), 300, "rus+eng"
        ).text
        line = next((x for x in text.splitlines() if "обуча" in x.lower()), text)
        if letter not in line or "B" in line:
            wrong.append((label, line))
    assert wrong == []
