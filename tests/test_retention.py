"""Retention rules and the nomenclature of cases: the rules of domain.md, and files that
go out and come back unchanged."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from retention.nomenclature import (
    NomenclatureError,
    default_nomenclature,
    dump_xlsx,
    dump_yaml,
    load_file,
    load_xlsx,
    load_yaml,
)
from retention.rules import RetentionError, RetentionKind, RetentionRule


def test_the_clock_starts_on_first_january_after_closing() -> None:
    journal = RetentionRule(RetentionKind.YEARS, years=5)
    closed = date(2025, 6, 20)  # the 2024/25 journal
    assert journal.clock_starts(closed) == date(2026, 1, 1)
    assert journal.expires_after(closed) == date(2030, 12, 31)
    assert journal.first_act_year(closed) == 2031
    assert not journal.may_be_listed_automatically(closed, 2030)
    assert journal.may_be_listed_automatically(closed, 2031)


def test_permanent_and_dmn_never_expire_and_epk_is_never_listed_automatically() -> None:
    closed = date(2000, 6, 1)
    assert RetentionRule(RetentionKind.PERMANENT).first_act_year(closed) is None
    assert not RetentionRule(RetentionKind.PERMANENT).ever_destroyable
    dmn = RetentionRule(RetentionKind.UNTIL_NO_LONGER_NEEDED, review_date=date(2030, 1, 1))
    assert not dmn.may_be_listed_automatically(closed, 2100)
    epk = RetentionRule(RetentionKind.YEARS, years=5, epk=True)
    assert epk.first_act_year(closed) == 2006
    assert not epk.may_be_listed_automatically(closed, 2100)


def test_labels_read_as_a_nomenclature_writes_them() -> None:
    assert RetentionRule(RetentionKind.YEARS, years=1).label == "1 год"
    assert RetentionRule(RetentionKind.YEARS, years=3).label == "3 года"
    assert RetentionRule(RetentionKind.YEARS, years=25, epk=True).label == "25 лет ЭПК"
    assert RetentionRule(RetentionKind.PERMANENT).label == "постоянно"


def test_a_rule_with_no_years_is_refused() -> None:
    with pytest.raises(RetentionError):
        RetentionRule(RetentionKind.YEARS)


def test_default_covers_every_carrier_of_the_seeds() -> None:
    titles = " ".join(item.title.lower() for item in default_nomenclature().items)
    for carrier in (
        "классные журналы",
        "внеурочной деятельности",
        "курсов по выбору",
        "обучения на дому",
        "журналы регистрации",
        "кружков и секций",
        "протоколы итоговой аттестации",
        "итоговые сочинения",
        "протоколы результатов итогового сочинения",
        "итогового собеседования",
        "личные дела",
        "выдачи аттестатов",
        "медалей и удостоверений",
        "портфолио",
        "дипломы, грамоты, сертификаты",
        "электронный журнал",
    ):
        assert carrier in titles, carrier
    books = [i for i in default_nomenclature().items if "книг" in i.title.lower()]
    assert books and all(i.retention.kind is RetentionKind.PERMANENT for i in books)


def test_yaml_round_trip_is_exact() -> None:
    spec = default_nomenclature()
    assert load_yaml(dump_yaml(spec)) == spec


def test_xlsx_round_trip_is_exact(tmp_path: Path) -> None:
    spec = default_nomenclature()
    path = tmp_path / "номенклатура.xlsx"
    path.write_bytes(dump_xlsx(spec))
    assert load_file(path) == spec


def test_every_wrong_row_is_reported_at_once() -> None:
    text = """
year: 2026
items:
  - {index: "2-7", title: "Журналы", retention: {years: 5}}
  - {index: "02-08", title: "", retention: {years: 5}}
  - {index: "02-09", title: "Личные дела", retention: {years: 3}, closes: event}
  - {index: "02-10", title: "Книги", retention: {forever: true}}
  - {index: "02-10", title: "Ещё", retention: {permanent: true}}
"""
    with pytest.raises(NomenclatureError) as refused:
        load_yaml(text)
    problems = refused.value.problems
    assert any("статья 1" in p and "02-07" in p for p in problems)
    assert any("статья 2" in p and "заголов" in p for p in problems)
    assert any("статья 3" in p and "событие" in p for p in problems)
    assert any("статья 4" in p and "срок" in p for p in problems)
    assert any("дважды" in p for p in problems)


def test_a_spreadsheet_with_a_retention_it_cannot_read_names_the_row() -> None:
    spec = default_nomenclature()
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(dump_xlsx(spec)))
    book.active["D4"] = "навсегда"  # type: ignore[index]
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(NomenclatureError, match="строка 4: срок хранения «навсегда»"):
        load_xlsx(out.getvalue())


def test_not_a_nomenclature_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"\xff\xfe not yaml, not xlsx")
    with pytest.raises(NomenclatureError, match="не YAML"):
        load_file(path)
