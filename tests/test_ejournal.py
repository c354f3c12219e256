"""The electronic journal's yearly export: read from CSV and XLSX as schools get them,
refused with what was expected when it is not one, kept as its original plus a printed
PDF, filed for its year and class with its pupils linked, its marks queryable, found by
a pupil's name and by subject, in each mode."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from openpyxl import Workbook

from archive_service.archive import Archive
from archive_service.domain import MediaType
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.records.ejournal import JournalService
from archive_service.services.records.pupils import PupilQueries, PupilService
from intake import IntakeRejected, sniff_media_type
from intake.class_list import read_class_list
from intake.ejournal import MAX_BYTES, read_journal
from tests.roles import World, client_as

GRID = (
    "Электронный журнал;;;;\n"
    "Класс:;9Б;;;\n"
    "Предмет:;Алгебра;;;\n"
    "Учебный год:;2024/2025;;;\n"
    "№;ФИО;02.09;05.09;I четверть;Год\n"
    "1;Кузнецов Иван Петрович;5;4;5;5\n"
    "2;Орлова Вера;н;3;4;4\n"
    "3;Смирнов Олег;;5/4;4;\n"
)


def summary_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Итоговые отметки"])
    sheet.append(["Класс: 9Б"])
    sheet.append(["Учебный год: 2024/2025"])
    sheet.append(["№", "ФИО", "Русский язык", "Алгебра", "Физика"])
    sheet.append([1, "Кузнецов Иван", 5, 4, "зач"])
    sheet.append([2, "Вера Орлова", 4, "=2+2", 3])  # a formula: its saved value, never run
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_subjects_grid_is_read_with_its_lessons_periods_and_finals() -> None:
    journal = read_journal(GRID.encode("cp1251"))
    assert (journal.kind, journal.class_label, journal.school_year, journal.subject) == (
        "grid", "9Б", "2024/2025", "Алгебра",
    )  # fmt: skip
    assert [(c.label, c.kind) for c in journal.columns] == [
        ("02.09", "lesson"), ("05.09", "lesson"), ("I четверть", "period"), ("Год", "period"),
    ]  # fmt: skip
    assert journal.columns[0].on is not None and journal.columns[0].on.year == 2024
    kuznetsov, orlova, smirnov = journal.rows
    assert journal.finals(kuznetsov) == {"Алгебра": "5"} and orlova.marks[0] == "н"
    assert journal.finals(smirnov) == {"Алгебра": "4"}  # no year mark yet: the quarter's


def test_the_yearly_summary_is_read_from_xlsx_and_a_formula_is_never_run() -> None:
    journal = read_journal(summary_xlsx())
    assert journal.kind == "summary" and journal.subject is None
    assert [c.label for c in journal.columns] == ["Русский язык", "Алгебра", "Физика"]
    kuznetsov, orlova = journal.rows
    assert journal.finals(kuznetsov) == {"Русский язык": "5", "Алгебра": "4", "Физика": "зач"}
    assert journal.finals(orlova) == {"Русский язык": "4", "Физика": "3"}  # no saved value


def test_a_workbook_with_macros_is_read_by_its_values_and_nothing_runs() -> None:
    """A macro-enabled workbook (vbaProject.bin, the macro content type): the values are
    read as any workbook's; the macro is never loaded, let alone run."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(summary_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            target.writestr(info, data)
        target.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 Sub AutoOpen(): Shell ...")
    assert sniff_media_type(out.getvalue()[:8192]) is MediaType.XLSX
    journal = read_journal(out.getvalue())
    assert journal.finals(journal.rows[0]) == {"Русский язык": "5", "Алгебра": "4", "Физика": "зач"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("Фамилия;Имя;Класс\nКузнецов;Иван;9Б\nОрлова;Вера;9Б\n", "нет столбца «ФИО»"),
        ("Класс:;9Б\nФИО;Адрес\nКузнецов Иван;ул. Мира, 5\nОрлова Вера;пр. Ленина, 1\n",
         "нет учебного года"),
        ("Класс:;9Б\nУчебный год:;2024/2025\nФИО;Телефон\nКузнецов Иван;89001234567\n"
         "Орлова Вера;89007654321\n", "в ячейках не отметки"),
        ("Класс:;9Б\nУчебный год:;2024/2025\nФИО;02.09\nКузнецов Иван;5\n",
         "нет строки «Предмет:»"),
    ],
)  # fmt: skip
def test_a_spreadsheet_that_is_not_a_journal_is_refused_saying_what_was_expected(
    data: str, message: str
) -> None:
    with pytest.raises(IntakeRejected, match=message) as refused:
        read_journal(data.encode())
    assert "Не выгрузка" in str(refused.value) or "ожидались" in str(refused.value)


def test_an_export_past_the_size_of_any_journal_is_refused() -> None:
    with pytest.raises(IntakeRejected, match="больше 20 МБ"):
        read_journal(b"x" * (MAX_BYTES + 1))


def test_a_real_50_mb_export_is_refused_by_the_cli_and_the_api_and_nothing_is_kept(
    tmp_path: Path, archive: Archive, world: World
) -> None:
    """A 50 MB journal export (a real file: the header of one, then rows and rows) is no
    class's journal: the CLI and the API each say so in Russian, and no document, page,
    original or mark is left of it."""
    big = tmp_path / "журнал.csv"
    row = "1;Кузнецов Иван Петрович;" + ";".join(["5"] * 40) + "\n"
    with big.open("w", encoding="utf-8") as out:
        out.write(GRID.split("1;Кузнецов")[0])
        while out.tell() < 50 * 1024 * 1024:
            out.write(row * 1000)
    assert big.stat().st_size >= 50 * 1024 * 1024
    before = DocumentService(archive).status_counts()

    refused = subprocess.run(
        [sys.executable, "-m", "archive_service.cli", "--data-dir", str(tmp_path / "cli"),
         "ingest", str(big), "--json"],
        capture_output=True, text=True, timeout=300, check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")},
    )  # fmt: skip
    assert refused.returncode == 2, refused.stderr
    said = json.loads(refused.stdout)
    assert said["status"] == "rejected" and "больше 20 МБ (50 МБ)" in said["error"]
    assert not list((tmp_path / "cli" / "objects").rglob("original*"))

    import base64

    from tests.roles import PASSWORD
    from web import create_app

    basic = base64.b64encode(f"archivist:{PASSWORD}".encode()).decode()
    with big.open("rb") as sent:
        answer = (
            create_app(archive, TESTING=True)
            .test_client()
            .post(
                "/api/v1/documents",
                data={"files": (sent, "журнал.csv")},
                content_type="multipart/form-data",
                headers={"Authorization": f"Basic {basic}"},
            )
        )
    assert answer.status_code == 201, answer.get_data(as_text=True)[:300]
    (result,) = answer.get_json()["results"]
    assert result["status"] == "rejected" and "больше 20 МБ (50 МБ)" in result["error"]
    assert DocumentService(archive).status_counts() == before


def test_a_csv_is_sniffed_as_a_spreadsheet_but_a_line_of_text_is_not() -> None:
    assert sniff_media_type(GRID.encode()) is MediaType.CSV
    assert sniff_media_type(summary_xlsx()[:8192]) is MediaType.XLSX
    with pytest.raises(IntakeRejected, match="Неподдерживаемый тип"):
        sniff_media_type("это не PDF, а строка текста".encode())


def _registry(archive: Archive) -> None:
    rows, _ = read_class_list(
        "Фамилия;Имя;Отчество;Класс\nКузнецов;Иван;Петрович;9Б\nОрлова;Вера;;9Б\n".encode(),
        "2024/2025",
    )
    PupilService(archive).import_rows(rows)


def test_an_export_is_archived_filed_linked_and_found_by_name_and_subject(
    archive: Archive, tmp_path: Path
) -> None:
    _registry(archive)
    path = tmp_path / "9Б-алгебра.csv"
    path.write_bytes(GRID.encode("cp1251"))

    outcome = IngestService(archive).ingest_path(path)

    assert outcome.status == "queued" and outcome.id
    doc = DocumentService(archive).get(outcome.id)
    assert doc["status"] == "archived"
    assert doc["title"] == "Электронный журнал 9Б, Алгебра, 2024/2025"
    filing = doc["filing"]
    assert (filing["item_index"], filing["school_year"], filing["class_label"]) == (
        "02-03", "2024/2025", "9Б",
    )  # fmt: skip
    assert sorted(p["name"] for p in filing["pupils"]) == [
        "Кузнецов Иван Петрович", "Орлова Вера",
    ]  # fmt: skip
    assert any(
        e["kind"] == "pupils_unmatched" and "Смирнов Олег" in e["detail"] for e in doc["events"]
    )
    original = DocumentService(archive).file_for_download(outcome.id, "original")
    assert original[0].endswith("original.csv")
    searchable = archive.store.get_bytes(DocumentService(archive).file_for_download(
        outcome.id, "searchable")[0])  # fmt: skip
    assert searchable.startswith(b"%PDF")
    from archive_service.schools import SchoolService
    from tests.test_disposal_acts import pdf_text

    school = SchoolService(archive).name_of(None)
    assert school and school in " ".join(pdf_text(searchable).split())  # the printed header
    for query in ("Кузнецова", "алгебре"):
        assert [h.id for h in archive.index.search(query).hits] == [outcome.id], query
    kuznetsov = next(p for p in PupilQueries(archive).all() if p.full_name.startswith("Кузн"))
    (algebra,) = JournalService(archive).marks_of(kuznetsov.id)
    assert (algebra.subject, algebra.final) == ("Алгебра", "5")
    assert algebra.periods == [("I четверть", "5"), ("Год", "5")]

    rows, _ = read_class_list("Фамилия;Имя;Класс\nСмирнов;Олег;9Б\n".encode(), "2024/2025")
    PupilService(archive).import_rows(rows)  # the pupil the journal named arrives later

    smirnov = next(p for p in PupilQueries(archive).all() if p.full_name.startswith("Смир"))
    assert JournalService(archive).marks_of(smirnov.id)[0].final == "4"
    linked = DocumentService(archive).get(outcome.id)["filing"]["pupils"]
    assert "Смирнов Олег" in {p["name"] for p in linked}


def test_the_cli_takes_a_summary_in_and_shows_a_pupils_marks(tmp_path: Path) -> None:
    path = tmp_path / "итоги.xlsx"
    path.write_bytes(summary_xlsx())
    listed = tmp_path / "9б.csv"
    listed.write_text("Фамилия;Имя;Класс\nКузнецов;Иван;9Б\nОрлова;Вера;9Б\n")
    data = str(tmp_path / "data")
    embedded = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "archive_service.cli", "--data-dir", data, *args],
            capture_output=True, text=True, timeout=300, check=False, env=embedded,
        )  # fmt: skip

    assert cli("pupils", "import", str(listed), "--school-year", "2024/2025").returncode == 0
    taken = cli("ingest", str(path), "--wait", "--json")
    assert taken.returncode == 0, taken.stderr
    assert json.loads(taken.stdout)["status"] == "archived"
    found = json.loads(cli("pupils", "find", "Кузнецов", "Иван", "--json").stdout)
    kuznetsov = found["pupils"][0]["id"]
    shown = json.loads(cli("pupils", "show", kuznetsov, "--json").stdout)
    finals = {(m["school_year"], m["subject"]): m["final"] for m in shown["marks"]}
    assert finals == {
        ("2024/2025", "Алгебра"): "4",
        ("2024/2025", "Русский язык"): "5",
        ("2024/2025", "Физика"): "зач",
    }
    kinds = {d["kind"] for d in shown["documents"]}
    assert kinds == {"02-02"}  # the summary sheet: kept 25 years
    class_list = tmp_path / "список.csv"
    class_list.write_text("Фамилия;Имя;Класс\nКузнецов;Иван;9Б\nОрлова;Вера;9Б\n")
    refused = cli("ingest", str(class_list), "--json")
    assert refused.returncode == 2
    assert "нет столбца «ФИО»" in json.loads(refused.stdout)["error"]


def test_the_marks_extract_for_a_transfer_is_made_from_the_archived_journal(
    archive: Archive, world: World, tmp_path: Path
) -> None:
    _registry(archive)
    path = tmp_path / "9Б-алгебра.csv"
    path.write_bytes(GRID.encode("cp1251"))
    assert IngestService(archive).ingest_path(path).status == "queued"
    kuznetsov = next(p for p in PupilQueries(archive).all() if p.full_name.startswith("Кузн"))

    secretary = client_as(archive, "secretary")
    got = secretary.get(f"/pupils/{kuznetsov.id}/marks-extract.pdf")

    assert got.status_code == 200 and got.mimetype == "application/pdf"
    document = pdfium.PdfDocument(got.data)
    try:
        text = document[0].get_textpage().get_text_range()
    finally:
        document.close()
    for expected in ("ВЫПИСКА", "Кузнецов Иван Петрович", "9Б", "2024/2025", "Алгебра",
                     "02.09 — 5", "I четверть: 5"):  # fmt: skip
        assert expected in text, expected
    none = secretary.get(f"/pupils/{world.pupil_mine}/marks-extract.pdf")
    assert none.status_code == 409
    assert (
        client_as(archive, "staff").get(f"/pupils/{kuznetsov.id}/marks-extract.pdf").status_code
        == 404
    )
