"""The holes a probe of the running web app found, tried as an attacker would: each
test failed before its fix (issue «Nothing lost, nothing leaked»)."""

from __future__ import annotations

import base64
import io
import re
from dataclasses import replace
from datetime import timedelta

import pdfplumber
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from archive_service.archive import Archive
from archive_service.catalog.models import WebSession, utcnow
from archive_service.services.admin.audit import AuditService
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.records.filing import Filing, FilingService
from tests.pagegen import born_digital_pdf
from tests.roles import PASSWORD, World, client_as
from web import create_app

HUGE = str(10**30)


def _hide_as_health_data(archive: Archive, world: World) -> str:
    FilingService(archive).file(
        world.other, Filing("02-01", school_year="2024/2025", class_label="9Б", health_data=True)
    )
    return str(DocumentService(archive).get(world.other)["title"])


def test_an_archivist_cannot_refile_a_record_hidden_from_them(
    archive: Archive, world: World
) -> None:
    _hide_as_health_data(archive, world)
    client = client_as(archive, "archivist")
    form = {"item_index": "02-01", "school_year": "2024/2025", "class_label": "9Б"}
    assert client.post(f"/documents/{world.other}/file", data=form).status_code == 404
    assert client.post(f"/inbox/{world.other}/file").status_code == 404
    assert DocumentService(archive).access_of(world.other)[:2] == ("9Б", True)  # still hidden
    assert client_as(archive, "staff").get(f"/documents/{world.other}").status_code == 404


def test_a_case_shows_no_title_or_id_its_reader_may_not_open_and_its_view_is_audited(
    archive: Archive, world: World
) -> None:
    title = _hide_as_health_data(archive, world)
    archivist = client_as(archive, "archivist")
    page = archivist.get(f"/cases/{world.case}").get_data(as_text=True)
    assert world.other not in page and f">{title}<" not in page
    assert "Документ ограниченного доступа" in page
    inventory = archivist.get(f"/cases/{world.case}/inventory.pdf").data
    with pdfplumber.open(io.BytesIO(inventory)) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages)
    assert "ограниченного доступа" in text.replace("\n", " ")
    assert world.other not in text
    director = client_as(archive, "director").get(f"/cases/{world.case}").get_data(as_text=True)
    assert world.other in director  # who may open it sees it
    views = [r for r in AuditService(archive).find(target=f"case:{world.case}")]
    assert [(r.actor, r.action) for r in views if r.action == "view"] == [
        ("archivist", "view"),
        ("director", "view"),
    ]


def _session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _with_cookie(archive: Archive, value: str) -> FlaskClient:
    client = create_app(archive, TESTING=True, WTF_CSRF_ENABLED=False).test_client()
    client.set_cookie("session", value)
    return client


def test_a_session_ends_on_the_server_at_logout(archive: Archive, world: World) -> None:
    client = client_as(archive, "archivist")
    stolen = _session_cookie(client)
    assert _with_cookie(archive, stolen).get("/documents").status_code == 200
    client.post("/logout")
    assert _with_cookie(archive, stolen).get("/documents").status_code == 302  # to sign-in


def test_a_new_password_ends_every_other_session(archive: Archive, world: World) -> None:
    elsewhere = _session_cookie(client_as(archive, "archivist"))
    here = client_as(archive, "archivist")
    new = "новый-пароль-надёжный"
    changed = here.post("/account/password", data={"old": PASSWORD, "new": new, "again": new})
    assert changed.status_code == 302
    assert _with_cookie(archive, elsewhere).get("/documents").status_code == 302
    assert here.get("/documents").status_code == 200  # the one who changed it stays in


def test_a_session_has_an_absolute_end_that_use_does_not_move(
    archive: Archive, world: World
) -> None:
    client = client_as(archive, "archivist")
    with archive.catalog.session() as s:
        (ends,) = s.scalars(select(WebSession.expires_at)).all()
    assert timedelta(hours=7, minutes=59) < ends - utcnow() <= timedelta(hours=8)
    for _ in range(3):
        response = client.get("/documents")
        assert response.status_code == 200
    with archive.catalog.session() as s:
        assert s.scalars(select(WebSession.expires_at)).all() == [ends]
        s.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert client.get("/documents").status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "/%09/example.org/",
        "//example.org/",
        "/%5Cexample.org/",
        "/%0A/example.org/",
        "https://example.org/",
        "/\\example.org",
    ],
)
def test_signing_in_never_leads_off_site(archive: Archive, world: World, target: str) -> None:
    client = create_app(archive, TESTING=True, WTF_CSRF_ENABLED=False).test_client()
    response = client.post(
        f"/login?next={target}", data={"username": "archivist", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_signing_in_keeps_a_path_of_the_archive(archive: Archive, world: World) -> None:
    client = create_app(archive, TESTING=True, WTF_CSRF_ENABLED=False).test_client()
    response = client.post(
        "/login?next=/documents%3Fstatus%3Dfailed",
        data={"username": "archivist", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/documents?status=failed"


def test_page_images_refusals_and_http_basic_sign_ins_are_audited(
    archive: Archive, world: World
) -> None:
    staff = client_as(archive, "staff")
    assert staff.get(f"/documents/{world.mine}/pages/1.jpg").status_code == 200
    assert staff.get(f"/documents/{world.other}").status_code == 404
    assert staff.get(f"/api/v1/documents/{world.mine}/pages/99/preview.jpg").status_code == 404
    rows = [
        (r.action, r.target, r.outcome, r.detail) for r in AuditService(archive).find(actor="staff")
    ]
    assert rows[-2:] == [
        ("download", f"document:{world.mine}", "ok", "лист 1"),
        ("view", f"document:{world.other}", "denied", ""),
    ]  # and nothing for the sheet that does not exist
    script = create_app(archive, TESTING=True).test_client()
    for password, status in ((PASSWORD, 200), ("не тот", 401)):
        basic = base64.b64encode(f"director:{password}".encode()).decode()
        answer = script.get("/api/v1/documents", headers={"Authorization": f"Basic {basic}"})
        assert answer.status_code == status
    logins = [
        (r.outcome, r.detail)
        for r in AuditService(archive).find(target="user:director")
        if r.action == "login"
    ]
    assert logins == [("ok", "HTTP Basic"), ("denied", "HTTP Basic")]


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/documents?offset={HUGE}",
        f"/api/v1/search?q=журнал&offset={HUGE}",
        f"/documents?page={HUGE}",
        f"/search?q=журнал&page={HUGE}",
        f"/nomenclature?year={HUGE}",
        f"/nomenclature/export.yaml?year={HUGE}",
        f"/cases/{HUGE}",
        f"/cases/{HUGE}/inventory.pdf",
        "/documents/{mine}/pages/" + HUGE + ".jpg",
        "/api/v1/documents/{mine}/pages/" + HUGE + "/preview.jpg",
    ],
)
def test_huge_numbers_are_a_clear_answer_never_a_server_error(
    archive: Archive, world: World, path: str
) -> None:
    client = client_as(archive, "administrator")
    status = client.get(path.format(mine=world.mine)).status_code
    assert status in (200, 404), status


def test_a_huge_case_number_on_cover_sheets_is_refused_in_words(
    archive: Archive, world: World
) -> None:
    client = client_as(archive, "archivist")
    response = client.post("/cover-sheets", data={"item_index": "02-01", "case_id": HUGE})
    assert response.status_code == 400
    assert f"Дела № {HUGE} в архиве нет" in response.get_data(as_text=True)


def test_the_audit_export_keeps_a_formula_in_a_file_name_inert(
    archive: Archive, world: World
) -> None:
    client = client_as(archive, "administrator")
    name = "=HYPERLINK(A1;B1)+протокол.pdf"
    pdf = born_digital_pdf(archive.settings.tmp_dir / "x.pdf", [["Протокол"]])
    client.post("/upload", data={"files": [(pdf.open("rb"), name)]})
    (created,) = [r for r in AuditService(archive).find(actor="administrator") if r.detail == name]
    export = client.get(f"/audit?target={created.target}&format=csv").data.decode("utf-8-sig")
    assert f"'{name}" in export.replace('""', '"')
    assert not re.search(r"(^|,)\"?=HYPERLINK", export, re.M)


def test_the_lockout_says_the_same_for_a_known_and_an_unknown_name(
    archive: Archive, world: World
) -> None:
    client = create_app(archive, TESTING=True, WTF_CSRF_ENABLED=False).test_client()
    said = {}
    for name in ("director", "nobody-here"):
        for _ in range(6):
            answer = client.post("/login", data={"username": name, "password": "не тот"})
        page = answer.get_data(as_text=True).replace(name, "ИМЯ")
        page = re.sub(r'name="csrf_token" value="[^"]*"', "", page)
        said[name] = re.sub(r"\s+", " ", page)
    assert said["director"] == said["nobody-here"]


def test_a_wrong_authorization_header_does_not_excuse_a_cookie_from_csrf(
    archive: Archive, world: World
) -> None:
    client = create_app(archive, TESTING=True).test_client()  # CSRF on
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    signed_in = client.post(
        "/login",
        data={"username": "archivist", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert signed_in.status_code == 302
    junk = {"Authorization": "Basic " + base64.b64encode(b"x:y").decode()}
    assert client.post("/api/v1/documents/retry-failed", headers=junk).status_code in (400, 401)
    assert client.post("/api/v1/documents/retry-failed").status_code == 400  # cookie: no token
    basic = base64.b64encode(f"archivist:{PASSWORD}".encode()).decode()
    own = {"Authorization": f"Basic {basic}"}
    assert client.post("/api/v1/documents/retry-failed", headers=own).status_code == 202


def test_page_images_are_kept_by_no_shared_cache(archive: Archive, world: World) -> None:
    client = client_as(archive, "administrator")
    for path in (
        f"/documents/{world.mine}/pages/1.jpg",
        f"/api/v1/documents/{world.mine}/pages/1/preview.jpg",
        f"/documents/{world.mine}/download/original",
    ):
        cache = client.get(path).headers["Cache-Control"]
        assert "public" not in cache and "private" in cache and "no-store" in cache, path


def test_behind_a_tls_proxy_cookies_are_secure_and_the_client_address_is_audited(
    archive: Archive, world: World
) -> None:
    proxied = replace(archive, settings=replace(archive.settings, behind_tls_proxy=True))
    client = create_app(proxied, TESTING=True, WTF_CSRF_ENABLED=False).test_client()
    response = client.post(
        "/login",
        data={"username": "archivist", "password": PASSWORD},
        headers={"X-Forwarded-For": "10.1.2.3", "X-Forwarded-Proto": "https"},
    )
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]
    (login,) = [r for r in AuditService(archive).find(target="user:archivist")]
    assert login.address == "10.1.2.3"
