"""A school's past years for the disposal tests: cases due, held back and kept, and a
pupil who left in 2021. The `cases` fixture is registered in conftest.py."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from archive_service.archive import Archive
from archive_service.catalog import Pupil, School
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.records.filing import Filing, FilingService
from archive_service.services.records.pupils import record_event
from tests.pagegen import born_digital_pdf


def add_pupil(archive: Archive, surname: str) -> str:
    with archive.catalog.session() as s:
        school = s.query(School).order_by(School.id).first()
        if school is None:
            school = School(name="СОШ № 1")
            s.add(school)
            s.flush()
        pupil = Pupil(school_id=school.id, surname=surname, name="Иван")
        s.add(pupil)
        s.flush()
        return pupil.id


def file_document(archive: Archive, tmp_path: Path, name: str, filing: Filing) -> int:
    pdf = born_digital_pdf(tmp_path / f"{name}.pdf", [[f"{name}: лист"]])
    outcome = IngestService(archive).ingest_path(pdf)
    assert outcome.id
    return FilingService(archive).file(outcome.id, filing)


@pytest.fixture
def cases(archive: Archive, tmp_path: Path) -> dict[str, int]:
    leaver = add_pupil(archive, "Выбывший")
    held_pupil = add_pupil(archive, "Задержанный")
    out = {
        "old_journal": file_document(
            archive, tmp_path, "ж2019", Filing("02-01", school_year="2019/2020")
        ),
        "new_journal": file_document(
            archive, tmp_path, "ж2024", Filing("02-01", school_year="2024/2025")
        ),
        "protocol": file_document(
            archive, tmp_path, "пр2018", Filing("03-01", document_date=date(2018, 6, 20))
        ),
        "personal": file_document(archive, tmp_path, "лд", Filing("04-01", pupil_ids=[leaver])),
        "book": file_document(archive, tmp_path, "книга", Filing("04-02")),
        "portfolio": file_document(archive, tmp_path, "порт", Filing("05-01", pupil_ids=[leaver])),
    }
    # the leaving order is dated 30.06.2021, typed in years later
    record_event(archive, leaver, "graduated", date(2021, 6, 30), "приказ № 44 от 30.06.2021")
    out["leaver"] = leaver  # type: ignore[assignment]
    out["held_pupil"] = held_pupil  # type: ignore[assignment]
    return out
