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
        propose([(1, "Дата проведения: 12 февраля 2025 года. Зачёт 03.09.2024; 31.02.2024")]),
        "date",
    )
    assert [p.value for p in dates] == ["2025-02-12", "2024-09-03"]  # the labelled one first
    assert dates[0].evidence[0].text == "12 февраля 2025"


def test_latin_look_alikes_from_ocr_are_read_as_cyrillic() -> None:
    proposals = propose([(1, "КНИГА УЧЁТА И ВЫДАЧИ ATTECTATOB\n9 «A» класс")], KINDS)
    assert by_field(proposals, "kind")[0].value == "04-03"
    assert by_field(proposals, "kind")[0].evidence[0].text == "КНИГА УЧЁТА И ВЫДАЧИ ATTECTATOB"
    assert [p.value for p in by_field(proposals, "class")] == ["9А"]
    # An English word stays English.
    assert by_field(propose([(1, "Report card")], KINDS), "kind") == []


def test_a_cited_laws_date_is_not_the_documents_and_the_labelled_one_wins() -> None:
    """The case the archivist met: the law cited in the body gave «…, 2012 год»."""
    page = (
        "ПРОТОКОЛ\nитогового собеседования по русскому языку\n"
        "2024/2025 учебный год\nДата: 18.11.2024\n"
        + "В соответствии с Федеральным законом от 29.12.2012 № 273-ФЗ «Об образовании "
        "в Российской Федерации» и приказом Минпросвещения России от 04.04.2023 № 232 "
        "комиссия провела итоговое собеседование обучающихся девятых классов.\n"
    )
    dates = by_field(propose([(1, page)], KINDS), "date")
    assert [d.value for d in dates] == ["2024-11-18"]
    assert dates[0].doubt is None


def test_a_date_against_the_school_year_is_flagged_and_an_agreeing_one_preferred() -> None:
    alone = by_field(propose([(1, "Классный журнал 9 «Б»\n2023/2024\n15.10.2022\n")]), "date")
    assert alone[0].value == "2022-10-15" and alone[0].doubt == "дата не в 2023/2024 учебном году"
    both = by_field(
        propose([(1, "Классный журнал 9 «Б»\n2023/2024\n15.10.2022\n01.03.2024\n")]),
        "date",
    )
    assert both[0].value == "2024-03-01" and both[0].doubt is None


def test_a_class_letter_read_as_latin_is_the_class_the_school_has() -> None:
    """OCR read «Б» as a Latin «B», which looks like «В»: the class lists decide, and a
    class the school does not have that year is flagged."""
    page = "Классный журнал 10 «B» класса\n2024/2025 учебный год\n"
    lists = {"2024/2025": ["10Б", "9А"], "2023/2024": ["10В"]}
    (only_b,) = by_field(propose([(1, page)], KINDS, classes=lists), "class")
    assert (only_b.value, only_b.doubt) == ("10Б", None)
    (unknown,) = by_field(
        propose([(1, "Журнал 11 «Д» класса 2024/2025")], KINDS, classes=lists), "class"
    )
    assert unknown.doubt == "класса 11Д нет в списках классов школы"
    (no_lists,) = by_field(propose([(1, page)], KINDS), "class")  # nothing to tell by
    assert no_lists.doubt == "буква класса неразборчива: 10В или 10Б"
    both = {"2024/2025": ["10Б", "10В"]}
    (unsure,) = by_field(propose([(1, page)], KINDS, classes=both), "class")
    assert unsure.doubt == "буква класса неразборчива: 10В или 10Б"


def test_a_kind_named_only_in_the_body_or_by_a_local_act_is_a_guess() -> None:
    regulation = (
        "ПОЛОЖЕНИЕ\nо порядке ведения документации\nМБОУ СОШ № 20\n"
        + "1. Общие положения. Настоящее положение устанавливает требования к ведению "
        "классных журналов, журналов внеурочной деятельности и иной документации школы.\n"
    )
    kinds = by_field(propose([(1, regulation)], KINDS), "kind")
    assert kinds and all(k.doubt for k in kinds)
    assert "локальный акт" in (kinds[0].doubt or "")
    body_only = (
        "МБОУ СОШ № 20\nСлужебная записка\n"
        + "Прошу выделить шкаф для хранения классных журналов за прошлые годы, которые "
        "сейчас лежат в учительской без описи и без присмотра ответственного лица.\n"
    )
    (guess,) = by_field(propose([(1, body_only)], KINDS), "kind")
    assert guess.value == "02-01" and "не в заголовке" in (guess.doubt or "")
    heading = by_field(propose([(1, "КЛАССНЫЙ ЖУРНАЛ\n9 «Б» класса\n")], KINDS), "kind")
    assert heading[0].value == "02-01" and heading[0].doubt is None


def test_the_class_of_the_heading_outweighs_a_grid_of_marks() -> None:
    """A journal's grid reads as dozens of «4 Н» (a mark beside an absence): the class
    on its cover stays the proposal, without a doubt."""
    cover = "КЛАССНЫЙ ЖУРНАЛ\nобучающихся 9 «Б» класса\n2024/2025 учебный год\n"
    grid = "\n".join(f"{n} Абрамов Глеб 5 4Н 3 2Н 5Н 4" for n in range(1, 26))
    (best, *_) = by_field(propose([(1, cover), (2, grid)], KINDS), "class")
    assert best.value == "9Б" and best.doubt is None


def test_an_initial_ocr_read_as_a_latin_o_or_a_zero_still_matches() -> None:
    for written in ("Фёдорова O.", "Фёдорова 0.", "Кузнецов И. П."):
        pupils = by_field(propose([(1, f"Зачёт: {written} — 15 баллов")], pupils=PUPILS), "pupil")
        assert len(pupils) == 1, written
