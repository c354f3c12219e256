"""Shared fixtures. Real parts everywhere: Tesseract, SQLite, the filesystem, Chromium.

A test that needs a tool this machine lacks is skipped on a developer's machine but
fails under CI=true, so CI can never pass by skipping.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from flask.testing import FlaskClient

import workers.tasks  # noqa: F401  (registers the tasks that eager mode runs in-process)
from archive_service.archive import Archive
from archive_service.config import Settings, load_settings
from tests.disposal_world import cases  # noqa: F401  (past years' cases, for disposal tests)
from tests.eager import eager_archive
from tests.needs import require
from tests.roles import world  # noqa: F401  (the roles' world, for every test module)
from tests.scaled_cluster import scaled_env  # noqa: F401  (a scaled archive's servers)
from tests.second_archive import receiving  # noqa: F401  (another deployment, same mode)
from tests.services import elasticsearch_index, minio_bucket, postgres_database, redis_url

ADMIN_PASSWORD = "пароль-для-тестов"


@pytest.fixture(scope="session")
def tesseract() -> str:
    path = shutil.which("tesseract")
    require(path is not None, "tesseract")
    assert path is not None
    import pytesseract

    langs = set(pytesseract.get_languages(config=""))
    require({"rus", "eng", "osd"} <= langs, "tesseract languages rus, eng and osd")
    return path


MODES = ["embedded", "scaled"]


@pytest.fixture(params=MODES)
def settings(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """Settings of a fresh archive, in each mode: embedded (SQLite, files, FTS5) and
    scaled (PostgreSQL, MinIO, Elasticsearch on the servers scripts/services.sh runs)."""
    data = tmp_path / "data"
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(data))
    for name in (
        "ARCHIVE_DATABASE_URL",
        "ARCHIVE_STORAGE_URL",
        "ARCHIVE_SEARCH_URL",
        "ARCHIVE_BROKER_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    with ExitStack() as stack:
        if request.param == "scaled":
            monkeypatch.setenv("ARCHIVE_DATABASE_URL", stack.enter_context(postgres_database()))
            monkeypatch.setenv("ARCHIVE_STORAGE_URL", stack.enter_context(minio_bucket()))
            monkeypatch.setenv("ARCHIVE_SEARCH_URL", stack.enter_context(elasticsearch_index()))
            monkeypatch.setenv("ARCHIVE_BROKER_URL", redis_url())
        yield load_settings()


@pytest.fixture
def archive(settings: Settings) -> Iterator[Archive]:
    """An archive whose background work runs in-process through the real task code."""
    with eager_archive(settings) as arch:
        yield arch


@pytest.fixture
def client(archive: Archive) -> FlaskClient:
    """Flask's client signed in as an administrator of the archive (CSRF off): the pages
    as the person who may do everything sees them. Modules that need another setup
    define their own `client`."""
    from archive_service.accounts import AccountService
    from web import create_app

    AccountService(archive).create("archivist", ADMIN_PASSWORD, "administrator")
    app = create_app(archive, TESTING=True, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    client.post("/login", data={"username": "archivist", "password": ADMIN_PASSWORD})
    return client
