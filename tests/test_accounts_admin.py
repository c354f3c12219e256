"""The administrator's accounts, in the pages, /api/v1 and the CLI alike: a person added
with a generated password signs in with it; a new role holds from their next request; a
lock refuses their password and their scripts' tokens until unlocked; a reset replaces
the password; an administrator cannot lock or demote themselves."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from flask.testing import FlaskClient

from archive_service.accounts import AccountService
from archive_service.archive import Archive
from archive_service.services.admin.audit import AuditService
from tests.roles import PASSWORD
from web import create_app


def _basic(name: str, password: str = PASSWORD) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


def _client(archive: Archive) -> FlaskClient:
    return create_app(archive, TESTING=True, WTF_CSRF_ENABLED=False).test_client()


def _signs_in(archive: Archive, name: str, password: str) -> bool:
    answer = _client(archive).post("/login", data={"username": name, "password": password})
    return answer.status_code == 302 and "/login" not in answer.headers["Location"]


def test_the_administrator_adds_changes_locks_and_resets_an_account_through_the_api(
    archive: Archive,
) -> None:
    AccountService(archive).create("admin", PASSWORD, "administrator")
    api = _client(archive)
    admin = _basic("admin")

    created = api.post(
        "/api/v1/users", json={"username": "petrova", "role": "staff", "classes": ["9б"]},
        headers=admin,
    )  # fmt: skip
    assert created.status_code == 201
    password = created.get_json()["password"]
    assert _signs_in(archive, "petrova", password)
    teacher = _client(archive)
    teacher.post("/login", data={"username": "petrova", "password": password})
    assert teacher.get("/upload").status_code == 404  # a teacher takes nothing in

    changed = api.patch("/api/v1/users/petrova", json={"role": "archivist"}, headers=admin)
    assert changed.status_code == 200
    assert (changed.get_json()["role"], changed.get_json()["classes"]) == ("archivist", ["9Б"])
    assert teacher.get("/upload").status_code == 302  # the old session ended with the role
    token = AccountService(archive).issue_token("petrova", "сценарий")
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/documents", headers=bearer).status_code == 200

    locked = api.post("/api/v1/users/petrova/lock", headers=admin)
    assert locked.get_json()["locked"] == "administrator"
    assert not _signs_in(archive, "petrova", password)
    assert api.get("/api/v1/documents", headers=bearer).status_code == 401
    assert api.delete("/api/v1/users/petrova/lock", headers=admin).get_json()["locked"] is None
    assert _signs_in(archive, "petrova", password)
    assert api.get("/api/v1/documents", headers=bearer).status_code == 200

    reset = api.post("/api/v1/users/petrova/password-reset", headers=admin).get_json()
    assert not _signs_in(archive, "petrova", password)
    assert _signs_in(archive, "petrova", reset["password"])
    assert api.delete("/api/v1/users/petrova/tokens", headers=admin).get_json()["revoked"] == 1
    assert api.get("/api/v1/documents", headers=bearer).status_code == 401

    listed = {u["username"]: u for u in api.get("/api/v1/users", headers=admin).get_json()["users"]}
    assert listed["petrova"]["role_label"] == "архивист" and listed["petrova"]["tokens"] == 0
    actions = [(r.action, r.detail) for r in AuditService(archive).find(target="user:petrova")]
    assert ("change", "заблокирован") in actions and ("change", "новый пароль") in actions


def test_bad_requests_are_refused_with_the_reason_and_nothing_changes(archive: Archive) -> None:
    AccountService(archive).create("admin", PASSWORD, "administrator")
    AccountService(archive).create("ivanova", PASSWORD, "archivist")
    api = _client(archive)
    admin = _basic("admin")

    for path, body, said in (
        ("/api/v1/users", {"username": "x", "role": "wizard"}, "Неизвестная роль"),
        ("/api/v1/users", {"username": "ivanova", "role": "staff"}, "уже есть"),
        ("/api/v1/users", {"username": "y", "role": "staff", "classes": ["абв"]}, "не похож"),
    ):
        answer = api.post(path, json=body, headers=admin)
        assert answer.status_code == 400 and said in answer.get_json()["error"], body
    demoted = api.patch("/api/v1/users/admin", json={"role": "auditor"}, headers=admin)
    assert demoted.status_code == 400 and "Свою роль" in demoted.get_json()["error"]
    self_lock = api.post("/api/v1/users/admin/lock", headers=admin)
    assert self_lock.status_code == 400 and "Собственную" in self_lock.get_json()["error"]
    assert (
        api.patch("/api/v1/users/nobody", json={"role": "staff"}, headers=admin).status_code == 404
    )
    assert api.get("/api/v1/users", headers=_basic("ivanova")).status_code == 404
    roles = {u.username: u.role for u in AccountService(archive).overview()}
    assert roles == {"admin": "administrator", "ivanova": "archivist"}


def test_the_page_adds_an_account_and_shows_its_password_once(archive: Archive) -> None:
    AccountService(archive).create("admin", PASSWORD, "administrator")
    pages = _client(archive)
    pages.post("/login", data={"username": "admin", "password": PASSWORD})

    added = pages.post(
        "/accounts", data={"username": "sidorov", "role": "secretary"}, follow_redirects=True
    )
    text = added.get_data(as_text=True)
    assert "Пароль (показывается один раз):" in text
    password = text.split("показывается один раз): ")[1].split("<")[0].strip()
    assert _signs_in(archive, "sidorov", password)
    again = pages.get("/accounts").get_data(as_text=True)
    assert password not in again and "sidorov" in again
    pages.post("/accounts/sidorov", data={"action": "lock"})
    assert not _signs_in(archive, "sidorov", password)
    assert "заблокирована" in pages.get("/accounts").get_data(as_text=True)


def test_the_cli_changes_locks_and_lists_accounts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "archive_service.cli", "--data-dir", str(data), *args],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip

    assert cli("users", "add", "petrova", "--role", "staff", "--classes", "5А").returncode == 0
    assert cli("users", "set", "petrova", "--role", "staff", "--classes", "5А,9Б").returncode == 0
    assert cli("users", "lock", "petrova").returncode == 0
    listed = json.loads(cli("users", "list", "--json").stdout)["users"]
    assert listed == [
        {"username": "petrova", "role": "staff", "classes": ["5А", "9Б"], "school_id": 1,
         "locked": "administrator", "tokens": 0},
    ]  # fmt: skip
    assert cli("users", "unlock", "petrova").returncode == 0
    unknown = cli("users", "set", "nobody", "--role", "staff")
    assert unknown.returncode == 1 and "Пользователя «nobody» нет" in unknown.stderr
