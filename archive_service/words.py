"""Russian words as pages and papers print them: a number with its noun in agreement
(«1 документ», «2 листа», «5 дел», «21 дело»), by pymorphy3's dictionary, the same
morphology the proposals read pupils' names with (one analyser per process); and a
word too long for a table's column broken where Russian breaks it («Регистра-ционный»,
not «Регистрац-ионный»), by Pyphen's hyphenation patterns."""

from __future__ import annotations

from functools import lru_cache

import pymorphy3
import pyphen

SOFT_HYPHEN = "\u00ad"  # a break a PDF table may take, printed as «-» only there


@lru_cache(maxsize=1)
def morphology() -> pymorphy3.MorphAnalyzer:
    """The dictionary, loaded at its first use (~0.3 s): the CLI's start stays quick."""
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=4096)
def _agreed(noun: str, last_two_digits: int) -> str:
    parses = morphology().parse(noun)
    parsed = next((p for p in parses if {"NOUN", "nomn", "sing"} in p.tag), parses[0])
    agreed = parsed.make_agree_with_number(last_two_digits)
    return agreed.word if agreed is not None else noun


def counted(number: int, noun: str) -> str:
    """`number` and `noun` (its nominative singular) as Russian says them together:
    the form follows the last two digits (1 and 21 «дело», 2–4 «дела», 5–20 «дел»)."""
    return f"{number} {_agreed(noun, abs(number) % 100)}"


def span_of_years(years: str) -> str:
    """«2018 год», «2018–2021 годы»: the noun as the span asks for it; a blank to fill
    in by hand («____ годы») keeps the form's own word."""
    return f"{years} {'год' if years.strip().isdigit() else 'годы'}"


@lru_cache(maxsize=1)
def _hyphenation() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="ru_RU")


def hyphenated(text: str) -> str:
    """`text` with soft hyphens where its words may break: fpdf2 breaks a table cell's
    line at one (printing the hyphen) before it would cut a word anywhere."""
    dictionary = _hyphenation()
    return " ".join(
        dictionary.inserted(word, hyphen=SOFT_HYPHEN) if len(word) > 5 else word
        for word in text.split(" ")
    )
