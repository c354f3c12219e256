"""Filing documents into cases: which case, what the document keeps, what is refused."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from archive_service.archive import Archive
from archive_service.catalog import Case, Document, Pupil, School
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.records.filing import Filing, FilingError, FilingService
from archive_service.services.records.nomenclature import NomenclatureService, for_year, with_item
from tests.pagegen import born_digital_pdf


@pytest.fixture
def docs(archive: Archive, tmp_path: Path) -> list[str]:
    ids = []
    for n in range(3):
        pdf = born_digital_pdf(tmp_path / f"d{n}.pdf", [[f"Документ номер {n}"]])
        outcome = IngestService(archive).ingest_path(pdf)
        assert outcome.id is not None
        ids.append(outcome.id)
    return ids


@pytest.fixture
def many_docs(archive: Archive, tmp_path: Path) -> list[str]:
    pdfs = [born_digital_pdf(tmp_path / f"m{n}.pdf", [[f"Протокол № {n}"]]) for n in range(6)]
    ids = [IngestService(archive).ingest_path(pdf).id for pdf in pdfs]
    assert None not in ids
    return [str(i) for i in ids]


@pytest.fixture
def anna(archive: Archive) -> str:
    with archive.catalog.session() as s:
        school = School(name="Лицей № 1")
        s.add(school)
        s.flush()
        pupil = Pupil(school_id=school.id, surname="Смирнова", name="Анна")
        s.add(pupil)
        s.flush()
        return pupil.id


def test_journals_of_one_school_year_share_a_case(archive: Archive, docs: list[str]) -> None:
    service = FilingService(archive)
    first = service.file(docs[0], Filing("02-01", school_year="2024-25", class_label="5 «А»"))
    second = service.file(docs[1], Filing("02-01", school_year="2024/2025"))
    other_year = service.file(docs[2], Filing("02-01", school_year="2025/2026"))
    assert first == second != other_year
    with archive.catalog.session() as s:
        case = s.get(Case, first)
        assert case is not None
        assert case.title == "Классные журналы, 2024/2025 учебный год"
        doc = s.get(Document, docs[0])
        assert doc is not None
        assert (doc.school_year, doc.class_label, doc.case_id) == ("2024/2025", "5А", first)
        assert doc.nomenclature_item_id == case.item_id


def test_parts_filed_at_once_go_into_one_new_case(archive: Archive, many_docs: list[str]) -> None:
    """Workers finishing the parts of one stack file them together into a case none of
    them found open: one case is opened, and every part is filed into it."""
    FilingService(archive).file(many_docs[0], Filing("02-01", school_year="2023/2024"))
    rest = many_docs[1:]
    together = threading.Barrier(len(rest))

    def file(document_id: str) -> int:
        together.wait()
        return FilingService(archive).file(document_id, Filing("02-01", school_year="2024/2025"))

    with ThreadPoolExecutor(len(rest)) as pool:
        cases = set(pool.map(file, rest))
    assert len(cases) == 1
    with archive.catalog.session() as s:
        filed = s.scalars(select(Document.case_id).where(Document.id.in_(rest)))
        assert set(filed) == cases
        assert len(list(s.scalars(select(Case)))) == 2


def test_a_personal_file_is_one_case_per_pupil(
    archive: Archive, docs: list[str], anna: str
) -> None:
    service = FilingService(archive)
    case = service.file(docs[0], Filing("04-01", title="Личная карта", pupil_ids=[anna]))
    assert service.file(docs[1], Filing("04-01", pupil_ids=[anna])) == case
    with archive.catalog.session() as s:
        row = s.get(Case, case)
        assert row is not None
        assert row.title == "Личные дела обучающихся: Смирнова Анна"
        assert row.pupil_id == anna


def test_protocols_by_the_year_of_their_date(archive: Archive, docs: list[str]) -> None:
    case = FilingService(archive).file(docs[0], Filing("03-04", document_date=date(2025, 2, 12)))
    with archive.catalog.session() as s:
        row = s.get(Case, case)
        assert row is not None and row.period == "2025"


@pytest.mark.parametrize(
    ("filing", "message"),
    [
        (Filing("99-99"), "нет статьи «99-99»"),
        (Filing("02-01"), "нужен учебный год"),
        (Filing("03-04"), "нужна дата"),
        (Filing("04-01"), "укажите одного обучающегося"),
        (Filing("02-01", school_year="2024/2026"), "не похож"),
        (Filing("02-01", school_year="2024/2025", class_label="девятый"), "не похож на «9Б»"),
        (Filing("02-01", school_year="2024/2025", pupil_ids=["нет-такого"]), "неизвестный"),
    ],
)
def test_filing_refuses_what_does_not_fit(
    archive: Archive, docs: list[str], filing: Filing, message: str
) -> None:
    with pytest.raises(FilingError, match=message):
        FilingService(archive).file(docs[0], filing)
    with archive.catalog.session() as s:
        doc = s.get(Document, docs[0])
        assert doc is not None and doc.case_id is None


def test_a_filed_document_is_found_by_its_facets(
    archive: Archive, docs: list[str], anna: str
) -> None:
    service = FilingService(archive)
    service.file(
        docs[0], Filing("02-01", school_year="2024/2025", class_label="5А", pupil_ids=[anna])
    )
    service.file(docs[1], Filing("02-01", school_year="2025/2026", class_label="6А"))
    everything = archive.index.search("документ")
    assert everything.total == 3
    assert everything.facets["kind"] == {"02-01": 2}
    assert everything.facets["year"] == {"2024/2025": 1, "2025/2026": 1}
    found = archive.index.search("документ", filters={"pupil": anna})
    assert [h.id for h in found.hits] == [docs[0]]
    assert found.facets["class"] == {"5А": 1}


def test_a_document_is_found_by_the_name_of_its_pupil_and_of_its_file(
    archive: Archive, docs: list[str], anna: str
) -> None:
    """A handwritten record OCRs poorly: its filing is what staff find it by."""
    assert archive.index.search("Смирновой Анне").total == 0
    FilingService(archive).file(
        docs[0], Filing("02-01", school_year="2024/2025", class_label="5А", pupil_ids=[anna])
    )
    by_name = archive.index.search("Анна Смирнова")
    assert [h.id for h in by_name.hits] == [docs[0]]
    assert by_name.hits[0].pages == []  # no sheet of it holds her name
    mixed = archive.index.search("документ Смирновой")  # one word on the sheet, one filed
    assert [h.id for h in mixed.hits] == [docs[0]]
    assert [p.number for p in mixed.hits[0].pages] == [1]
    assert [h.id for h in archive.index.search("d2").hits] == [docs[2]]  # d2.pdf


def test_a_personal_file_runs_on_under_the_next_years_nomenclature(
    archive: Archive, docs: list[str], anna: str
) -> None:
    """The school approves a nomenclature every year, each with its own item rows; a
    pupil's personal file opened under one year's goes on taking documents under the
    next, instead of a second «личное дело» opening beside it."""
    service = FilingService(archive)
    case = service.file(docs[0], Filing("04-01", title="Личная карта", pupil_ids=[anna]))
    nomenclature = NomenclatureService(archive)
    this_year = nomenclature.current()
    nomenclature.import_spec(for_year(this_year, this_year.year + 1))
    assert service.file(docs[1], Filing("04-01", pupil_ids=[anna])) == case
    with archive.catalog.session() as s:
        row, doc = s.get(Case, case), s.get(Document, docs[1])
        assert row is not None and doc is not None
        assert row.item.nomenclature.year == this_year.year
        assert doc.nomenclature_item_id == row.item_id  # the case's rule is the document's
        assert len(list(s.scalars(select(Case).where(Case.pupil_id == anna)))) == 1


def test_an_edited_nomenclature_keeps_the_school_years_journals_in_one_case(
    archive: Archive, docs: list[str]
) -> None:
    """An edit saved mid-year (a note corrected) is a new version with new item rows: the
    year's journals filed after it still go into the case already open for that year."""
    service = FilingService(archive)
    case = service.file(docs[0], Filing("02-01", school_year="2025/2026"))
    nomenclature = NomenclatureService(archive)
    spec = nomenclature.current()
    journals = next(i for i in spec.items if i.index == "02-01")
    edited = with_item(spec, replace(journals, note="Ведомости изъяты"), replacing="02-01")
    assert nomenclature.import_spec(edited)[1] == 2
    assert service.file(docs[1], Filing("02-01", school_year="2025/2026")) == case
    other_year = service.file(docs[2], Filing("02-01", school_year="2026/2027"))
    with archive.catalog.session() as s:
        new_case = s.get(Case, other_year)
        assert new_case is not None and new_case.item.nomenclature.version == 2


def test_a_nomenclature_approved_ahead_takes_over_on_the_first_of_january(
    archive: Archive, docs: list[str]
) -> None:
    """Next year's nomenclature, approved in December, is not yet in force: a case first
    opened now goes by this year's, and from 1 January by next year's."""
    from archive_service.services.records.nomenclature import item_in_force

    this_year = date.today().year
    nomenclature = NomenclatureService(archive)
    nomenclature.import_spec(for_year(nomenclature.current(), this_year))
    nomenclature.import_spec(for_year(nomenclature.current(), this_year + 1))
    case = FilingService(archive).file(docs[0], Filing("02-01", school_year="2030/2031"))
    with archive.catalog.session() as s:
        row = s.get(Case, case)
        assert row is not None and row.item.nomenclature.year == this_year
        in_january = item_in_force(s, "02-01", on=date(this_year + 1, 1, 1))
        assert in_january is not None and in_january.nomenclature.year == this_year + 1
        assert item_in_force(s, "99-99") is None


def test_another_schools_nomenclature_in_the_catalog_does_not_change_filing(
    archive: Archive, docs: list[str]
) -> None:
    """A catalog may also hold another school's nomenclature (a district archive's, or
    one imported to compare): filing and the form's list keep to the archive's own
    school, the first registered, even where the other's version of an index is newer."""
    service = NomenclatureService(archive)
    own = service.current()
    journals = next(i for i in own.items if i.index == "02-01")
    theirs = [replace(i, title=f"{i.title} (СОШ № 20)") for i in own.items]
    service.import_spec(replace(own, items=theirs), "СОШ № 20")
    only_theirs = replace(journals, index="09-01", title="Только у СОШ № 20")
    service.import_spec(with_item(replace(own, items=theirs), only_theirs, None), "СОШ № 20")

    offered = {i.index: i.title for i in service.for_filing().items}
    assert offered["02-01"] == "Классные журналы" and "09-01" not in offered
    assert service.years() == [own.year] and service.current() == own
    case_id = FilingService(archive).file(docs[0], Filing("02-01", school_year="2024/2025"))
    with archive.catalog.session() as s:
        case = s.get(Case, case_id)
        assert case is not None
        assert case.title == "Классные журналы, 2024/2025 учебный год"
        school = s.get(School, case.item.nomenclature.school_id)
        assert school is not None and school.name != "СОШ № 20"
