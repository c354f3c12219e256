"""The year's disposal list and holds, on the catalog of each mode: what is due, what
is held back and why, holds on a case, a pupil (covering records filed later) and an
item, and lifting them."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive_service.archive import Archive
from archive_service.services.disposal.due import DueError, DueService
from archive_service.services.disposal.holds import HoldError, HoldService
from archive_service.services.records.cases import CaseService
from archive_service.services.records.filing import Filing
from tests.disposal_world import file_document


def test_the_list_names_what_is_due_and_why_the_rest_is_held_back(
    archive: Archive, cases: dict[str, int]
) -> None:
    listing = DueService(archive).due(2026)
    due = {c.case_id: c for c in listing.due}
    back = {c.case_id: c for c in listing.held_back}
    assert set(due) == {cases["old_journal"], cases["protocol"], cases["personal"]}
    assert due[cases["old_journal"]].dates == "2019–2020"
    assert "хранить до 31.12.2025" in due[cases["old_journal"]].why
    assert "выбытие обучающегося 30.06.2021" in due[cases["personal"]].why
    assert due[cases["personal"]].keep_until == "2024-12-31"
    assert back[cases["new_journal"]].reason == "not_yet"
    assert "в акт не ранее 2031 года" in back[cases["new_journal"]].why
    assert back[cases["book"]].reason == "permanent"
    assert back[cases["portfolio"]].reason == "dmn"
    assert [index for index, _, _ in listing.by_item()] == ["02-01", "03-01", "04-01"]
    body = listing.as_dict()
    assert body["year"] == 2026
    assert set(body["due"][0]) >= {"case_id", "index", "title", "dates", "period", "basis"}
    assert {"case_id", "index", "title", "reason"} <= set(body["held_back"][0])


def test_the_2024_25_journal_comes_due_in_2031_and_not_before(
    archive: Archive, cases: dict[str, int]
) -> None:
    service = DueService(archive)
    assert cases["new_journal"] not in {c.case_id for c in service.due(2030).due}
    assert cases["new_journal"] in {c.case_id for c in service.due(2031).due}


def test_a_case_shows_its_retention(archive: Archive, cases: dict[str, int]) -> None:
    info, _ = CaseService(archive).get(cases["personal"])
    retention = info["retention"]
    assert retention["period"] == "3 года"
    assert retention["closed_on"] == "2021-06-30"
    assert retention["clock_starts"] == "2022-01-01"
    assert retention["keep_until"] == "2024-12-31"
    assert retention["first_act_year"] == 2025
    assert CaseService(archive).get(cases["book"])[0]["retention"]["period"] == "постоянно"


def test_holds_keep_cases_back_until_lifted(archive: Archive, cases: dict[str, int]) -> None:
    holds = HoldService(archive)
    on_case = holds.add(case_id=cases["old_journal"], reason="запрос прокуратуры", by="офицер")
    on_item = holds.add(item_index="03-01", reason="проверка Рособрнадзора", by="офицер")
    second = holds.add(case_id=cases["old_journal"], reason="судебный спор", by="офицер")
    listing = DueService(archive).due(2026)
    assert {c.case_id for c in listing.due} == {cases["personal"]}
    back = {c.case_id: c for c in listing.held_back}
    assert back[cases["old_journal"]].reason == "hold"
    assert set(back[cases["old_journal"]].holds) == {on_case, second}
    assert "судебный спор" in back[cases["old_journal"]].why
    assert back[cases["protocol"]].holds == (on_item,)

    lifted = holds.lift(on_case, "запрос исполнен", by="офицер")
    assert lifted.lifted_by == "офицер" and lifted.lift_reason == "запрос исполнен"
    still = {c.case_id for c in DueService(archive).due(2026).held_back if c.reason == "hold"}
    assert cases["old_journal"] in still  # the second hold stands
    holds.lift(second, "спор решён", by="офицер")
    holds.lift(on_item, "проверка окончена", by="офицер")
    assert {c.case_id for c in DueService(archive).due(2026).due} == {
        cases["old_journal"],
        cases["protocol"],
        cases["personal"],
    }
    assert [h.active for h in holds.all()] == [False, False, False]


def test_a_hold_on_a_pupil_covers_records_filed_about_them_later(
    archive: Archive, cases: dict[str, int], tmp_path: Path
) -> None:
    pupil = str(cases["held_pupil"])
    hold = HoldService(archive).add(pupil_id=pupil, reason="опека запросила", by="офицер")
    later = file_document(
        archive, tmp_path, "кружок", Filing("02-07", school_year="2020/2021", pupil_ids=[pupil])
    )
    listing = DueService(archive).due(2026)
    back = {c.case_id: c for c in listing.held_back}
    assert back[later].reason == "hold" and back[later].holds == (hold,)
    assert later not in {c.case_id for c in listing.due}


def test_bad_holds_and_years_are_refused_with_nothing_written(
    archive: Archive, cases: dict[str, int]
) -> None:
    holds = HoldService(archive)
    with pytest.raises(HoldError, match="Дела № 99999 нет"):
        holds.add(case_id=99999, reason="x", by="офицер")
    with pytest.raises(HoldError, match="нет статьи «99-99»"):
        holds.add(item_index="99-99", reason="x", by="офицер")
    with pytest.raises(HoldError, match="причину"):
        holds.add(case_id=cases["book"], reason="  ", by="офицер")
    with pytest.raises(HoldError, match="одно"):
        holds.add(case_id=cases["book"], item_index="02-01", reason="x", by="офицер")
    with pytest.raises(HoldError, match="Приостановки № 5 нет"):
        holds.lift(5, "x", by="офицер")
    assert holds.all() == []
    hold = holds.add(case_id=cases["book"], reason="x", by="офицер")
    holds.lift(hold, "снято", by="офицер")
    with pytest.raises(HoldError, match="уже снята"):
        holds.lift(hold, "снято", by="офицер")
    with pytest.raises(DueError, match="четыре цифры"):
        DueService(archive).due(20)
