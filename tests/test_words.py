"""Numbers with their nouns as Russian says them, on the papers and pages."""

from __future__ import annotations

import pytest

from archive_service.words import counted, span_of_years


@pytest.mark.parametrize(
    ("number", "noun", "said"),
    [
        (1, "документ", "1 документ"),
        (2, "лист", "2 листа"),
        (5, "дело", "5 дел"),
        (11, "лист", "11 листов"),
        (14, "документ", "14 документов"),
        (21, "дело", "21 дело"),
        (22, "дело", "22 дела"),
        (101, "файл", "101 файл"),
        (0, "документ", "0 документов"),
    ],
)
def test_a_number_takes_its_noun_in_the_form_russian_asks_for(
    number: int, noun: str, said: str
) -> None:
    assert counted(number, noun) == said


def test_one_year_is_a_year_and_a_span_is_years() -> None:
    assert span_of_years("2018") == "2018 год"
    assert span_of_years("2018–2021") == "2018–2021 годы"
    assert span_of_years("____") == "____ годы"  # the form's blank, filled in by hand
