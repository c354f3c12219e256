"""Reading order of a recognised page's lines: rows across blocks, not block by block."""

from __future__ import annotations

from archive_service.reading.reading_order import Line, in_rows
from archive_service.reading.result import Word


def line(text: str, left: float, top: float, height: float = 40) -> Line:
    return Line([Word(text, left, top, 100, height, 95.0)])


def texts(rows: list[list[Line]]) -> list[list[str]]:
    return [[ln.words[0].text for ln in row] for row in rows]


def test_lines_sharing_a_band_form_one_row_left_to_right() -> None:
    rows = in_rows([line("аттестат", 1700, 402), line("Иванов", 420, 400), line("1", 220, 405)])
    assert texts(rows) == [["1", "Иванов", "аттестат"]]


def test_a_skewed_row_stays_together_and_apart_from_the_next() -> None:
    """0.5° over 1 500 px is 13 px of drift: under half a 40 px line."""
    rows = in_rows(
        [
            line("Иванов", 220, 400),
            line("5", 1700, 413),
            line("Петрова", 220, 490),
            line("4", 1700, 503),
        ]
    )
    assert texts(rows) == [["Иванов", "5"], ["Петрова", "4"]]


def test_a_tall_heading_does_not_swallow_the_rows_beside_it() -> None:
    rows = in_rows(
        [line("ЖУРНАЛ", 1500, 380, height=160), line("Иванов", 220, 400), line("Петрова", 220, 490)]
    )
    assert texts(rows) == [["ЖУРНАЛ"], ["Иванов"], ["Петрова"]]


def test_lines_without_words_are_left_out() -> None:
    assert in_rows([Line(), line("Иванов", 220, 400)]) == [[line("Иванов", 220, 400)]]
