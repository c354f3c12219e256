"""A pupil's transfer (Приказ Минпросвещения № 240): the application and the order, the
personal file issued to the parents as one PDF with its internal inventory first, the
register of issued files as PDF and XLSX, in each mode, through the service, the API
(as the secretary) and the CLI."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook

from archive_service.archive import Archive
from archive_service.catalog import DocumentEvent
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.records.cases import CaseService
from archive_service.services.records.filing import Filing, FilingService
from archive_service.services.records.pupils import events_of
from archive_service.services.records.transfers import (
    Application,
    TransferError,
    TransferService,
    working_days_between,
)
from tests.pagegen import born_digital_pdf
from tests.roles import PASSWORD, World
from web import create_app

APPLIED = Application(
    date(2026, 11, 2), "Кузнецова Мария Петровна", "паспорт 4510 123456", "СОШ № 7 г. Тверь",
    "214", date(2026, 11, 4),
)  # fmt: skip


def test_three_working_days_skip_the_weekend() -> None:
    friday = date(2026, 11, 6)
    assert working_days_between(friday, date(2026, 11, 11)) == 3  # Mon, Tue, Wed
    assert working_days_between(friday, friday) == 0


@pytest.fixture
def personal_file(archive: Archive, world: World, tmp_path: Path) -> int:
    case_id = 0
    for n, text in enumerate(("Личная карта обучающегося", "Заявление о приёме")):
        pdf = born_digital_pdf(tmp_path / f"лд{n}.pdf", [[text], [f"{text}, лист 2"]])
        outcome = IngestService(archive).ingest_path(pdf)
        assert outcome.id
        case_id = FilingService(archive).file(
            outcome.id, Filing("04-01", title=text, pupil_ids=[world.pupil_other])
        )
    return case_id


def test_the_file_is_issued_closed_and_printed_inventory_first(
    archive: Archive, world: World, personal_file: int
) -> None:
    service = TransferService(archive)
    with pytest.raises(TransferError, match="нет личного дела"):
        service.issue(world.pupil_mine, APPLIED, by="secretary")
    backwards = Application(**{**APPLIED.__dict__, "order_date": date(2026, 11, 1)})
    with pytest.raises(TransferError, match="раньше заявления"):
        service.issue(world.pupil_other, backwards, by="secretary")
    late = Application(**{**APPLIED.__dict__, "order_date": date(2026, 11, 12)})
    info = service.issue(world.pupil_other, late, by="secretary")
    assert info.warning and "рабочих дней" in info.warning
    assert (info.number, info.year, info.documents, info.sheets) == (1, 2026, 2, 4)
    assert [e["kind"] for e in events_of(archive, world.pupil_other)][-1] == "transferred_out"
    retention = CaseService(archive).get(personal_file)[0]["retention"]
    assert retention["closed_on"] == "2026-11-12"  # the order's day: 3 years from 2027
    assert retention["keep_until"] == "2029-12-31"
    with archive.catalog.session() as s:
        from sqlalchemy import select

        kinds = set(s.scalars(select(DocumentEvent.detail).where(DocumentEvent.kind == "issued")))
        issued_on = f"{info.issued_at[8:10]}.{info.issued_at[5:7]}.{info.issued_at[:4]}"
        assert kinds == {f"выдано родителям {issued_on} (Кузнецова Мария Петровна)"}
    pdf = pdfium.PdfDocument(service.personal_file_pdf(world.pupil_other))
    texts = [page.get_textpage().get_text_range() for page in pdf]
    pdf.close()
    assert "ВНУТРЕННЯЯ ОПИСЬ" in texts[0] and "Личная карта обучающегося" in texts[0]
    assert len(texts) == 1 + 4 and "Заявление о приёме, лист 2" in texts[-1]
    assert [e.pupil for e in service.register(2026)] == ["Кузнецов Тест"]


def _basic(name: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{PASSWORD}".encode()).decode()}


def test_the_secretary_issues_through_the_api_and_prints_the_register(
    archive: Archive, world: World, personal_file: int
) -> None:
    api = create_app(archive, TESTING=True).test_client()
    body = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in APPLIED.__dict__.items()}
    path = f"/api/v1/pupils/{world.pupil_other}/transfers"
    assert api.post(path, json=body, headers=_basic("staff")).status_code == 404
    assert api.post(path, json=body, headers=_basic("archivist")).status_code == 404
    bad = api.post(path, json={**body, "applicant": " "}, headers=_basic("secretary"))
    assert bad.status_code == 400 and "заявителя" in bad.get_json()["error"]
    made = api.post(path, json=body, headers=_basic("secretary"))
    assert made.status_code == 201 and made.get_json()["warning"] is None
    register = api.get("/api/v1/transfers?year=2026", headers=_basic("secretary")).get_json()
    assert [t["applicant"] for t in register["transfers"]] == ["Кузнецова Мария Петровна"]
    printed = api.get("/api/v1/transfers?year=2026&format=pdf", headers=_basic("director"))
    assert printed.status_code == 200 and printed.data.startswith(b"%PDF")
    sheet = api.get("/api/v1/transfers?year=2026&format=xlsx", headers=_basic("secretary"))
    rows = list(load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))
    assert rows[2][:3] == ("№", "Дата выдачи", "ФИО обучающегося")
    assert rows[3][2] == "Кузнецов Тест" and rows[3][4] == "Кузнецова Мария Петровна"
    whole = api.get(
        f"/api/v1/pupils/{world.pupil_other}/personal-file.pdf", headers=_basic("secretary")
    )
    assert whole.status_code == 200 and whole.data.startswith(b"%PDF")


def test_the_cli_issues_a_personal_file_and_writes_it_as_pdf(
    archive: Archive, world: World, personal_file: int, tmp_path: Path
) -> None:
    out = tmp_path / "дело.pdf"
    done = subprocess.run(
        [sys.executable, "-m", "archive_service.cli", "--data-dir", str(archive.settings.data_dir),
         "pupils", "transfer", world.pupil_other, "--application-date", "02.11.2026",
         "--applicant", "Кузнецова Мария Петровна", "--applicant-document", "паспорт",
         "--to", "СОШ № 7", "--order", "214", "--order-date", "04.11.2026",
         "--as", "secretary", "--pdf", str(out), "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["pupil_id"] == world.pupil_other and answer["documents"] == 2
    assert answer["pdf"] == str(out) and out.read_bytes().startswith(b"%PDF")
    shown = subprocess.run(
        [sys.executable, "-m", "archive_service.cli", "--data-dir", str(archive.settings.data_dir),
         "pupils", "show", world.pupil_other, "--json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    pupil = json.loads(shown.stdout)
    assert [i["issue_id"] for i in pupil["issues"]] == [answer["issue_id"]]
    assert pupil["events"][-1]["kind"] == "transferred_out"
    assert {d["kind"] for d in pupil["documents"]} == {"02-01", "04-01"}


def test_the_signed_application_and_the_receiving_schools_notice_are_kept(
    archive: Archive, world: World, personal_file: int, tmp_path: Path
) -> None:
    from tests.roles import client_as

    secretary = client_as(archive, "secretary")
    scan = born_digital_pdf(
        tmp_path / "заявление.pdf", [["Заявление об отчислении в порядке перевода"]]
    )
    form = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in APPLIED.__dict__.items()}
    issued = secretary.post(
        f"/pupils/{world.pupil_other}/transfer",
        data={**form, "application_scan": (scan.open("rb"), "заявление.pdf")},
        content_type="multipart/form-data",
    )
    assert issued.status_code == 302
    (info,) = TransferService(archive).of_pupil(world.pupil_other)
    assert info.application_document_id is not None
    application = DocumentService(archive).get(info.application_document_id)
    assert application["filing"]["item_index"] == "04-06"
    assert [p["id"] for p in application["filing"]["pupils"]] == [world.pupil_other]

    early = secretary.post(
        f"/transfers/{info.id}/notice", data={"notice_on": "2026-11-01", "notice": "СОШ № 7"}
    )
    assert early.status_code == 302
    assert TransferService(archive).get(info.id).notice is None  # before the order: refused
    api = create_app(archive, TESTING=True).test_client()
    noted = api.post(
        f"/api/v1/transfers/{info.id}/notice",
        json={"notice_on": "2026-11-10", "notice": "СОШ № 7 г. Тверь, приказ № 55 от 09.11.2026"},
        headers=_basic("secretary"),
    )
    assert noted.status_code == 200 and noted.get_json()["notice_on"] == "2026-11-10"
    page = secretary.get(f"/pupils/{world.pupil_other}").get_data(as_text=True)
    assert "уведомление о зачислении от 10.11.2026" in page and "скан заявления" in page
    refused = api.post(
        f"/api/v1/transfers/{info.id}/notice",
        json={"notice_on": "2026-11-10", "notice": "x"},
        headers=_basic("staff"),
    )
    assert refused.status_code == 404
