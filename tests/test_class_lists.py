"""Class lists in: CSV from Excel (Windows-1251, ';'), UTF-8 CSV and XLSX; broken rows
reported by number while the rest go in; the same list twice adds nobody twice."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive_service import schools as school_lookups
from archive_service.archive import Archive
from archive_service.catalog import Pupil, PupilClass, School
from archive_service.services.records.pupils import PupilService
from intake.class_list import (
    ClassListError,
    normalize_class,
    read_class_list,
    school_year_on,
)
from tests.side_by_side import run_side_by_side

EXCEL_CSV = (
    "Фамилия;Имя;Отчество;Дата рождения;Класс\r\n"
    "Смирнова;Анна;Сергеевна;14.03.2010;9 «Б»\r\n"
    "Кузнецов;Иван;Петрович;02.11.2009;9б\r\n"
    ";Пётр;;01.01.2010;9Б\r\n"
    "Фёдорова;Ольга;;31.02.2010;9Б\r\n"
    "Волков;Дмитрий;;;девятый\r\n"
    ";;;;\r\n"
).encode("cp1251")


def test_an_excel_csv_goes_in_except_its_broken_rows() -> None:
    rows, problems = read_class_list(EXCEL_CSV, "2024/2025")
    assert [(r.surname, r.class_label, r.school_year) for r in rows] == [
        ("Смирнова", "9Б", "2024/2025"),
        ("Кузнецов", "9Б", "2024/2025"),
    ]
    assert rows[0].birth_date == date(2010, 3, 14)
    assert [str(p) for p in problems] == [
        "строка 4: нет фамилии",
        "строка 5: дата рождения «31.02.2010» не понята",
        "строка 6: класс «девятый» не похож на «9Б»",
    ]


def test_xlsx_with_a_school_year_column() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Класс", "Фамилия", "Имя", "Учебный год", "Дата рождения"])
    sheet.append(["11-А", "Петров", "Пётр", "2025-26", date(2008, 5, 1)])
    sheet.append(["11А", "Иванова", "Мария", "2025/2027", None])
    out = io.BytesIO()
    book.save(out)
    rows, problems = read_class_list(out.getvalue())
    assert [(r.surname, r.class_label, r.school_year, r.birth_date) for r in rows] == [
        ("Петров", "11А", "2025/2026", date(2008, 5, 1))
    ]
    assert [str(p) for p in problems] == ["строка 3: учебный год «2025/2027» не понят"]


def test_a_list_without_the_needed_columns_is_refused() -> None:
    with pytest.raises(ClassListError, match="нет столбцов: класс"):
        read_class_list("Фамилия,Имя\nСмирнова,Анна\n".encode(), "2024/2025")
    with pytest.raises(ClassListError, match="учебный год"):
        read_class_list("Фамилия,Имя,Класс\nСмирнова,Анна,9Б\n".encode())


def test_class_labels_are_normalised() -> None:
    assert normalize_class("9 «б»") == "9Б"
    assert normalize_class("10-В") == "10В"
    assert normalize_class("12А") is None


def test_importing_the_same_list_twice_adds_nobody_twice(archive: Archive) -> None:
    rows, _ = read_class_list(EXCEL_CSV, "2024/2025")
    first = PupilService(archive).import_rows(rows)
    assert (first.added, first.known, first.classes_set) == (2, 0, 2)
    again = PupilService(archive).import_rows(rows)
    assert (again.added, again.known, again.classes_set) == (0, 2, 0)
    next_year, _ = read_class_list(
        EXCEL_CSV.decode("cp1251").replace("9 «Б»", "10А").replace("9б", "10А").encode("cp1251"),
        "2025/2026",
    )
    later = PupilService(archive).import_rows(next_year)
    assert (later.added, later.known, later.classes_set) == (0, 2, 2)
    with archive.catalog.session() as s:
        assert len(list(s.scalars(select(Pupil)))) == 2
        history = {(c.school_year, c.class_label) for c in s.scalars(select(PupilClass))}
    assert history == {("2024/2025", "9Б"), ("2025/2026", "10А")}


def test_a_school_created_by_another_import_meanwhile_is_joined_not_refused(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two class lists of a school new to the catalog go in at once: the import whose
    lookup missed the school the other had just committed joins that school, instead
    of failing the whole list on the school's unique name."""
    rows, _ = read_class_list(EXCEL_CSV, "2024/2025")
    PupilService(archive).import_rows(rows[:1], school="МБОУ СОШ № 20")
    looked_before = iter([None])  # this import looked before the other one committed
    real_lookup = school_lookups.school_named

    def stale_lookup(s: Session, name: str) -> School | None:
        return next(looked_before, real_lookup(s, name))

    monkeypatch.setattr(school_lookups, "school_named", stale_lookup)
    report = PupilService(archive).import_rows(rows[1:], school="МБОУ СОШ № 20")
    assert (report.added, report.classes_set) == (1, 1)
    with archive.catalog.session() as s:
        schools = list(s.scalars(select(School)))
        assert [school.name for school in schools] == ["МБОУ СОШ № 20"]
        owners = {pupil.school_id for pupil in s.scalars(select(Pupil))}
    assert owners == {schools[0].id}


def test_cli_reports_broken_rows_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "9Б.csv"
    path.write_bytes(EXCEL_CSV)
    proc = subprocess.run(
        [sys.executable, "-m", "archive_service.cli", "--data-dir", str(tmp_path / "data"),
         "pupils", "import", str(path), "--school-year", "2024/2025"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "строка 4: нет фамилии" in proc.stderr
    assert "Строк загружено: 2" in proc.stdout


def test_the_same_class_list_imported_twice_at_once_adds_each_pupil_once(
    archive: Archive,
) -> None:
    """Two people import the same list at the same moment: the second import waits for
    the first and finds its pupils known, instead of adding each of them again."""
    rows, _ = read_class_list(EXCEL_CSV, "2024/2025")
    PupilService(archive).import_rows([], school="МБОУ СОШ № 20")  # the school exists

    def import_list() -> object:
        return PupilService(archive).import_rows(rows, school="МБОУ СОШ № 20")

    first, second = run_side_by_side(import_list, import_list)
    assert not isinstance(first, Exception), first
    assert not isinstance(second, Exception), second
    assert sorted([(first.added, first.known), (second.added, second.known)]) == [(0, 2), (2, 0)]
    with archive.catalog.session() as s:
        assert len(list(s.scalars(select(Pupil)))) == 2
        assert len(list(s.scalars(select(PupilClass)))) == 2


def test_the_school_year_turns_over_on_the_first_of_september() -> None:
    assert school_year_on(date(2026, 8, 31)) == "2025/2026"
    assert school_year_on(date(2026, 9, 1)) == "2026/2027"
    assert school_year_on(date(2027, 1, 10)) == "2026/2027"


def test_a_class_list_imported_later_brings_its_pupils_to_records_waiting_for_filing(
    archive: Archive, tmp_path: Path
) -> None:
    """A protocol read before its class list was imported named nobody the archive knew;
    once the list is in, the protocol waiting in the inbox is proposed for its pupil.
    A filed record keeps what was decided for it."""
    from archive_service.services.pipeline.ingest import IngestService
    from archive_service.services.records.filing import Filing, FilingService
    from archive_service.services.records.proposals import ProposalService
    from tests.pagegen import born_digital_pdf

    lines = ["ПРОТОКОЛ итогового собеседования", "Фёдорова Ольга Игоревна — зачёт"]
    waiting = IngestService(archive).ingest_path(born_digital_pdf(tmp_path / "a.pdf", [lines]))
    filed = IngestService(archive).ingest_path(
        born_digital_pdf(tmp_path / "b.pdf", [[*lines, "второй экземпляр"]])
    )
    assert waiting.id and filed.id
    FilingService(archive).file(filed.id, Filing("03-01", document_date=date(2024, 2, 14)))
    proposals = ProposalService(archive)
    assert "pupil" not in proposals.best([waiting.id]).get(waiting.id, {})

    rows, _ = read_class_list(
        "Фамилия;Имя;Отчество;Класс\nФёдорова;Ольга;Игоревна;9Б\n".encode(), "2023/2024"
    )
    PupilService(archive).import_rows(rows)

    proposed = proposals.best([waiting.id, filed.id])
    assert [p.label for p in proposed[waiting.id]["pupil"]] == ["Фёдорова Ольга Игоревна"]
    assert "pupil" not in proposed.get(filed.id, {})
