"""Every page's action has its /api/v1 endpoint, done by the function the page calls:
class lists and the pupil finder, a pupil and their events, cases with their paper
place, volumes and inventory, cover sheets, the stacks list and the audit query. A
script drives the whole day's work with HTTP Basic."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pypdfium2 as pdfium

from archive_service.accounts import AccountService
from archive_service.archive import Archive
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.records.filing import Filing, FilingService
from tests.pagegen import born_digital_pdf
from web import create_app

PASSWORD = "пароль-для-сценария"
CLASS_LIST = "Фамилия;Имя;Отчество;Класс;Дата рождения\nЛебедева;Мария;Олеговна;9Б;2010-03-04\n"


def _auth(name: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{PASSWORD}".encode()).decode()}


def test_a_script_does_the_days_work_through_the_api(archive: Archive, tmp_path: Path) -> None:
    AccountService(archive).create("script", PASSWORD, "archivist")
    AccountService(archive).create("checker", PASSWORD, "auditor")
    client = create_app(archive, TESTING=True).test_client()
    auth = _auth("script")

    loaded = client.post(
        "/api/v1/pupils",
        data={"file": (io.BytesIO(CLASS_LIST.encode()), "9б.csv"), "school_year": "2024/2025"},
        content_type="multipart/form-data",
        headers=auth,
    )
    assert loaded.status_code == 201, loaded.get_data(as_text=True)
    assert (loaded.get_json()["rows"], loaded.get_json()["added"]) == (1, 1)
    empty = client.post("/api/v1/pupils", data={}, headers=auth)
    assert empty.status_code == 400 and "CSV или XLSX" in empty.get_json()["error"]

    (found,) = client.get("/api/v1/pupils?q=Лебедевой", headers=auth).get_json()["pupils"]
    assert found["name"] == "Лебедева Мария Олеговна"
    assert found["classes"] == [{"school_year": "2024/2025", "class": "9Б"}]

    card = born_digital_pdf(tmp_path / "карта.pdf", [["Личная карта обучающегося Лебедева"]])
    outcome = IngestService(archive).ingest_path(card)
    assert outcome.id
    case_id = FilingService(archive).file(outcome.id, Filing("04-01", pupil_ids=[found["id"]]))

    event = client.post(
        f"/api/v1/pupils/{found['id']}/events",
        json={"kind": "transferred_out", "on": "2025-06-01", "basis": "приказ № 12"},
        headers=auth,
    )
    assert event.status_code == 201 and event.get_json()["closed_cases"] == 1
    bad = client.post(f"/api/v1/pupils/{found['id']}/events", json={"kind": "x"}, headers=auth)
    assert bad.status_code == 400 and bad.get_json()["error"] == "Укажите дату"
    pupil = client.get(f"/api/v1/pupils/{found['id']}", headers=auth).get_json()
    assert [d["id"] for d in pupil["documents"]] == [outcome.id]
    assert [e["kind"] for e in pupil["events"]] == ["transferred_out"]

    listed = client.get("/api/v1/cases", headers=auth).get_json()["cases"]
    assert [c["id"] for c in listed] == [case_id] and listed[0]["closed_on"] is not None
    placed = client.post(
        f"/api/v1/cases/{case_id}",
        json={"action": "location", "room": "12", "shelf": "3", "box": "7"},
        headers=auth,
    )
    assert placed.get_json() == {"case_id": case_id, "done": "Место хранения записано"}
    assert client.get(f"/api/v1/cases/{case_id}", headers=auth).get_json()["room"] == "12"
    unknown = client.post(f"/api/v1/cases/{case_id}", json={"action": "burn"}, headers=auth)
    assert (
        unknown.status_code == 400 and "location, close или volume" in unknown.get_json()["error"]
    )
    inventory = client.get(f"/api/v1/cases/{case_id}/inventory.pdf", headers=auth)
    assert inventory.mimetype == "application/pdf"
    text = pdfium.PdfDocument(inventory.data)[0].get_textpage().get_text_range()
    assert "карта" in text

    sheets = client.post(
        "/api/v1/cover-sheets", json={"item_index": "04-01", "pupil_ids": [found["id"]]},
        headers=auth,
    )  # fmt: skip
    assert sheets.mimetype == "application/pdf" and len(pdfium.PdfDocument(sheets.data)) == 1
    refused = client.post("/api/v1/cover-sheets", json={"item_index": "99-99"}, headers=auth)
    assert refused.status_code == 400
    assert client.get("/api/v1/stacks", headers=auth).get_json() == {"stacks": []}

    audit = client.get("/api/v1/audit?user=script", headers=_auth("checker")).get_json()
    actions = [(e["action"], e["target"]) for e in audit["entries"]]
    assert ("change", f"pupil:{found['id']}") in actions
    assert ("export", f"case:{case_id}") in actions
    assert audit["chain"]["broken_at"] is None and audit["chain"]["rows"] >= len(actions)
