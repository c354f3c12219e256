"""A school's whole archive exported as a BagIt bag and imported into another deployment
of the same mode: its cases, pupils, filings, holds and originals arrive, search finds
its records there, a damaged bag is refused whole, and an import cut short is finished
by running it again."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import TestResponse

from archive_service.accounts import AccountService
from archive_service.archive import Archive
from archive_service.schools import SchoolError, SchoolService
from archive_service.services.admin.audit import CLI_ACTOR, AuditService
from archive_service.services.disposal.holds import HoldService
from archive_service.services.moving.bags import BagError
from archive_service.services.moving.school_bag import SchoolExport, SchoolImport
from archive_service.services.moving.school_moves import MoveError, SchoolMoves, export_to_zip
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.records.filing import Filing, FilingService
from archive_service.services.records.pupils import PupilQueries, PupilService
from intake.class_list import read_class_list
from tests.pagegen import born_digital_pdf
from tests.roles import PASSWORD
from web import create_app
from workers.context import bind_archive

LYCEUM = "Лицей № 2"
CLASS_LIST = "Фамилия;Имя;Отчество;Класс\nКузнецов;Иван;Петрович;9Б\nОрлова;Мария;;9Б\n"


@dataclasses.dataclass
class Lyceum:
    school_id: int
    journal: str
    personal: str
    pupil: str
    journal_case: int


@pytest.fixture
def lyceum(archive: Archive, tmp_path: Path) -> Lyceum:
    """A second school of the source archive with a journal, a personal file and a hold
    (the archive's own school has a record too, which must not travel)."""
    schools = SchoolService(archive)
    schools.id_of(None)  # the archive's own school comes first
    school_id = schools.add(LYCEUM)
    rows, _ = read_class_list(CLASS_LIST.encode(), "2024/2025")
    PupilService(archive).import_rows(rows, LYCEUM)
    pupil = next(p.id for p in PupilQueries(archive).all() if p.full_name.startswith("Кузнецов"))
    ingest = IngestService(archive, school_id)
    journal = ingest.ingest_path(
        born_digital_pdf(tmp_path / "j.pdf", [["Классный журнал 9Б", "Кузнецов Иван контрольная"]])
    ).id
    personal = ingest.ingest_path(
        born_digital_pdf(tmp_path / "p.pdf", [["Личное дело обучающегося Кузнецова Ивана"]])
    ).id
    assert journal and personal
    filing = FilingService(archive)
    case = filing.file(journal, Filing("02-01", school_year="2024/2025", class_label="9Б"))
    filing.file(personal, Filing("04-01", pupil_ids=[pupil]))
    HoldService(archive).add(
        reason="проверка прокуратуры", by="retention", pupil_id=pupil, school_id=school_id
    )
    own = IngestService(archive).ingest_path(born_digital_pdf(tmp_path / "o.pdf", [["Своё"]]))
    assert own.status == "queued"
    return Lyceum(school_id, journal, personal, pupil, case)


def _import(target: Archive, source: Archive, bag: Path, **kwargs: object):  # type: ignore[no-untyped-def]
    """Import with the in-process worker bound to the receiving archive, then back."""
    bind_archive(target)
    try:
        return SchoolImport(target).run(bag, **kwargs)  # type: ignore[arg-type]
    finally:
        bind_archive(source)


def test_a_school_moves_to_another_deployment_whole(
    archive: Archive, receiving: Archive, lyceum: Lyceum, tmp_path: Path
) -> None:
    bag = tmp_path / "bag"
    exported = SchoolExport(archive).run(lyceum.school_id, bag)

    assert (exported.documents, exported.pupils, exported.destroyed) == (2, 2, 0)
    payload = sorted(p.name for p in (bag / "data" / "originals").iterdir())
    assert payload == sorted([f"{lyceum.journal}.pdf", f"{lyceum.personal}.pdf"])
    assert "Source-Organization: Лицей № 2" in (bag / "bag-info.txt").read_text()

    report = _import(receiving, archive, bag)

    assert report.problems == [] and report.documents == 2
    docs = DocumentService(receiving)
    journal = docs.get(lyceum.journal)
    assert journal["status"] == "archived"  # read again by the receiving pipeline
    assert journal["filing"]["class_label"] == "9Б"
    assert journal["filing"]["case_title"] == "Классные журналы, 2024/2025 учебный год"
    personal = docs.get(lyceum.personal)["filing"]
    assert personal["pupils"][0]["name"] == "Кузнецов Иван Петрович"
    assert {s.name for s in SchoolService(receiving).all()} >= {LYCEUM}
    holds = HoldService(receiving).all()
    assert [(h.school_id, h.pupil_id, h.reason) for h in holds] == [
        (report.school_id, lyceum.pupil, "проверка прокуратуры")
    ]
    hits = receiving.index.search("контрольная")
    assert [h.id for h in hits.hits] == [lyceum.journal]
    events = [e["kind"] for e in docs.get(lyceum.journal)["events"]]
    assert "filed" in events and "imported" in events


def test_a_damaged_bag_is_refused_whole_and_nothing_is_taken_in(
    archive: Archive, receiving: Archive, lyceum: Lyceum, tmp_path: Path
) -> None:
    bag = tmp_path / "bag"
    SchoolExport(archive).run(lyceum.school_id, bag)
    original = bag / "data" / "originals" / f"{lyceum.journal}.pdf"
    original.write_bytes(original.read_bytes() + b"%")

    with pytest.raises(BagError, match="Пакет повреждён"):
        _import(receiving, archive, bag)

    assert [s.name for s in SchoolService(receiving).all()] == []
    with pytest.raises(BagError, match="не пуста"):
        SchoolExport(archive).run(lyceum.school_id, bag)


def test_an_import_cut_short_is_finished_by_running_it_again(
    archive: Archive, receiving: Archive, lyceum: Lyceum, tmp_path: Path
) -> None:
    bag = tmp_path / "bag"
    SchoolExport(archive).run(lyceum.school_id, bag)
    catalog = json.loads((bag / "data" / "school.json").read_text())
    order = [d["id"] for d in catalog["documents"]]

    def cut(done: int, total: int) -> None:
        raise KeyboardInterrupt  # the operator's Ctrl-C after the first document

    with pytest.raises(KeyboardInterrupt):
        _import(receiving, archive, bag, progress=cut)
    with pytest.raises(SchoolError, match="уже есть"):
        _import(receiving, archive, bag)

    report = _import(receiving, archive, bag, resume=True)

    assert report.problems == [] and report.documents == 2
    docs = DocumentService(receiving)
    for doc_id in order:
        events = [e["kind"] for e in docs.get(doc_id)["events"]]
        assert events.count("imported") == 1


def test_the_cli_exports_and_imports_a_school(tmp_path: Path) -> None:
    source, target, bag = tmp_path / "source", tmp_path / "target", tmp_path / "bag"

    def run(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "archive_service.cli", "--data-dir", str(data), *args],
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert run(source, "schools", "add", LYCEUM).returncode == 0
    pdf = born_digital_pdf(tmp_path / "j.pdf", [["Протокол экзамена по алгебре"]])
    assert run(source, "ingest", "--wait", "--school", LYCEUM, str(pdf)).returncode == 0

    exported = run(source, "schools", "export", LYCEUM, str(bag), "--json")
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["documents"] == 1
    digest = hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert digest in (bag / "manifest-sha256.txt").read_text()

    imported = run(target, "schools", "import", str(bag), "--json")
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["documents"] == 1
    again = run(target, "schools", "import", str(bag))
    assert again.returncode == 1 and "уже есть" in again.stderr
    zipped = tmp_path / "лицей.zip"
    one_file = run(source, "schools", "export", LYCEUM, str(zipped), "--json")
    assert one_file.returncode == 0 and json.loads(one_file.stdout)["path"] == str(zipped)
    from_zip = run(tmp_path / "third", "schools", "import", str(zipped), "--json")
    assert from_zip.returncode == 0, from_zip.stderr
    assert json.loads(from_zip.stdout)["documents"] == 1
    shutil.rmtree(bag / "data" / "originals")
    broken = run(target, "schools", "import", str(bag), "--name", "Другая")
    assert broken.returncode == 1 and "Пакет повреждён" in broken.stderr


class Admin:
    """The administrator calling /api/v1 with HTTP Basic, as a script does."""

    def __init__(self, target: Archive) -> None:
        AccountService(target).create("admin", PASSWORD, "administrator")
        self.client = create_app(target, TESTING=True).test_client()
        basic = base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
        self.headers = {"Authorization": f"Basic {basic}"}

    def get(self, path: str) -> TestResponse:
        return self.client.get(path, headers=self.headers)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.post(path, headers=self.headers, **kwargs)

    def delete(self, path: str) -> TestResponse:
        return self.client.delete(path, headers=self.headers)

    def json(self, path: str) -> dict[str, Any]:
        answer = self.get(path)
        assert answer.status_code == 200, answer.data
        return dict(answer.get_json())


def _upload(admin: Admin, data: bytes) -> TestResponse:
    return admin.post(
        "/api/v1/school-imports",
        data={"package": (io.BytesIO(data), "school.zip")},
        content_type="multipart/form-data",
    )


def test_the_administrator_moves_a_school_through_the_api_by_background_work(
    archive: Archive, receiving: Archive, lyceum: Lyceum
) -> None:
    source = Admin(archive)

    queued = source.post(f"/api/v1/schools/{lyceum.school_id}/export")

    assert queued.status_code == 202
    move = source.json(f"/api/v1/school-moves/{queued.get_json()['id']}")
    assert (move["direction"], move["status"], move["bag_ready"]) == ("export", "done", True)
    assert (move["done"], move["total"]) == (2, 2)  # originals copied, as the page shows
    assert move["report"]["documents"] == 2 and move["school"] == LYCEUM
    zipped = source.get(f"/api/v1/school-moves/{move['id']}/school.zip")
    assert zipped.status_code == 200 and zipped.mimetype == "application/zip"
    assert "no-store" in zipped.headers["Cache-Control"]
    with zipfile.ZipFile(io.BytesIO(zipped.data)) as zf:
        assert "bagit.txt" in zf.namelist()
        assert f"data/originals/{lyceum.journal}.pdf" in zf.namelist()

    bind_archive(receiving)
    try:
        target = Admin(receiving)
        taken = _upload(target, zipped.data)
        assert taken.status_code == 202, taken.data
        done = target.json(f"/api/v1/school-moves/{taken.get_json()['id']}")
        again = _upload(target, zipped.data)
    finally:
        bind_archive(archive)

    assert (done["direction"], done["status"], done["error"]) == ("import", "done", None)
    assert done["report"]["documents"] == 2 and done["school"] == LYCEUM
    assert not receiving.store.exists(f"moves/{done['id']}/school.zip")  # upload dropped
    assert [h.id for h in receiving.index.search("контрольная").hits] == [lyceum.journal]
    assert again.status_code == 400 and "уже есть" in again.get_json()["error"]
    actions = [(e.action, e.target) for e in AuditService(receiving).find(actor="admin")]
    assert ("import", f"school:{done['school_id']}") in actions
    assert source.delete(f"/api/v1/school-moves/{move['id']}/school.zip").status_code == 200
    assert not archive.store.exists(f"moves/{move['id']}/school.zip")
    assert source.get(f"/api/v1/school-moves/{move['id']}/school.zip").status_code == 404


def test_an_upload_that_is_no_school_bag_is_refused_and_nothing_is_stored(
    archive: Archive, tmp_path: Path
) -> None:
    admin = Admin(archive)
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("scan.pdf", b"%PDF-1.4")

    for payload, said in (
        (b"not a zip at all", "не ZIP"),
        (plain.getvalue(), "не пакет архива организации"),
    ):
        answer = _upload(admin, payload)
        assert answer.status_code == 400 and said in answer.get_json()["error"]
    assert admin.json("/api/v1/school-moves") == {"moves": []}
    assert list(archive.store.list("moves/")) == []


def test_a_damaged_bag_fails_its_import_with_the_file_named_and_can_be_retried(
    archive: Archive, receiving: Archive, lyceum: Lyceum, tmp_path: Path
) -> None:
    zipped = tmp_path / "school.zip"
    export_to_zip(archive, lyceum.school_id, zipped)
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(zipped) as src, zipfile.ZipFile(damaged, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith(f"{lyceum.journal}.pdf"):
                data += b"%"
            out.writestr(info, data)

    bind_archive(receiving)
    try:
        moves = SchoolMoves(receiving)
        move_id = moves.request_import(damaged, None, CLI_ACTOR)
        failed = moves.get(move_id)
        with pytest.raises(MoveError, match="Повторить можно только"):
            moves.retry(moves.request_import(zipped, "Лицей № 2 (копия)", CLI_ACTOR))
    finally:
        bind_archive(archive)

    assert failed["status"] == "failed"
    assert "Пакет повреждён" in failed["error"] and lyceum.journal in failed["error"]
    assert [s.name for s in SchoolService(receiving).all()] == ["Лицей № 2 (копия)"]
    assert receiving.store.exists(f"moves/{move_id}/school.zip")  # kept for a retry
