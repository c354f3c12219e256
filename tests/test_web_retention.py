"""Retention reaches its people three ways with one check: the UI, /api/v1 and the CLI
show the year's list and each case's retention, set and lift holds, write each step to
the audit log, and keep a school's people to their own school."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

from archive_service.accounts import AccountService
from archive_service.archive import Archive
from archive_service.schools import SchoolService
from archive_service.services.admin.audit import AuditService
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.records.filing import Filing, FilingService
from tests.pagegen import born_digital_pdf
from tests.roles import HOLD_SETTERS, PASSWORD, ROLES, World, client_as


def _basic(name: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{PASSWORD}".encode()).decode()}


def test_the_officer_sees_the_due_case_holds_it_and_lifts_the_hold(
    archive: Archive, world: World
) -> None:
    """The world's 2024/2025 journal is due in the act of 2031, not of 2030."""
    client = client_as(archive, "retention_officer")
    page = client.get("/retention?year=2031").get_data(as_text=True)
    assert f'data-case="{world.case}"' in page.split("Не подлежат уничтожению")[0]
    assert "хранить до 31.12.2030" in page
    earlier = client.get("/retention?year=2030").get_data(as_text=True)
    assert 'data-reason="not_yet"' in earlier

    case_page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert "Хранить до" in case_page and "2030-12-31" in case_page
    held = client.post(
        "/retention/holds",
        data={"case_id": world.case, "reason": "запрос суда", "back": f"/cases/{world.case}"},
    )
    assert held.status_code == 302 and held.headers["Location"].endswith(f"/cases/{world.case}")
    assert "запрос суда" in client.get(f"/cases/{world.case}").get_data(as_text=True)
    page = client.get("/retention?year=2031").get_data(as_text=True)
    assert 'data-reason="hold"' in page and "запрос суда" in page

    lifted = client.post("/retention/holds/1/lift", data={"reason": "дело рассмотрено"})
    assert lifted.status_code == 302
    holds_page = client.get("/retention/holds").get_data(as_text=True)
    assert "дело рассмотрено" in holds_page
    rows = [(r.action, r.target) for r in AuditService(archive).find(actor="retention_officer")]
    assert ("view", "retention:due:2031") in rows
    assert ("create", "hold:1") in rows and ("change", "hold:1") in rows


def test_the_api_lists_what_is_due_and_sets_and_lifts_holds(archive: Archive, world: World) -> None:
    client = client_as(archive, "director")
    body = client.get("/api/v1/retention/due?year=2031").get_json()
    assert [c["case_id"] for c in body["due"]] == [world.case]
    assert client.get("/api/v1/retention/due?year=20").status_code == 400
    case = client.get(f"/api/v1/cases/{world.case}").get_json()
    assert case["retention"]["first_act_year"] == 2031 and case["holds"] == []
    api = create_api_client(archive)
    # the director reads retention but sets no holds
    refused = api.post(
        "/api/v1/holds", json={"item_index": "02-01", "reason": "x"}, headers=_basic("director")
    )
    assert refused.status_code == 404
    auth = _basic("retention_officer")
    bad = api.post("/api/v1/holds", json={"item_index": "02-01", "reason": " "}, headers=auth)
    assert bad.status_code == 400 and "причину" in bad.get_json()["error"]
    unknown = api.post("/api/v1/holds", json={"case_id": 999999, "reason": "x"}, headers=auth)
    assert unknown.status_code == 404
    made = api.post(
        "/api/v1/holds", json={"item_index": "02-01", "reason": "проверка"}, headers=auth
    )
    assert made.status_code == 201
    hold_id = made.get_json()["hold_id"]
    body = api.get("/api/v1/retention/due?year=2031", headers=auth).get_json()
    assert body["due"] == [] and body["held_back"][0]["reason"] == "hold"
    active = api.get("/api/v1/holds?active=true", headers=auth).get_json()["holds"]
    assert [h["hold_id"] for h in active] == [hold_id]
    out = api.post(f"/api/v1/holds/{hold_id}/lift", json={"reason": "окончена"}, headers=auth)
    assert out.status_code == 200 and out.get_json()["active"] is False
    again = api.post(f"/api/v1/holds/{hold_id}/lift", json={"reason": "окончена"}, headers=auth)
    assert again.status_code == 400 and "уже снята" in again.get_json()["error"]


def create_api_client(archive: Archive):  # type: ignore[no-untyped-def]
    from web import create_app

    return create_app(archive, TESTING=True).test_client()


def test_only_retention_officers_and_administrators_set_holds(
    archive: Archive, world: World
) -> None:
    for role in ROLES:
        response = client_as(archive, role).post(
            "/retention/holds", data={"case_id": world.case, "reason": "x"}
        )
        assert response.status_code == (302 if role in HOLD_SETTERS else 404), role


def test_a_school_officer_holds_and_lists_nothing_of_another_school(
    archive: Archive, world: World, tmp_path: Path
) -> None:
    other = SchoolService(archive).add("Лицей № 2")
    pdf = born_digital_pdf(tmp_path / "лицей.pdf", [["Классный журнал лицея"]])
    outcome = IngestService(archive, other).ingest_path(pdf)
    assert outcome.id
    theirs = FilingService(archive).file(outcome.id, Filing("02-01", school_year="2019/2020"))
    client = client_as(archive, "retention_officer")  # of «СОШ», the world's school
    body = client.get("/api/v1/retention/due?year=2031").get_json()
    listed = {c["case_id"] for c in body["due"] + body["held_back"]}
    assert world.case in listed and theirs not in listed
    refused = client.post("/retention/holds", data={"case_id": theirs, "reason": "x"})
    assert refused.status_code == 302  # back to the form, with «Дела № … нет»
    assert client.get("/api/v1/holds").get_json()["holds"] == []
    assert client.get(f"/api/v1/cases/{theirs}").status_code == 404
    assert client.post(f"/cases/{theirs}", data={"action": "close"}).status_code == 404
    admin = client_as(archive, "administrator")
    district = admin.get(f"/api/v1/retention/due?year=2031&school={other}").get_json()
    assert [c["case_id"] for c in district["due"]] == [theirs]


def test_the_cli_lists_due_sets_and_lifts_holds_as_the_named_person(
    archive: Archive, world: World
) -> None:
    data = str(archive.settings.data_dir)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        """The CLI in the test's mode: the fixture put its servers' URLs in the environment."""
        return subprocess.run(
            [sys.executable, "-m", "archive_service.cli", "--data-dir", data, *args],
            capture_output=True,
            text=True,
            check=False,
        )

    due = json.loads(run("retention", "due", "--year", "2031", "--json").stdout)
    assert set(due) == {"year", "due", "held_back"}
    assert due["due"][0]["case_id"] == world.case
    refused = run("holds", "add", "--case", str(world.case), "--reason", "x", "--as", "director")
    assert refused.returncode == 1 and "не может приостанавливать" in refused.stderr
    made = run(
        "holds", "add", "--case", str(world.case), "--reason", "суд", "--as",
        "retention_officer", "--json",
    )  # fmt: skip
    hold_id = json.loads(made.stdout)["hold_id"]
    held = json.loads(run("retention", "due", "--year", "2031", "--json").stdout)
    assert held["due"] == [] and held["held_back"][0]["reason"] == "hold"
    assert run("holds", "lift", str(hold_id), "--reason", "решено").returncode == 0
    shown = json.loads(run("cases", "show", str(world.case), "--json").stdout)
    assert shown["retention"]["keep_until"] == "2030-12-31"
    assert ("create", f"hold:{hold_id}", "retention_officer") in [
        (r.action, r.target, r.actor) for r in AuditService(archive).find()
    ]
    assert AccountService(archive).named("retention_officer") is not None


def test_an_act_goes_through_the_api_step_by_step_with_each_role(
    archive: Archive, world: World, tmp_path: Path
) -> None:
    """The 2019/2020 journal of the world's school is due in 2026: drafted by the
    retention officer, reviewed, refused to the drafter and approved by the director,
    executed; each step by the role it needs, the rest 404; the papers come out."""
    pdf = born_digital_pdf(tmp_path / "старый.pdf", [["Журнал Старинныйжурнал 2019/2020"]])
    outcome = IngestService(archive).ingest_path(pdf)
    assert outcome.id
    old_case = FilingService(archive).file(outcome.id, Filing("02-01", school_year="2019/2020"))
    api = create_api_client(archive)
    officer, director = _basic("retention_officer"), _basic("director")

    assert api.post("/api/v1/acts", json={"year": 2026}, headers=director).status_code == 404
    nothing = api.post("/api/v1/acts", json={"year": 2020}, headers=officer)
    assert nothing.status_code == 400 and "нечего" in nothing.get_json()["error"]
    made = api.post("/api/v1/acts", json={"year": 2026}, headers=officer)
    assert made.status_code == 201
    act = made.get_json()
    assert [c["case_id"] for c in act["cases"]] == [old_case] and act["status"] == "draft"
    act_id = act["act_id"]
    path = f"/api/v1/acts/{act_id}"
    review = {"protocol": "8", "date": "2026-11-30", "members": ["Иванова И. И."]}
    assert api.post(f"{path}/approve", headers=director).status_code == 400  # not reviewed
    assert api.post(f"{path}/review", json=review, headers=director).status_code == 404
    reviewed = api.post(f"{path}/review", json=review, headers=officer).get_json()
    assert reviewed["status"] == "reviewed" and reviewed["commission"] == ["Иванова И. И."]
    assert api.post(f"{path}/approve", headers=officer).status_code == 404  # not a director
    approved = api.post(f"{path}/approve", headers=director)
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    again = api.post(f"{path}/approve", headers=director)
    assert again.status_code == 400 and "уже утверждён" in again.get_json()["error"]
    assert api.post(f"{path}/execute", headers=director).status_code == 404
    executed = api.post(f"{path}/execute", headers=officer)
    assert executed.status_code == 202
    assert api.get(path, headers=officer).get_json()["status"] == "executed"
    doc = api.get(f"/api/v1/documents/{outcome.id}", headers=officer).get_json()
    assert doc["status"] == "destroyed" and doc["act_id"] == act_id and doc["pages"] == []
    assert api.get(f"/api/v1/documents/{outcome.id}/original", headers=officer).status_code == 404
    assert api.get("/api/v1/search?q=Старинныйжурнал", headers=officer).get_json()["total"] == 0
    pdf_paper = api.get(f"{path}/paper?kind=act&format=pdf", headers=director)
    assert pdf_paper.status_code == 200 and pdf_paper.data.startswith(b"%PDF")
    xlsx = api.get(f"{path}/paper?kind=personal_data&format=xlsx", headers=officer)
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    assert api.get(f"{path}/paper?kind=nonsense", headers=officer).status_code == 400
    assert api.get(path, headers=_basic("staff")).status_code == 404
    page = client_as(archive, "retention_officer").get(f"/documents/{outcome.id}")
    assert "Документ уничтожен" in page.get_data(as_text=True)
    steps = [
        r.detail for r in AuditService(archive).find(target=f"act:{act_id}") if r.action == "change"
    ]
    assert (
        steps[0].startswith("решение ЭК") and "утверждён" in steps and "уничтожение начато" in steps
    )
