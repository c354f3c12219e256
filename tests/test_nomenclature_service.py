"""The nomenclature in the catalog: versions, the default, and proposals on archiving."""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive_service.archive import Archive
from archive_service.catalog import Nomenclature, Pupil, School
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.records import nomenclature
from archive_service.services.records.nomenclature import NomenclatureService
from retention.nomenclature import NomenclatureSpec, default_nomenclature
from tests.pagegen import born_digital_pdf
from tests.side_by_side import run_side_by_side


def test_the_default_is_stored_as_version_one_when_first_asked(archive: Archive) -> None:
    service = NomenclatureService(archive)
    assert service.current_version() is None
    assert service.current() == default_nomenclature()
    assert service.current_version() == (default_nomenclature().year, 1)


def test_workers_asking_at_once_store_the_default_once(archive: Archive) -> None:
    """Workers finishing their first documents together all ask for the nomenclature
    of an empty catalog: each gets the default, stored once, with no error."""
    asking = 6
    together = threading.Barrier(asking)

    def ask(_: int) -> NomenclatureSpec:
        together.wait()
        return NomenclatureService(archive).current()

    with ThreadPoolExecutor(asking) as pool:
        answers = list(pool.map(ask, range(asking)))
    assert answers == [default_nomenclature()] * asking
    with archive.catalog.session() as s:
        assert len(list(s.scalars(select(School)))) == 1
        assert len(list(s.scalars(select(Nomenclature)))) == 1


def test_a_worker_that_checked_before_another_stored_the_default_adds_no_version_two(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race of the test above, made certain: a worker's check saw no nomenclature,
    and another worker's default was committed before this one inserts. The loser
    keeps the winner's version 1 instead of adding a version 2 of the same default."""
    service = NomenclatureService(archive)
    service.current()
    checked_before = iter([None, None])  # the read in current(), then the check
    real_row = NomenclatureService._current_row

    def stale_check(s: Session, school: str | None, year: int | None) -> Nomenclature | None:
        return next(checked_before, real_row(s, school, year))

    monkeypatch.setattr(NomenclatureService, "_current_row", staticmethod(stale_check))
    assert service.current() == default_nomenclature()
    assert service.current_version() == (default_nomenclature().year, 1)
    with archive.catalog.session() as s:
        assert len(list(s.scalars(select(Nomenclature)))) == 1


def test_an_import_adds_a_version_and_keeps_the_earlier_one(archive: Archive) -> None:
    service = NomenclatureService(archive)
    service.current()
    spec = default_nomenclature()
    changed = dataclasses.replace(spec, items=spec.items[:3])
    assert service.import_spec(changed, source="правка.yaml") == (spec.year, 2)
    assert service.current() == changed
    assert service.current(year=spec.year) == changed


def test_the_same_nomenclature_saved_again_adds_no_version(archive: Archive) -> None:
    """The same file imported twice, or «approve for next year» pressed twice, one
    after the other or at once: one new version, not two identical ones."""
    service = NomenclatureService(archive)
    spec = service.current()  # version 1: the default
    changed = dataclasses.replace(spec, items=list(reversed(spec.items[:3])))
    assert service.import_spec(changed, source="правка.yaml") == (spec.year, 2)
    assert service.import_spec(changed, source="правка.yaml") == (spec.year, 2)
    next_year = dataclasses.replace(spec, year=spec.year + 1)

    def approve() -> object:
        return service.import_spec(next_year, source="перенесена на новый год")

    first, second = run_side_by_side(approve, approve)
    assert first == second == (spec.year + 1, 1), (first, second)
    with archive.catalog.session() as s:
        assert len(list(s.scalars(select(Nomenclature)))) == 3


def test_an_import_that_counted_before_another_was_committed_takes_the_next_version(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two edits of the same year's nomenclature saved at once: the one that counted
    the versions before the other's version 2 was committed becomes version 3, instead
    of failing on the unique (school, year, version)."""
    service = NomenclatureService(archive)
    service.current()  # version 1: the default
    spec = default_nomenclature()
    theirs = dataclasses.replace(spec, items=spec.items[:2])
    mine = dataclasses.replace(spec, items=spec.items[:3])
    assert service.import_spec(theirs, source="другой.yaml") == (spec.year, 2)
    counted_before = iter([2])  # what this import had counted before theirs was committed
    real_add = nomenclature._add_version

    def stale_count(
        s: Session, owner: School, spec: NomenclatureSpec, source: str, version: int | None = None
    ) -> int:
        return real_add(s, owner, spec, source, next(counted_before, version))

    monkeypatch.setattr(nomenclature, "_add_version", stale_count)
    assert service.import_spec(mine, source="правка.yaml") == (spec.year, 3)
    assert service.current() == mine
    with archive.catalog.session() as s:
        assert len(list(s.scalars(select(Nomenclature)))) == 3


def test_archiving_a_document_proposes_its_kind_pupils_and_dates(
    archive: Archive, tmp_path: Path
) -> None:
    with archive.catalog.session() as s:
        school = School(name="МБОУ СОШ № 20")
        s.add(school)
        s.flush()
        s.add(Pupil(school_id=school.id, surname="Смирнова", name="Анна", patronymic="Сергеевна"))
    pdf = born_digital_pdf(
        tmp_path / "протокол.pdf",
        [
            [
                "ПРОТОКОЛ",
                "итогового собеседования по русскому языку",
                "обучающихся 9 «Б» класса, 2024/2025 учебный год",
                "Дата проведения: 12 февраля 2025 года",
                "Смирнова Анна Сергеевна — зачёт",
            ]
        ],
    )
    outcome = IngestService(archive).ingest_path(pdf)
    doc = DocumentService(archive).get(outcome.id or "")
    assert doc["status"] == "archived"
    got = {(p["field"], p["value"]) for p in doc["proposals"]}
    with archive.catalog.session() as s:
        anna = s.scalars(select(Pupil)).one().id
    assert {
        ("kind", "03-04"),
        ("pupil", anna),
        ("class", "9Б"),
        ("school_year", "2024/2025"),
        ("date", "2025-02-12"),
    } <= got
    pupil = next(p for p in doc["proposals"] if p["field"] == "pupil")
    assert pupil["evidence"][0]["text"] == "Смирнова Анна Сергеевна"
    assert pupil["evidence"][0]["page"] == 1


def test_proposals_from_a_scanned_page_read_by_ocr(
    archive: Archive, tmp_path: Path, tesseract: str
) -> None:
    from tests.pagegen import render_page, save_tiff, scanned

    with archive.catalog.session() as s:
        school = School(name="Лицей")
        s.add(school)
        s.flush()
        s.add(Pupil(school_id=school.id, surname="Кузнецов", name="Иван", patronymic="Петрович"))
    page = scanned(
        render_page(
            [
                "КНИГА УЧЁТА И ВЫДАЧИ АТТЕСТАТОВ",
                "об основном общем образовании",
                "Выдан аттестат Кузнецову Ивану Петровичу, 9 «А» класс",
                "Дата выдачи: 25 июня 2025 года",
            ]
        ),
        seed=5,
        skew=0.8,
    )
    outcome = IngestService(archive).ingest_path(save_tiff([page], tmp_path / "книга.tiff"))
    doc = DocumentService(archive).get(outcome.id or "")
    assert doc["pages"][0]["source"] == "ocr"
    got = {(p["field"], p["value"]) for p in doc["proposals"]}
    assert ("kind", "04-03") in got
    assert ("class", "9А") in got
    assert ("date", "2025-06-25") in got
    (pupil,) = [p for p in doc["proposals"] if p["field"] == "pupil"]
    assert pupil["label"] == "Кузнецов Иван Петрович"
    assert pupil["evidence"][0]["text"] == "Кузнецову Ивану Петровичу"


def test_filing_offers_the_nomenclature_in_force_and_what_next_year_adds(
    archive: Archive,
) -> None:
    """Next year's nomenclature approved in December drops «кружки» and adds a new item:
    until 1 January the dropped item is still offered (it is in force), the added one
    is offered already, and items both have keep this year's wording."""
    from datetime import date

    from archive_service.services.records.nomenclature import for_year

    service = NomenclatureService(archive)
    this_year = for_year(service.current(), date.today().year)
    service.import_spec(this_year)
    clubs = next(i for i in this_year.items if i.index == "02-07")
    journals = next(i for i in this_year.items if i.index == "02-01")
    added = dataclasses.replace(clubs, index="02-09", title="Журналы проектной деятельности")
    next_items = [i for i in this_year.items if i.index not in {"02-07", "02-01"}]
    next_items += [added, dataclasses.replace(journals, note="Новое примечание")]
    service.import_spec(NomenclatureSpec(date.today().year + 1, next_items))

    offered = {i.index: i for i in service.for_filing().items}
    assert {"02-07", "02-09"} <= offered.keys()
    assert offered["02-01"].note == journals.note
    assert list(offered) == sorted(offered)
    in_january = service.for_filing(on=date(date.today().year + 1, 1, 1))
    assert "02-07" not in {i.index for i in in_january.items}


def test_the_year_in_force_is_the_latest_not_after_today() -> None:
    """A nomenclature approved for next year takes over on 1 January; a catalog holding
    only later years works with the latest of them; an empty one has none to offer."""
    from datetime import date

    from archive_service.services.records.nomenclature import year_in_force

    december, january = date(2026, 12, 20), date(2027, 1, 1)
    assert year_in_force([2025, 2026, 2027], december) == 2026
    assert year_in_force([2025, 2026, 2027], january) == 2027
    assert year_in_force([2028, 2027], december) == 2028
    with pytest.raises(LookupError):
        year_in_force([], december)


def test_a_nomenclature_says_whether_it_is_in_force_and_what_takes_over() -> None:
    from datetime import date

    from archive_service.services.records.nomenclature import standing

    december = date(2026, 12, 20)
    held = [2025, 2026, 2027]
    assert standing(2026, held, december) == (
        "Действует: по ней заводятся новые дела и тома. "
        "На 2027 год утверждена новая — вступит в силу 1 января 2027 года."
    )
    assert standing(2027, held, december).startswith("Вступит в силу 1 января 2027 года")
    assert standing(2025, held, december).startswith("Не действует: действует номенклатура на 2026")
    assert standing(2027, held, date(2027, 1, 1)).startswith("Действует")
    assert "утверждена новая" not in standing(2027, held, date(2027, 1, 1))
