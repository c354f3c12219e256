"""Two of every role, a world to try them on: a school with a class teacher's class
(5А) and another (9Б), a document and a pupil in each, the case of 9Б's journal and a
stack whose splitting failed. The `world` fixture is registered in conftest.py."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from archive_service.accounts import AccountService
from archive_service.archive import Archive
from archive_service.catalog import Pupil, PupilClass, School, Stack
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.records.filing import Filing, FilingService
from tests.pagegen import born_digital_pdf
from web import create_app

ROLES = [
    "administrator",
    "archivist",
    "staff",
    "retention_officer",
    "director",
    "auditor",
    "district_archivist",
    "district_auditor",
    "secretary",
]
PASSWORD = "пароль-для-матрицы"
READERS = {
    "administrator",
    "archivist",
    "staff",
    "retention_officer",
    "director",
    "district_archivist",
}
UNSCOPED_READERS = READERS - {"staff"}
# Lists and searches: the secretary gets them too, narrowed to personal files.
LISTERS = READERS | {"secretary"}
WRITERS = {"administrator", "archivist", "district_archivist"}
NOMENCLATURE_EDITORS = {"administrator", "archivist", "retention_officer", "district_archivist"}
AUDITORS = {"administrator", "auditor", "district_auditor"}
RETENTION_READERS = {"administrator", "retention_officer", "director"}
HOLD_SETTERS = {"administrator", "retention_officer"}
TRANSFERERS = {"administrator", "director", "secretary"}


@dataclass
class World:
    mine: str  # a document of 5А, the staff member's class
    other: str  # a document of 9Б
    pupil_mine: str
    pupil_other: str
    case: int
    stack: str  # a stack whose splitting failed


@pytest.fixture
def world(archive: Archive, tmp_path: Path) -> World:
    with archive.catalog.session() as s:
        school = School(name="СОШ")
        s.add(school)
        s.flush()
        pupils = []
        for surname, label in (("Смирнова", "5А"), ("Кузнецов", "9Б")):
            p = Pupil(school_id=school.id, surname=surname, name="Тест")
            s.add(p)
            s.flush()
            s.add(PupilClass(pupil_id=p.id, school_year="2024/2025", class_label=label))
            pupils.append(p.id)
    docs, case = [], 0
    for n, (label, pupil) in enumerate((("5А", pupils[0]), ("9Б", pupils[1]))):
        pdf = born_digital_pdf(tmp_path / f"ж{n}.pdf", [[f"Классный журнал {label}"]])
        outcome = IngestService(archive).ingest_path(pdf)
        assert outcome.id
        case = FilingService(archive).file(
            outcome.id,
            Filing("02-01", school_year="2024/2025", class_label=label, pupil_ids=[pupil]),
        )
        docs.append(outcome.id)
    for role in ROLES:
        AccountService(archive).create(role, PASSWORD, role, ["5А"] if role == "staff" else None)
    with archive.catalog.session() as s:
        stack = Stack(
            filename="пачка.pdf",
            media_type="application/pdf",
            storage_key="stacks/x/stack.pdf",
            page_count=3,
            status="failed",
            error="Пачка не читается",
        )
        s.add(stack)
        s.flush()
        stack_id = stack.id
    return World(docs[0], docs[1], pupils[0], pupils[1], case, stack_id)


def client_as(archive: Archive, role: str) -> FlaskClient:
    client = create_app(archive, TESTING=True, WTF_CSRF_ENABLED=False).test_client()
    response = client.post("/login", data={"username": role, "password": PASSWORD})
    assert response.status_code == 302, f"{role} could not sign in"
    return client
