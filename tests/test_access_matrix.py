"""Every route and API endpoint, as every role: allowed, or 404 as if nothing were there,
and exactly the audit rows each allowed access writes."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from archive_service.accounts import AccountError, AccountService
from archive_service.archive import Archive
from archive_service.schools import SchoolService
from archive_service.services.admin.audit import AuditService
from archive_service.services.records.filing import Filing, FilingService
from tests.roles import (
    AUDITORS,
    HOLD_SETTERS,
    LISTERS,
    NOMENCLATURE_EDITORS,
    PASSWORD,
    READERS,
    RETENTION_READERS,
    ROLES,
    TRANSFERERS,
    UNSCOPED_READERS,
    WRITERS,
    World,
    client_as,
)
from tests.side_by_side import run_side_by_side
from web import create_app


def routes(w: World) -> list[tuple[str, str, set[str]]]:
    """(method, path, roles that get 200); everyone else gets 404."""
    return [
        ("GET", "/documents", LISTERS),
        ("GET", f"/documents/{w.mine}", READERS),
        ("GET", f"/documents/{w.other}", UNSCOPED_READERS),
        ("GET", f"/documents/{w.other}/download/original", UNSCOPED_READERS),
        ("GET", f"/documents/{w.other}/pages/1.jpg", UNSCOPED_READERS),
        ("GET", f"/documents/{w.mine}/download/original", READERS),
        ("GET", "/search?q=журнал", LISTERS),
        ("GET", "/upload", WRITERS),
        ("GET", "/stacks", WRITERS),
        ("GET", f"/stacks/{w.stack}", WRITERS),
        ("GET", f"/api/v1/stacks/{w.stack}", WRITERS),
        ("GET", "/inbox", WRITERS),
        ("GET", "/api/v1/inbox", WRITERS),
        ("GET", "/cover-sheets", WRITERS),
        ("GET", "/api/v1/stacks", WRITERS),
        ("GET", "/api/v1/pupils", LISTERS),
        ("GET", f"/api/v1/pupils/{w.pupil_mine}", LISTERS),
        ("GET", f"/api/v1/pupils/{w.pupil_other}", UNSCOPED_READERS | {"secretary"}),
        ("GET", "/api/v1/cases", UNSCOPED_READERS),
        ("GET", f"/api/v1/cases/{w.case}/inventory.pdf", UNSCOPED_READERS),
        ("GET", "/api/v1/audit?user=archivist", AUDITORS),
        ("GET", "/pupils", LISTERS),
        ("GET", f"/pupils/{w.pupil_mine}", LISTERS),
        ("GET", f"/pupils/{w.pupil_other}", UNSCOPED_READERS | {"secretary"}),
        ("GET", "/cases", UNSCOPED_READERS),
        ("GET", f"/cases/{w.case}", UNSCOPED_READERS),
        ("GET", f"/cases/{w.case}/inventory.pdf", UNSCOPED_READERS),
        ("GET", "/nomenclature", READERS),
        ("GET", "/nomenclature/export.yaml", READERS),
        ("GET", "/nomenclature/items/02-01", NOMENCLATURE_EDITORS),
        ("GET", "/api/v1/nomenclature", READERS),
        ("GET", "/audit", AUDITORS),
        ("GET", "/retention?year=2031", RETENTION_READERS),
        ("GET", "/retention/holds", RETENTION_READERS),
        ("GET", "/api/v1/retention/due?year=2031", RETENTION_READERS),
        ("GET", "/api/v1/holds", RETENTION_READERS),
        ("GET", "/acts", RETENTION_READERS),
        ("GET", "/transfers?year=2026", TRANSFERERS),
        ("GET", "/api/v1/transfers?year=2026", TRANSFERERS),
        ("GET", "/api/v1/acts", RETENTION_READERS),
        ("GET", f"/api/v1/cases/{w.case}", UNSCOPED_READERS),
        ("GET", "/api/v1/documents", LISTERS),
        ("GET", f"/api/v1/documents/{w.mine}", READERS),
        ("GET", f"/api/v1/documents/{w.other}", UNSCOPED_READERS),
        ("GET", f"/api/v1/documents/{w.other}/original", UNSCOPED_READERS),
        ("GET", f"/api/v1/documents/{w.other}/searchable.pdf", UNSCOPED_READERS),
        ("GET", f"/api/v1/documents/{w.other}/pages/1/preview.jpg", UNSCOPED_READERS),
        ("GET", "/api/v1/search?q=журнал", LISTERS),
        ("GET", "/schools", {"administrator"}),
        ("GET", "/api/v1/schools", {"administrator"}),
        ("GET", "/api/v1/school-moves", {"administrator"}),
        ("GET", "/accounts", {"administrator"}),
        ("GET", "/api/v1/users", {"administrator"}),
        ("POST", f"/documents/{w.other}/file", set()),  # tested below: writers redirect
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_route_as_every_role(archive: Archive, world: World, role: str) -> None:
    client = client_as(archive, role)
    wrong = []
    for method, path, allowed in routes(world):
        if method != "GET":
            continue
        status = client.get(path).status_code
        expected = 200 if role in allowed else 404
        if status != expected:
            wrong.append(f"{path}: {status}, expected {expected}")
    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_filing_is_for_writers_only(archive: Archive, world: World, role: str) -> None:
    client = client_as(archive, role)
    response = client.post(
        f"/documents/{world.other}/file",
        data={"item_index": "02-01", "school_year": "2024/2025", "class_label": "9Б"},
    )
    assert response.status_code == (302 if role in WRITERS else 404)


def test_a_class_teacher_sees_no_hit_snippet_or_count_of_another_class(
    archive: Archive, world: World
) -> None:
    client = client_as(archive, "staff")
    body = client.get("/api/v1/search?q=журнал").get_json()
    assert [h["id"] for h in body["hits"]] == [world.mine]
    assert body["total"] == 1
    assert body["facets"]["class"] == {"5А": 1}
    assert "9Б" not in str(body)
    asked_other = client.get("/api/v1/search?q=журнал&class=9Б").get_json()
    assert asked_other["total"] == 0 and asked_other["facets"] == {}
    listing = client.get("/api/v1/documents").get_json()
    assert [d["id"] for d in listing["documents"]] == [world.mine]


@pytest.mark.parametrize("role", ROLES)
def test_exactly_the_allowed_accesses_are_audited(
    archive: Archive, world: World, role: str
) -> None:
    client = client_as(archive, role)
    audit = AuditService(archive)
    before = len(audit.find(actor=role))
    client.get(f"/documents/{world.other}")
    client.get(f"/documents/{world.other}/download/original")
    client.get(f"/api/v1/documents/{world.other}")
    rows = audit.find(actor=role)[before:]
    seen = [(r.action, r.target, r.role, r.outcome, r.detail) for r in rows]
    if role in UNSCOPED_READERS:
        assert seen == [
            ("view", f"document:{world.other}", role, "ok", ""),
            ("download", f"document:{world.other}", role, "ok", "original"),
            ("view", f"document:{world.other}", role, "ok", ""),
        ]
    elif role in LISTERS:  # a class teacher trying another class, the secretary a
        # journal: each refusal recorded
        assert seen == [("view", f"document:{world.other}", role, "denied", "")] * 3
    else:  # no records at all: refused at the door, before any record is looked up
        assert seen == []
    assert audit.verify().broken_at is None


def test_sign_in_failures_lock_the_account_for_a_while(archive: Archive, world: World) -> None:
    client = create_app(archive, TESTING=True, WTF_CSRF_ENABLED=False).test_client()
    for _ in range(5):
        client.post("/login", data={"username": "director", "password": "не тот пароль"})
    locked = client.post("/login", data={"username": "director", "password": PASSWORD})
    assert locked.status_code == 401
    assert "вход закрывается на 15 минут" in locked.get_data(as_text=True)
    denied = AuditService(archive).find(target="user:director")
    assert [r.outcome for r in denied] == ["denied"] * 6


def test_password_change_needs_the_old_one(archive: Archive, world: World) -> None:
    client = client_as(archive, "archivist")
    wrong = client.post(
        "/account/password", data={"old": "нет", "new": "новый-пароль-1", "again": "новый-пароль-1"}
    )
    assert wrong.status_code == 400 and "Текущий пароль неверен" in wrong.get_data(as_text=True)
    ok = client.post(
        "/account/password",
        data={"old": PASSWORD, "new": "новый-пароль-1", "again": "новый-пароль-1"},
    )
    assert ok.status_code == 302
    assert AccountService(archive).authenticate("archivist", "новый-пароль-1") is not None


def test_the_same_user_created_twice_at_once_is_refused_once_with_a_reason(
    archive: Archive,
) -> None:
    """Two administrators add the same colleague at the same moment: one account is
    made, the other gets «уже есть», not a database error."""

    def create() -> object:
        return AccountService(archive).create("petrova", PASSWORD, "staff", ["5А"])

    first, second = run_side_by_side(create, create)
    refused = [r for r in (first, second) if isinstance(r, Exception)]
    assert len(refused) == 1, (first, second)
    assert isinstance(refused[0], AccountError) and "уже есть" in str(refused[0])
    assert [a.username for a in AccountService(archive).all()].count("petrova") == 1


def test_health_data_needs_its_own_permission(archive: Archive, world: World) -> None:
    FilingService(archive).file(
        world.other,
        Filing("02-01", school_year="2024/2025", class_label="9Б", health_data=True),
    )
    for role in ROLES:
        client = client_as(archive, role)
        page = client.get(f"/documents/{world.other}").status_code
        found = client.get("/api/v1/search?q=журнал").get_json() or {}
        listed = client.get("/api/v1/documents").get_json() or {}
        sees = role in {"administrator", "director"}
        assert page == (200 if sees else 404), role
        if role in READERS:
            assert (world.other in {h["id"] for h in found["hits"]}) is sees, role
            assert (world.other in {d["id"] for d in listed["documents"]}) is sees, role
            assert "access" not in found["facets"]


def test_scripts_use_a_token_until_it_is_revoked(archive: Archive, world: World) -> None:
    token = AccountService(archive).issue_token("archivist", "выгрузка")
    client = create_app(archive, TESTING=True).test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/documents/{world.other}", headers=auth).status_code == 200
    assert (
        client.get("/api/v1/documents", headers={"Authorization": "Bearer sa_wrong"}).status_code
        == 401
    )
    assert AccountService(archive).revoke_tokens("archivist") == 1
    assert client.get("/api/v1/documents", headers=auth).status_code == 401
    assert client.get("/documents", headers=auth).status_code == 302  # not for the UI


def post_routes(w: World) -> list[tuple[str, dict[str, str], set[str]]]:
    """(path, form, roles let in); a role let in may still get 400 for a bad form."""
    case_writers = WRITERS
    return [
        ("/upload", {}, WRITERS),
        (f"/stacks/{w.stack}/retry", {}, WRITERS),
        ("/api/v1/stacks", {}, WRITERS),
        (f"/api/v1/stacks/{w.stack}/retry", {}, WRITERS),
        (f"/documents/{w.other}/retry", {}, WRITERS),
        ("/documents/retry-failed", {}, WRITERS),
        (f"/inbox/{w.other}/file", {}, WRITERS),
        (f"/api/v1/documents/{w.other}/filing", {}, WRITERS),
        ("/nomenclature", {}, NOMENCLATURE_EDITORS),
        ("/nomenclature/items/02-01", {"index": "02-01"}, NOMENCLATURE_EDITORS),
        ("/nomenclature/year", {"year": "1"}, NOMENCLATURE_EDITORS),
        ("/api/v1/nomenclature", {}, NOMENCLATURE_EDITORS),
        ("/pupils", {}, WRITERS),
        ("/api/v1/pupils", {}, WRITERS),
        (
            f"/api/v1/pupils/{w.pupil_mine}/events",
            {"kind": "admitted", "on": "2024-09-01"},
            WRITERS | TRANSFERERS,
        ),
        (f"/api/v1/cases/{w.case}", {"action": "location", "room": "1"}, WRITERS),
        ("/api/v1/cover-sheets", {"item_index": "99-99"}, WRITERS),
        (
            f"/pupils/{w.pupil_mine}/events",
            {"kind": "admitted", "on": "2024-09-01"},
            WRITERS | TRANSFERERS,
        ),
        (f"/pupils/{w.pupil_mine}/transfer", {}, TRANSFERERS),
        (f"/api/v1/pupils/{w.pupil_mine}/transfers", {}, TRANSFERERS),
        ("/pupils/receive", {}, TRANSFERERS),
        ("/schools", {"name": ""}, {"administrator"}),
        ("/api/v1/schools", {"name": ""}, {"administrator"}),
        ("/schools/1/merge", {}, {"administrator"}),
        ("/api/v1/schools/1/merge", {}, {"administrator"}),
        ("/schools/import", {}, {"administrator"}),
        ("/accounts", {"username": ""}, {"administrator"}),
        ("/api/v1/users", {"username": ""}, {"administrator"}),
        ("/accounts/archivist", {"action": "revoke"}, {"administrator"}),
        ("/api/v1/users/archivist/password-reset", {}, {"administrator"}),
        ("/schools/1/address", {"address": ""}, {"administrator"}),
        ("/api/v1/school-imports", {}, {"administrator"}),
        ("/schools/99/export", {}, set()),  # no such school: 404 for everyone
        ("/api/v1/schools/99/export", {}, set()),
        ("/api/v1/transfer-packages", {}, TRANSFERERS),
        ("/retention/holds", {"reason": ""}, HOLD_SETTERS),
        ("/api/v1/holds", {"reason": ""}, HOLD_SETTERS),
        ("/acts", {"year": "1"}, HOLD_SETTERS),
        ("/api/v1/acts", {"year": "1"}, HOLD_SETTERS),
        ("/school-view", {}, {"administrator", "district_archivist", "district_auditor"}),
        ("/cover-sheets", {"item_index": "99-99"}, WRITERS),
        (f"/cases/{w.case}", {"action": "location", "room": "1"}, case_writers),
        ("/api/v1/documents", {}, WRITERS),
        (f"/api/v1/documents/{w.other}/retry", {}, WRITERS),
        ("/api/v1/documents/retry-failed", {}, WRITERS),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_write_route_as_every_role(archive: Archive, world: World, role: str) -> None:
    client = client_as(archive, role)
    wrong = []
    basic = base64.b64encode(f"{role}:{PASSWORD}".encode()).decode()
    for path, form, allowed in post_routes(world):
        # Scripts call the API with their credentials (and so without a CSRF token).
        headers = {"Authorization": f"Basic {basic}"} if path.startswith("/api/") else {}
        status = client.post(path, data=form, headers=headers).status_code
        if role in allowed and status == 404:
            wrong.append(f"{path}: 404 for a role that may write")
        if role not in allowed and status != 404:
            wrong.append(f"{path}: {status} for a role that may not write")
    assert wrong == []


def test_each_change_writes_its_audit_row(archive: Archive, world: World) -> None:
    client = client_as(archive, "archivist")
    client.post(
        f"/pupils/{world.pupil_mine}/events",
        data={"kind": "graduated", "on": "2025-06-25", "basis": "приказ № 80"},
    )
    client.post(f"/cases/{world.case}", data={"action": "location", "room": "12"})
    client.get(f"/cases/{world.case}/inventory.pdf")
    rows = [(r.action, r.target, r.detail) for r in AuditService(archive).find(actor="archivist")]
    assert rows[-3:] == [
        ("change", f"pupil:{world.pupil_mine}", "graduated"),
        ("change", f"case:{world.case}", "место хранения"),
        ("export", f"case:{world.case}", "внутренняя опись"),
    ]


def test_a_search_is_audited_with_what_it_showed(archive: Archive, world: World) -> None:
    client = client_as(archive, "staff")
    client.get("/search?q=журнал")
    client.get("/api/v1/search?q=журнал&year=2024/2025")
    rows = [r for r in AuditService(archive).find(actor="staff") if r.action == "search"]
    assert [r.detail for r in rows] == [
        "«журнал»: документов 1",
        "«журнал» {'year': '2024/2025'}: документов 1",
    ]


def test_the_secretary_sees_personal_files_and_no_other_record(
    archive: Archive, world: World, tmp_path: Path
) -> None:
    from archive_service.services.pipeline.ingest import IngestService
    from tests.pagegen import born_digital_pdf

    pdf = born_digital_pdf(tmp_path / "лд.pdf", [["Личная карта обучающегося Кузнецов журнал"]])
    outcome = IngestService(archive).ingest_path(pdf)
    assert outcome.id
    FilingService(archive).file(outcome.id, Filing("04-01", pupil_ids=[world.pupil_other]))
    client = client_as(archive, "secretary")
    assert client.get(f"/documents/{outcome.id}").status_code == 200
    assert client.get(f"/documents/{world.other}").status_code == 404
    found = client.get("/api/v1/search?q=журнал").get_json()
    assert [h["id"] for h in found["hits"]] == [outcome.id]
    assert set(found["facets"].get("kind", {})) == {"04-01"}
    listed = client.get("/api/v1/documents").get_json()
    assert [d["id"] for d in listed["documents"]] == [outcome.id]
    pupil_page = client.get(f"/pupils/{world.pupil_other}").get_data(as_text=True)
    assert outcome.id in pupil_page and world.other not in pupil_page
    assert client.get("/cases").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_only_the_controls_it_may_use(
    archive: Archive, world: World, role: str
) -> None:
    """A form a role may not submit is not shown to it: filing on a document, the paper
    original's place and closing on a case, a pupil's event."""
    client = client_as(archive, role)
    pages = {
        f"/documents/{world.mine}": ("filing-form", role in WRITERS),
        f"/cases/{world.case}": ('value="location"', role in WRITERS),
        f"/pupils/{world.pupil_mine}": ("Записать событие", role in WRITERS | TRANSFERERS),
    }
    wrong = []
    for path, (control, shown) in pages.items():
        response = client.get(path)
        if response.status_code != 200:
            continue  # a page the role may not open at all is the route matrix's
        if (control in response.get_data(as_text=True)) != shown:
            wrong.append(f"{path}: {control} {'missing' if shown else 'shown'}")
    assert wrong == []


DISTRICT = {"administrator", "district_archivist", "district_auditor"}


@pytest.mark.parametrize("role", [r for r in ROLES if r not in DISTRICT])
def test_every_route_as_every_role_of_another_school(
    archive: Archive, world: World, role: str
) -> None:
    """The same matrix for the people of a second school of the deployment: every page
    and endpoint that names a record of the first school answers 404, as if it were
    not there; a list or search they may use answers, without any of those records."""
    SchoolService(archive).add("Лицей № 2")
    name = f"{role}-лицей"
    classes = ["5А", "9Б"] if role == "staff" else None  # the same labels as the first school
    AccountService(archive).create(name, PASSWORD, role, classes, "Лицей № 2")
    client = create_app(archive, TESTING=True, WTF_CSRF_ENABLED=False).test_client()
    assert client.post("/login", data={"username": name, "password": PASSWORD}).status_code == 302
    records = [world.mine, world.other, world.pupil_mine, world.pupil_other]
    named = [*records, f"/cases/{world.case}", f"/stacks/{world.stack}"]
    wrong = []
    for method, path, allowed in routes(world):
        if method != "GET":
            continue
        answer = client.get(path)
        expected = 404 if any(x in path for x in named) or role not in allowed else 200
        if answer.status_code != expected:
            wrong.append(f"{path}: {answer.status_code}, expected {expected}")
        elif expected == 200:
            shown = [r for r in records if r in answer.get_data(as_text=True)]
            if shown:
                wrong.append(f"{path} shows the other school's {shown}")
    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_the_notice_of_enrolment_is_written_by_those_who_transfer_only(
    archive: Archive, world: World, role: str, tmp_path: Path
) -> None:
    """The receiving school's notice on an issued personal file: the page's form and
    the API take it from the secretary, the director and the administrator; everyone
    else meets 404, and the transfer stays without a notice."""
    from datetime import date

    from archive_service.services.pipeline.ingest import IngestService
    from archive_service.services.records.transfers import Application, TransferService
    from tests.pagegen import born_digital_pdf

    card = born_digital_pdf(tmp_path / "карта.pdf", [["Личная карта обучающегося Смирнова"]])
    outcome = IngestService(archive).ingest_path(card)
    assert outcome.id
    FilingService(archive).file(outcome.id, Filing("04-01", pupil_ids=[world.pupil_mine]))
    issued = TransferService(archive).issue(
        world.pupil_mine,
        Application(
            date(2026, 9, 1), "Смирнова Ольга", "паспорт 1234", "СОШ № 7", "12", date(2026, 9, 2)
        ),
        by="secretary",
    )
    client = client_as(archive, role)
    basic = base64.b64encode(f"{role}:{PASSWORD}".encode()).decode()
    notice = {"notice_on": "2026-09-10", "notice": "№ 45 от 10.09.2026"}
    page = client.post(f"/transfers/{issued.id}/notice", data=notice)
    api = client.post(
        f"/api/v1/transfers/{issued.id}/notice",
        json=notice,
        headers={"Authorization": f"Basic {basic}"},
    )
    recorded = TransferService(archive).get(issued.id)
    if role in TRANSFERERS:
        assert (page.status_code, api.status_code) == (302, 200)
        assert recorded.as_dict()["notice"]
    else:
        assert (page.status_code, api.status_code) == (404, 404)
        assert not recorded.as_dict()["notice"]


def test_the_audit_log_reads_in_words(archive: Archive, world: World) -> None:
    """An auditor reads «просмотр … отказано» and the document's title, not `view`,
    `denied` and `document:5f3a…`; the code stays beside it, to look further."""
    from archive_service.access import ROLE_LABELS_RU, Role
    from archive_service.services.pipeline.documents import DocumentService

    client_as(archive, "staff").get(f"/documents/{world.other}")  # another class: refused
    page = client_as(archive, "auditor").get(f"/audit?target=document:{world.other}")
    text = " ".join(page.get_data(as_text=True).split())
    title = DocumentService(archive).get(world.other)["title"]
    assert f"документ «{title}»" in text and f"document:{world.other}" in text
    assert "<td>просмотр</td>" in text and "отказано" in text
    assert f"<td>{ROLE_LABELS_RU[Role.STAFF]}</td>" in text
    assert "<td>view</td>" not in text and "denied" not in text.replace("outcome-denied", "")
