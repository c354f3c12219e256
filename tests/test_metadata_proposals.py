"""What the worker proposes from page text, and the words each proposal came from."""

from __future__ import annotations

from archive_service.metadata.proposals import KindRule, KnownPupil, Proposal, propose
from retention.nomenclature import default_nomenclature

KINDS = [KindRule(i.index, i.title, i.keywords) for i in default_nomenclature().items]
PUPILS = [
    KnownPupil("p1", "Смирнова", "Анна", "Сергеевна"),
    KnownPupil("p2", "Смирнов", "Антон", "Игоревич"),
    KnownPupil("p3", "Кузнецов", "Иван", "Петрович"),
    KnownPupil("p4", "Фёдорова", "Ольга"),
]


def by_field(proposals: list[Proposal], field: str) -> list[Proposal]:
    return [p for p in proposals if p.field == field]


def test_kind_and_title_from_the_heading() -> None:
    page = (
        "ПРОТОКОЛ\nитогового собеседования по русскому языку\n"
        "обучающихся 9 «Б» класса МБОУ СОШ № 20\n"
    )
    proposals = propose([(1, page)], KINDS)
    kind = by_field(proposals, "kind")[0]
    assert kind.value == "03-04"
    assert kind.evidence[0].text == "ПРОТОКОЛ\nитогового собеседования"
    (title,) = by_field(proposals, "title")
    assert title.value == "Протокол итогового собеседования по русскому языку"


def test_kind_is_found_in_other_case_forms() -> None:
    proposals = propose([(1, "Книгу учёта и выдачи аттестатов заполнил секретарь")], KINDS)
    assert by_field(proposals, "kind")[0].value == "04-03"
    proposals = propose([(1, "Личное дело обучающегося № 45")], KINDS)
    assert by_field(proposals, "kind")[0].value == "04-01"


def test_inflected_full_names_match_the_right_pupil() -> None:
    page = "Выдано личное дело Смирновой Анны Сергеевны. Зачёт: Кузнецову Ивану."
    pupils = by_field(propose([(2, page)], pupils=PUPILS), "pupil")
    assert {p.value for p in pupils} == {"p1", "p3"}
    anna = next(p for p in pupils if p.value == "p1")
    assert anna.evidence[0].text == "Смирновой Анны Сергеевны"
    assert anna.evidence[0].page == 2
    assert anna.score == 1.0
    assert "p2" not in {p.value for p in pupils}  # same surname lemma, other name


def test_name_first_and_initials_match_too() -> None:
    pupils = by_field(
        propose([(1, "Ученица Ольга Фёдорова; председатель — Кузнецов И. П.")], pupils=PUPILS),
        "pupil",
    )
    got = {p.value: p for p in pupils}
    assert got["p4"].score == 1.0
    assert got["p3"].score == 0.7
    assert got["p3"].evidence[0].text == "Кузнецов И. П."


def test_initials_of_another_pupil_do_not_match() -> None:
    pupils = by_field(propose([(1, "Смирнов В. К. — учитель")], pupils=PUPILS), "pupil")
    assert pupils == []


def test_class_in_its_written_forms() -> None:
    text = "9 «Б» класс; в 9Б классе; 11-А; 5 В класса; 2023 год; 12 баллов"
    classes = by_field(propose([(1, text)]), "class")
    assert {p.value for p in classes} == {"9Б", "11А", "5В"}
    nine = next(p for p in classes if p.value == "9Б")
    assert nine.score == 2 and nine.label == "9 «Б»"


def test_school_years_long_and_short() -> None:
    years = by_field(
        propose([(1, "на 2023/2024 учебный год; 2023-24; 2019–2020; 2020-2025")]), "school_year"
    )
    assert {p.value: p.score for p in years} == {"2023/2024": 2.0, "2019/2020": 1.0}


def test_dates_numeric_and_with_month_names() -> None:
    dates = by_field(
        propose(
            [(1, "Дата проведения: 12 февраля 2025 года. Приказ от 03.09.2024 № 15; 31.02.2024")]
        ),
        "date",
    )
    assert {p.value for p in dates} == {"2025-02-12", "2024-09-03"}
    feb = next(p for p in dates if p.value == "2025-02-12")
    assert feb.evidence[0].text == "12 февраля 2025"


def test_latin_look_alikes_from_ocr_are_read_as_cyrillic() -> None:
    proposals = propose([(1, "КНИГА УЧЁТА И ВЫДАЧИ ATTECTATOB\n9 «A» класс")], KINDS)
    assert by_field(proposals, "kind")[0].value == "04-03"
    assert by_field(proposals, "kind")[0].evidence[0].text == "КНИГА УЧЁТА И ВЫДАЧИ ATTECTATOB"
    assert [p.value for p in by_field(proposals, "class")] == ["9А"]
    # An English word stays English.
    assert by_field(propose([(1, "Report card")], KINDS), "kind") == []
