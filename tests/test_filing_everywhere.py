"""Filing reaches the user three ways with one implementation: the page (tested in
test_web_records), `/api/v1/documents/ID/filing` with `/api/v1/inbox`, and
`archive file` with `archive inbox`. The queue says why each document waits, a refiling
leaves no empty case behind, and another school's queue is not shown."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from archive_service.accounts import AccountService
from archive_service.archive import Archive
from archive_service.schools import SchoolService
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.pipeline.inbox import NO_KIND
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.records.cases import CaseError, CaseService
from tests.pagegen import born_digital_pdf
from web import create_app

PASSWORD = "пароль-подшивки"


def _basic(name: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{PASSWORD}".encode()).decode()}


def test_the_api_files_a_document_says_why_others_wait_and_drops_an_emptied_case(
    archive: Archive, tmp_path: Path
) -> None:
    note = IngestService(archive).ingest_path(
        born_digital_pdf(tmp_path / "записка.pdf", [["Служебная записка о ремонте"]])
    )
    assert note.id is not None
    AccountService(archive).create("filer", PASSWORD, "archivist")
    client = create_app(archive, TESTING=True).test_client()

    (waiting,) = client.get("/api/v1/inbox", headers=_basic("filer")).get_json()["waiting"]
    assert (waiting["id"], waiting["reason"], waiting["ready"]) == (note.id, NO_KIND, False)
    title = DocumentService(archive).get(note.id)["title"]
    refused = client.post(
        f"/api/v1/documents/{note.id}/filing", json={"as_proposed": True}, headers=_basic("filer")
    )
    assert refused.status_code == 400
    assert (
        f"Документ «{title}» не подшит: вид документа не предложен" in refused.get_json()["error"]
    )

    def file(year: str) -> int:
        answer = client.post(
            f"/api/v1/documents/{note.id}/filing",
            json={"item_index": "02-01", "school_year": year, "class_label": "9б"},
            headers=_basic("filer"),
        )
        assert answer.status_code == 200, answer.get_data(as_text=True)
        assert answer.get_json()["document_id"] == note.id
        return int(answer.get_json()["case_id"])

    first = file("2024/2025")
    assert client.get("/api/v1/inbox", headers=_basic("filer")).get_json()["waiting"] == []
    second = file("2023/2024")  # the year was wrong: refiled, the first case is left empty
    assert second != first
    _, entries = CaseService(archive).get(second)
    assert [e.document_id for e in entries] == [note.id]
    with pytest.raises(CaseError, match=f"Дела № {first} нет"):  # not left open, 0 sheets
        CaseService(archive).get(first)
    assert DocumentService(archive).get(note.id)["filing"]["class_label"] == "9Б"


def test_a_case_with_its_paper_place_recorded_stays_when_refiling_empties_it(
    archive: Archive, tmp_path: Path
) -> None:
    """A case whose paper original has a place on a shelf is a real folder: it is not
    removed though its only scan moved elsewhere."""
    from archive_service.services.records.filing import Filing, FilingService

    doc = IngestService(archive).ingest_path(
        born_digital_pdf(tmp_path / "журнал.pdf", [["Классный журнал 9Б"]])
    )
    assert doc.id is not None
    filing = FilingService(archive)
    shelved = filing.file(doc.id, Filing("02-01", school_year="2024/2025"))
    CaseService(archive).set_location(shelved, "12", "3", None)
    filing.file(doc.id, Filing("02-01", school_year="2023/2024"))
    info, entries = CaseService(archive).get(shelved)
    assert entries == [] and info["id"] == shelved


def test_another_schools_queue_is_not_shown(archive: Archive, tmp_path: Path) -> None:
    own = IngestService(archive).ingest_path(
        born_digital_pdf(tmp_path / "a.pdf", [["Служебная записка первой школы"]])
    )
    assert own.id is not None
    SchoolService(archive).add("Лицей № 2")
    AccountService(archive).create("lyceum", PASSWORD, "archivist", school="Лицей № 2")
    client = create_app(archive, TESTING=True).test_client()
    assert client.get("/api/v1/inbox", headers=_basic("lyceum")).get_json()["waiting"] == []
    filed = client.post(
        f"/api/v1/documents/{own.id}/filing",
        json={"item_index": "02-01", "school_year": "2024/2025"},
        headers=_basic("lyceum"),
    )
    assert filed.status_code == 404
    assert DocumentService(archive).get(own.id)["filing"] is None


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "archive_service.cli", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_scripts_file_a_document_and_read_the_queue(tmp_path: Path) -> None:
    data = tmp_path / "data"
    pdf = born_digital_pdf(tmp_path / "записка.pdf", [["Служебная записка о ремонте"]])
    taken = _cli(data, "ingest", str(pdf), "--wait", "--json")
    assert taken.returncode == 0, taken.stderr
    document_id = json.loads(taken.stdout)["id"]

    queue = json.loads(_cli(data, "inbox", "--json").stdout)["waiting"]
    assert [(d["id"], d["reason"]) for d in queue] == [(document_id, NO_KIND)]
    neither = _cli(data, "file", document_id)
    assert neither.returncode == 2 and "--item" in neither.stderr
    proposed = _cli(data, "file", document_id, "--as-proposed")
    assert proposed.returncode == 1 and "не подшит: вид документа не предложен" in proposed.stderr
    unknown = _cli(data, "file", document_id, "--item", "99-99")
    assert unknown.returncode == 1 and "В номенклатуре нет статьи «99-99»" in unknown.stderr

    filed = _cli(data, "file", document_id, "--item", "02-01", "--year", "2024/2025",
                 "--class", "9Б", "--json")  # fmt: skip
    assert filed.returncode == 0, filed.stderr
    answer = json.loads(filed.stdout)
    assert answer["document_id"] == document_id and isinstance(answer["case_id"], int)
    assert "Ждут подшивки: 0" in _cli(data, "inbox").stdout
    found = json.loads(_cli(data, "search", "записка", "--class", "9Б", "--json").stdout)
    assert [h["id"] for h in found["hits"]] == [document_id]
