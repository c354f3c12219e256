"""Bulk import of a folder or a ZIP with a CSV manifest (опись): every file goes in, every
problem is reported, hostile ZIP members are refused unopened."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from archive_service.archive import Archive
from archive_service.catalog import Pupil, School
from archive_service.services.batch.bulk_import import BulkImportError, BulkImportService
from archive_service.services.pipeline.documents import DocumentService
from tests.pagegen import born_digital_pdf

MANIFEST = (
    "Файл;Вид;Учебный год;Класс;Дата;Заголовок;Обучающийся\n"
    "журнал-5А.pdf;02-01;2024/2025;5А;;Журнал 5А;\n"
    "дело/смирнова.pdf;04-01;;;;Личная карта;Смирнова Анна\n"
    "протокол.pdf;03-04;;;12.02.2025;Протокол собеседования;\n"
    "потерян.pdf;02-01;2024/2025;;;;\n"
    "чужой.pdf;77-77;;;;;\n"
)


@pytest.fixture
def folder(tmp_path: Path, archive: Archive) -> Path:
    with archive.catalog.session() as s:
        school = School(name="СОШ")
        s.add(school)
        s.flush()
        s.add(Pupil(school_id=school.id, surname="Смирнова", name="Анна", patronymic="Сергеевна"))
    root = tmp_path / "сканы"
    (root / "дело").mkdir(parents=True)
    born_digital_pdf(root / "журнал-5А.pdf", [["Классный журнал 5 «А»"]])
    born_digital_pdf(root / "дело" / "смирнова.pdf", [["Личная карта обучающегося"]])
    born_digital_pdf(root / "протокол.pdf", [["Протокол итогового собеседования"]])
    born_digital_pdf(root / "чужой.pdf", [["Неизвестно что"]])
    born_digital_pdf(root / "лишний.pdf", [["Не описан"]])
    (root / "опись.csv").write_bytes(MANIFEST.encode("cp1251"))
    return root


def test_a_folder_goes_in_whole_and_each_problem_is_named(archive: Archive, folder: Path) -> None:
    report = BulkImportService(archive).run(folder)
    assert sorted(o.file for o in report.outcomes) == sorted(
        ["журнал-5А.pdf", "дело/смирнова.pdf", "протокол.pdf", "чужой.pdf", "лишний.pdf"]
    )
    assert all(o.status == "queued" for o in report.outcomes)
    assert report.problems == [
        "строка 5: файла «потерян.pdf» нет",
        "строка 6 (чужой.pdf): в номенклатуре нет статьи «77-77»",
        "«лишний.pdf» нет в описи: принят без описания",
    ]
    docs = DocumentService(archive)
    filed = {o.file: docs.get(o.id or "")["filing"] for o in report.outcomes}
    assert filed["журнал-5А.pdf"]["case_title"] == "Классные журналы, 2024/2025 учебный год"
    assert filed["дело/смирнова.pdf"]["pupils"][0]["name"] == "Смирнова Анна Сергеевна"
    assert filed["протокол.pdf"]["document_date"] == "2025-02-12"
    waiting = {d["filename"] for d in docs.unfiled()}
    assert waiting == {"чужой.pdf", "лишний.pdf"}


def test_a_zip_with_hostile_members_refuses_them_unopened(
    archive: Archive, folder: Path, tmp_path: Path
) -> None:
    path = tmp_path / "сканы.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(folder / "журнал-5А.pdf", "журнал-5А.pdf")
        zf.writestr("опись.csv", "Файл;Вид;Учебный год\nжурнал-5А.pdf;02-01;2024/2025\n")
        zf.writestr("../../etc/passwd.pdf", b"%PDF-1.7 nope")
        zf.writestr("/abs/x.pdf", b"%PDF-1.7 nope")
        zf.writestr("bomb.pdf", b"\0" * (20 * 1024 * 1024))
    report = BulkImportService(archive).run(path)
    outcome = {o.file: (o.status, o.error) for o in report.outcomes}
    assert outcome["журнал-5А.pdf"][0] == "queued"
    assert outcome["../../etc/passwd.pdf"] == ("rejected", "имя файла выводит за пределы архива")
    assert outcome["/abs/x.pdf"] == ("rejected", "имя файла выводит за пределы архива")
    assert outcome["bomb.pdf"] == ("rejected", "подозрительно сильное сжатие (ZIP-бомба)")
    assert not (tmp_path.parent / "etc").exists()


def test_not_a_folder_nor_a_zip_is_a_clear_error(archive: Archive, tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(b"not a zip")
    with pytest.raises(BulkImportError, match="не папка и не ZIP"):
        BulkImportService(archive).run(path)


def test_a_manifest_without_a_file_column_is_refused(archive: Archive, tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("опись.csv", "Вид;Класс\n02-01;5А\n")
    with pytest.raises(BulkImportError, match="нет столбца «Файл»"):
        BulkImportService(archive).run(path)


def test_a_district_manifest_takes_each_file_in_for_the_school_its_row_names(
    archive: Archive, tmp_path: Path
) -> None:
    from archive_service.catalog import Document
    from archive_service.schools import SchoolService

    schools = SchoolService(archive)
    own, lyceum = schools.id_of(None), schools.add("Лицей № 2")
    with archive.catalog.session() as s:  # namesakes: each row finds its own school's pupil
        for school in (own, lyceum):
            s.add(Pupil(school_id=school, surname="Смирнова", name="Анна"))
    root = tmp_path / "район"
    root.mkdir()
    for name in ("a.pdf", "b.pdf", "c.pdf"):
        born_digital_pdf(root / name, [[f"Личная карта {name}"]])
    (root / "опись.csv").write_text(
        "Файл;Вид;Обучающийся;Организация\n"
        "a.pdf;04-01;Смирнова Анна;\n"
        "b.pdf;04-01;Смирнова Анна;Лицей  № 2\n"
        "c.pdf;04-01;;Гимназия № 9\n",
        encoding="utf-8",
    )

    report = BulkImportService(archive).run(root)

    assert report.problems == ["строка 4 (c.pdf): организации «Гимназия № 9» нет"]
    by_file = {o.file: o.id or "" for o in report.outcomes}
    filed = {f: DocumentService(archive).get(i)["filing"] for f, i in by_file.items()}
    with archive.catalog.session() as s:
        school_of = {f: s.get(Document, i).school_id for f, i in by_file.items()}  # type: ignore[union-attr]
        pupil_school = {
            f: s.get(Pupil, filing["pupils"][0]["id"]).school_id  # type: ignore[union-attr]
            for f, filing in filed.items()
            if filing
        }
    assert school_of == {"a.pdf": own, "b.pdf": lyceum, "c.pdf": own}
    assert pupil_school == {"a.pdf": own, "b.pdf": lyceum}
    assert {d["filename"] for d in DocumentService(archive).unfiled()} == {"c.pdf"}
