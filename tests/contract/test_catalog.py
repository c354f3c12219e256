"""The catalog contract: every database (SQLite now, PostgreSQL next) passes it."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from archive_service.archive import Archive, NoDispatch
from archive_service.catalog import Catalog, CatalogBusy, Document, DocumentEvent, Page, baseline
from archive_service.catalog.db import MIGRATIONS_DIR, SCHEMA_HEAD, WriteInReading
from archive_service.catalog.models import Base
from archive_service.catalog.write_baseline import migrated_dump
from archive_service.config import load_settings
from archive_service.domain import DocumentStatus, PageState
from archive_service.services.pipeline.processing import ProcessingService
from archive_service.storage import open_store
from search import open_index
from tests.services import postgres_database

DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(params=DATABASES)
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'catalog.sqlite3'}"
        else:
            url = stack.enter_context(postgres_database())
        cat = Catalog(url)
        stack.callback(cat.dispose)
        cat.migrate()
        yield cat


def document(doc_id: str, sha: str, pages: int = 2) -> Document:
    return Document(
        id=doc_id,
        filename=f"{doc_id}.pdf",
        title=doc_id,
        media_type="application/pdf",
        size=10,
        sha256=sha,
        storage_key=f"documents/{doc_id}/original.pdf",
        page_count=pages,
    )


def test_migrations_match_the_models(catalog: Catalog) -> None:
    with catalog.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_the_schema_head_the_catalog_checks_is_alembics_newest_migration(
    catalog: Catalog,
) -> None:
    """Opening skips alembic when the catalog is at SCHEMA_HEAD: a new migration must
    move that constant, or catalogs would never be upgraded to it."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(cfg).get_current_head() == SCHEMA_HEAD
    assert catalog.schema_revisions() == [SCHEMA_HEAD]


def test_the_baseline_a_new_sqlite_catalog_is_made_from_is_what_the_migrations_make() -> None:
    """A new SQLite catalog is made from baseline.sql, not by the migrations: a new
    migration without the file written again fails here, with the command to do it."""
    assert migrated_dump() == baseline.BASELINE_SQL.read_text(encoding="utf-8"), (
        "baseline.sql is behind the migrations: python -m archive_service.catalog.write_baseline"
    )


NEW_CATALOG = """
import sqlite3, sys
from archive_service.catalog import Catalog
from archive_service.catalog.baseline import dump
catalog = Catalog(f"sqlite:///{sys.argv[1]}")
catalog.migrate()
print("alembic" in sys.modules, catalog.schema_revisions())
with sqlite3.connect(sys.argv[1]) as conn:
    sys.stdout.write(dump(conn))
"""


def test_a_new_sqlite_catalog_is_made_at_head_without_loading_the_migrations(
    tmp_path: Path,
) -> None:
    """The first `ingest --wait` into a new data folder waited ~0.85 s, twice (the
    command and its worker), for 23 migrations to be replayed."""
    out = subprocess.run(
        [sys.executable, "-c", NEW_CATALOG, str(tmp_path / "catalog.sqlite3")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    first, made = out.split("\n", 1)
    assert first == f"False ['{SCHEMA_HEAD}']"
    assert made == baseline.BASELINE_SQL.read_text(encoding="utf-8")


def test_migrate_twice_is_harmless(catalog: Catalog) -> None:
    catalog.migrate()
    with catalog.session() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 0


def test_sha256_is_unique(catalog: Catalog) -> None:
    with catalog.session() as s:
        s.add(document("a" * 32, "1" * 64))
    with pytest.raises(IntegrityError), catalog.session() as s:
        s.add(document("b" * 32, "1" * 64))


def test_a_failed_transaction_leaves_nothing(catalog: Catalog) -> None:
    with pytest.raises(RuntimeError), catalog.session() as s:
        s.add(document("c" * 32, "2" * 64))
        s.flush()
        raise RuntimeError("сбой посреди транзакции")
    with catalog.session() as s:
        assert s.get(Document, "c" * 32) is None


def test_a_reading_session_answers_while_a_writer_holds_the_catalog(catalog: Catalog) -> None:
    """A page opened while the worker files a stack: the read sees the last committed
    state at once, where a writing session would queue behind the writer."""
    with catalog.session() as s:
        s.add(document("before", "a" * 64))
    with catalog.session() as writer:
        writer.add(document("during", "b" * 64))
        writer.flush()  # the write lock is held from here (SQLite) until commit
        started = time.monotonic()
        with catalog.reading() as r:
            seen = set(r.scalars(select(Document.id)))
        waited = time.monotonic() - started
    assert seen == {"before"}
    assert waited < 5  # the busy timeout is 60 s: a queued read would not be back


def test_a_write_in_a_reading_session_is_refused(catalog: Catalog) -> None:
    with pytest.raises(WriteInReading), catalog.reading() as r:
        r.add(document("sneaked", "c" * 64))
    with pytest.raises(WriteInReading), catalog.reading() as r:
        r.execute(delete(Document))
    with catalog.reading() as r:
        assert r.scalar(select(func.count()).select_from(Document)) == 0


def test_deleting_a_document_removes_its_pages_and_events(catalog: Catalog) -> None:
    with catalog.session() as s:
        s.add(document("d" * 32, "3" * 64))
        s.add(Page(document_id="d" * 32, number=1))
        s.add(DocumentEvent(document_id="d" * 32, kind="ingested"))
    with catalog.session() as s:
        doc = s.get(Document, "d" * 32)
        s.delete(doc)
    with catalog.session() as s:
        assert s.scalar(select(func.count()).select_from(Page)) == 0
        assert s.scalar(select(func.count()).select_from(DocumentEvent)) == 0


def test_finalisation_is_claimed_exactly_once_under_concurrency(
    catalog: Catalog, tmp_path: Path
) -> None:
    settings = load_settings(tmp_path / "data")
    archive = Archive(
        settings=settings,
        catalog=catalog,
        store=open_store(settings.storage_url),
        index=open_index(settings.search_url),
        dispatcher=NoDispatch(),
    )
    with catalog.session() as s:
        s.add(document("e" * 32, "4" * 64, pages=8))
        for n in range(1, 9):
            s.add(Page(document_id="e" * 32, number=n, state=PageState.DONE))
    with catalog.session() as s:
        doc = s.get(Document, "e" * 32)
        assert doc is not None
        doc.status = DocumentStatus.PROCESSING
    claims: list[bool] = []
    barrier = threading.Barrier(8)

    def claim() -> None:
        barrier.wait()
        claims.append(ProcessingService(archive).claim_finalisation("e" * 32))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claims) == [False] * 7 + [True]


def test_an_exclusive_lock_refuses_a_second_holder_until_released(catalog: Catalog) -> None:
    """Another process (here another engine on the same database) is refused at once
    while the lock is held, and gets it once released; other names are not held."""
    other = Catalog(catalog.url)
    try:
        with catalog.exclusive("search-index-rebuild"):
            with pytest.raises(CatalogBusy), other.exclusive("search-index-rebuild"):
                pass
            with other.exclusive("something-else"):
                pass
        with other.exclusive("search-index-rebuild"):
            pass
    finally:
        other.dispose()


def test_a_waiting_holder_gets_the_lock_once_the_first_lets_go(catalog: Catalog) -> None:
    """`exclusive(wait=True)` blocks while another holds the lock, instead of refusing."""
    other = Catalog(catalog.url)
    order: list[str] = []
    try:
        with catalog.exclusive("search-index-relay"):
            waiter = threading.Thread(target=_take_and_note, args=(other, order))
            waiter.start()
            waiter.join(1.0)
            assert waiter.is_alive(), "the second holder did not wait"
            order.append("first let go")
        waiter.join(30)
        assert order == ["first let go", "second held"]
    finally:
        other.dispose()


def _take_and_note(catalog: Catalog, order: list[str]) -> None:
    with catalog.exclusive("search-index-relay", wait=True):
        order.append("second held")


HOLD_AND_WAIT = """
import sys, time
from archive_service.catalog import Catalog
with Catalog(sys.argv[1]).exclusive("search-index-rebuild"):
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_lock_holder_that_was_killed_leaves_the_lock_free(catalog: Catalog) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_AND_WAIT, catalog.url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(CatalogBusy), catalog.exclusive("search-index-rebuild"):
            pass
    finally:
        holder.kill()
        holder.wait(30)
    deadline = time.monotonic() + 30  # PostgreSQL ends the backend once it sees the socket close
    while True:
        try:
            with catalog.exclusive("search-index-rebuild"):
                return
        except CatalogBusy:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.mark.parametrize("database", DATABASES)
def test_upgrading_an_older_catalog_keeps_every_page_and_event(
    database: str, tmp_path: Path
) -> None:
    """A catalog of an earlier release, with a document read and its history, is
    upgraded to the newest schema with nothing lost. On SQLite, altering `documents`
    copies the table and drops the old one, and with foreign keys on that drop used to
    cascade into `pages` and `document_events` and empty them."""
    from alembic import command
    from sqlalchemy import text

    with ExitStack() as stack:
        if database == "sqlite":
            url = f"sqlite:///{tmp_path / 'catalog.sqlite3'}"
        else:
            url = stack.enter_context(postgres_database())
        old = Catalog(url)
        stack.callback(old.dispose)
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        with old.engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0011")
            conn.commit()
        with old.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO documents (id, filename, title, media_type, size, sha256,"
                    " storage_key, page_count, status, created_at, updated_at, health_data)"
                    " VALUES ('d1', 'a.pdf', 'A', 'application/pdf', 1, 'x', 'k', 2,"
                    " 'archived', '2025-01-01', '2025-01-01', false)"
                )
            )
            for number in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO pages (document_id, number, state, text, rotation)"
                        " VALUES ('d1', :n, 'done', 'журнал', 0)"
                    ),
                    {"n": number},
                )
            conn.execute(
                text(
                    "INSERT INTO document_events (document_id, at, kind, detail)"
                    " VALUES ('d1', '2025-01-01', 'archived', '')"
                )
            )
        old.migrate()
        assert old.schema_revisions() == [SCHEMA_HEAD]
        with old.session() as s:
            assert s.scalar(select(func.count()).select_from(Page)) == 2
            assert s.scalar(select(func.count()).select_from(DocumentEvent)) == 1
            assert s.get(Document, "d1") is not None


MIGRATE_AT = """
import sys, time
from archive_service.catalog import Catalog
catalog = Catalog(sys.argv[1])
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # all start at the same moment
catalog.migrate()
print(catalog.schema_revisions())
"""


@pytest.mark.parametrize("database", DATABASES)
def test_processes_opening_a_new_catalog_at_once_all_find_it_migrated(
    tmp_path: Path, database: str
) -> None:
    """`ingest --wait` starts its worker before it opens the catalog itself: on a new data
    folder both migrate at once. They take the catalog's migration lock in turn: the
    first migrates, the others find the version at head once they hold it, and do
    nothing. (BEGIN IMMEDIATE alone once let one run a migration twice: alembic reads the
    version and runs each migration in separate transactions on SQLite.)"""
    with ExitStack() as stack:
        if database == "sqlite":
            url = f"sqlite:///{tmp_path / 'catalog.sqlite3'}"
        else:
            url = stack.enter_context(postgres_database())
        _migrate_at_once(url)


def _migrate_at_once(url: str) -> None:
    start = str(time.time() + 3)
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE_AT, url, start],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outcomes = [run.communicate(timeout=120) for run in runs]
    for run, (out, err) in zip(runs, outcomes, strict=True):
        assert run.returncode == 0, err[-2000:]
        assert out.strip() == f"['{SCHEMA_HEAD}']"
