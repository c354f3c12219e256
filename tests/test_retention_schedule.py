"""A case's retention from its item's rule: when it closes by itself, the clock, the
first act year, and where it stands for a year's disposal list (domain.md, «Default
retention»)."""

from __future__ import annotations

from datetime import date

from retention.rules import Closing, RetentionKind, RetentionRule
from retention.schedule import CaseRetention, Standing, closing, period_end

TODAY = date(2026, 12, 5)
FIVE = RetentionRule(RetentionKind.YEARS, years=5, basis="ст. 690 Перечня")


def test_a_school_years_case_closes_on_31_august_without_a_click() -> None:
    assert period_end(Closing.SCHOOL_YEAR, "2024/2025") == date(2025, 8, 31)
    closed, why = closing(Closing.SCHOOL_YEAR, "2024/2025", None, None, TODAY)
    assert closed == date(2025, 8, 31)
    assert "учебного года 2024/2025" in why
    closed, why = closing(Closing.SCHOOL_YEAR, "2026/2027", None, None, TODAY)
    assert closed is None and "31.08.2027" in why


def test_a_calendar_years_case_closes_on_31_december() -> None:
    assert closing(Closing.CALENDAR_YEAR, "2025", None, None, TODAY)[0] == date(2025, 12, 31)
    assert closing(Closing.CALENDAR_YEAR, "2026", None, None, TODAY)[0] is None


def test_an_early_volume_of_a_school_year_runs_with_the_year() -> None:
    """A volume closed in February to open the next keeps the school year's clock."""
    closed, _ = closing(Closing.SCHOOL_YEAR, "2024/2025", date(2025, 2, 1), None, TODAY)
    assert closed == date(2025, 8, 31)


def test_a_personal_file_closes_on_the_leaving_day_not_the_day_it_was_typed() -> None:
    typed_later = date(2026, 3, 1)
    closed, why = closing(Closing.EVENT, "", typed_later, date(2025, 6, 30), TODAY)
    assert closed == date(2025, 6, 30)
    assert "выбытие обучающегося 30.06.2025" in why
    assert closing(Closing.EVENT, "", None, None, TODAY) == (
        None,
        "закроется с выбытием обучающегося",
    )


def test_a_register_closes_only_when_closed() -> None:
    assert closing(Closing.BOOK_CLOSED, "", None, None, TODAY) == (None, "открыто")
    assert closing(Closing.BOOK_CLOSED, "", date(2020, 5, 5), None, TODAY)[0] == date(2020, 5, 5)


def test_the_worked_example_2024_25_journal_first_act_2031() -> None:
    closed, why = closing(Closing.SCHOOL_YEAR, "2024/2025", None, None, TODAY)
    journal = CaseRetention(FIVE, closed, why)
    assert journal.clock_starts == date(2026, 1, 1)
    assert journal.keep_until == date(2030, 12, 31)
    assert journal.first_act_year == 2031
    assert journal.standing(2030) is Standing.NOT_YET
    assert journal.standing(2031) is Standing.DUE
    assert "хранить до 31.12.2030" in journal.why(2031)
    assert "в акт не ранее 2031 года" in journal.why(2030)


def test_event_based_periods_start_from_the_events_year() -> None:
    three = RetentionRule(RetentionKind.YEARS, years=3)
    personal = CaseRetention(three, date(2025, 6, 30), "выбытие")
    assert personal.keep_until == date(2028, 12, 31)
    assert personal.standing(2028) is Standing.NOT_YET
    assert personal.standing(2029) is Standing.DUE


def test_epk_is_held_for_the_commission_never_due_by_default() -> None:
    epk = CaseRetention(RetentionRule(RetentionKind.YEARS, years=5, epk=True), date(2015, 6, 1), "")
    assert epk.standing(2030) is Standing.EPK
    assert "экспертной комиссии" in epk.why(2030)
    assert epk.standing(2017) is Standing.NOT_YET


def test_dmn_and_permanent_never_come_due() -> None:
    dmn = CaseRetention(
        RetentionRule(RetentionKind.UNTIL_NO_LONGER_NEEDED, review_date=date(2027, 1, 1)),
        date(2000, 1, 1),
        "",
    )
    assert dmn.standing(2100) is Standing.DMN
    assert "пересмотр назначен на 01.01.2027" in dmn.why(2100)
    no_review = CaseRetention(RetentionRule(RetentionKind.UNTIL_NO_LONGER_NEEDED), None, "")
    assert "не назначена" in no_review.why(2100)
    permanent = CaseRetention(RetentionRule(RetentionKind.PERMANENT), date(1990, 1, 1), "")
    assert permanent.standing(2100, held=True) is Standing.PERMANENT
    assert permanent.keep_until is None and permanent.first_act_year is None


def test_a_hold_keeps_a_due_case_back() -> None:
    journal = CaseRetention(FIVE, date(2019, 8, 31), "")
    assert journal.standing(2031) is Standing.DUE
    assert journal.standing(2031, held=True) is Standing.HOLD


def test_an_open_case_is_never_due() -> None:
    open_case = CaseRetention(FIVE, None, "открыто")
    assert open_case.standing(2100) is Standing.NOT_YET
    assert "дело не закрыто" in open_case.why(2100)
    assert open_case.as_dict()["keep_until"] is None
