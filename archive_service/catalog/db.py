"""Engine, sessions and migrations for the catalog.

SQLite is used by several processes at once (web, worker children, CLI), so it runs in
WAL mode with a busy timeout, and every transaction that may write starts with BEGIN
IMMEDIATE: a deferred transaction that later upgrades to a write lock fails at once with
"database is locked" instead of waiting, which is what concurrent page workers would hit.
A transaction that only reads (`Catalog.reading`) begins deferred instead: in WAL mode it
reads a snapshot and waits for no writer, so a page opened while a stack is being filed
answers at once rather than queueing behind each of the worker's writes.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest migration's revision; a test checks it is alembic's head.
SCHEMA_HEAD = "0023"

# The catalog's server went away for a moment (a PostgreSQL restart, a failover): work
# that met one of these is done again later, not failed, since nothing it did is lost.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


class CatalogBusy(Exception):
    """Another process holds the archive-wide lock of this name."""


def _make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        reading = conn.get_execution_options().get(READING, False)
        conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

    return engine


READING = "archive_reading"


class WriteInReading(RuntimeError):
    """A write was tried in a session opened for reading: a bug, caught in every mode,
    since on SQLite such a write could fail under contention, not wait."""


def _refuse_writes(factory: sessionmaker[Session]) -> None:
    @event.listens_for(factory, "before_flush")
    def _no_flush(session: Session, _context: Any, _instances: Any) -> None:
        if session.new or session.dirty or session.deleted:
            raise WriteInReading("Запись в каталог из сеанса только для чтения")

    @event.listens_for(factory, "do_orm_execute")
    def _no_dml(state: Any) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            raise WriteInReading("Запись в каталог из сеанса только для чтения")


class Catalog:
    """Owns the engine; hands out sessions whose transaction commits or rolls back whole."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(
            self.engine.execution_options(**{READING: True}), expire_on_commit=False
        )
        _refuse_writes(self._readers)

    @property
    def session_factory(self) -> sessionmaker[Session]:
        """Where session events are installed (archive_service.mirror)."""
        return self._sessions

    def migrate(self) -> None:
        """Bring the schema to the newest migration (idempotent).

        Every CLI command, web process and worker opens the catalog, and nearly always it
        is already current: one query answers that, and alembic (a quarter of a second to
        import and read its scripts) is loaded only when there is something to do.

        Several processes may open a new catalog at once (`ingest --wait` starts its worker
        before it opens the catalog itself; many workers start on a new database). They
        take the archive-wide "migration" lock in turn: the first migrates, the others then
        find the schema current and do nothing. BEGIN IMMEDIATE alone did not serialise
        them on SQLite: alembic, since SQLite has no transactional DDL there, reads the
        version in one transaction and runs each migration in another, so a process that
        read "no version" while another migrated created tables that by then existed.

        A new SQLite catalog, with no table yet, is made from the schema at head instead
        (catalog/baseline.py): replaying every migration took most of a second.
        """
        if self.schema_revisions() == [SCHEMA_HEAD]:
            return
        from archive_service.catalog import baseline

        with self.exclusive("migration", wait=True):
            if self.schema_revisions() == [SCHEMA_HEAD]:
                return
            if self.engine.dialect.name == "sqlite" and baseline.is_empty(self.engine):
                baseline.create(self.engine)
            else:
                self.upgrade_by_migrations()

    def upgrade_by_migrations(self) -> None:
        """Run alembic's upgrade to head on one connection; the caller holds the lock
        (or, writing the baseline, is alone on the catalog)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("sqlalchemy.url", self.url)
        with self.engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                # SQLite alters a table by copying it and dropping the old one (alembic's
                # batch mode), and a DROP with foreign keys on deletes first, cascading:
                # adding a column to `documents` would empty `pages` and every table that
                # cascades from it. Off for the migration (outside any transaction, where
                # the pragma takes effect), checked and back on after.
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
            try:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    conn.commit()
                    if broken:
                        raise RuntimeError(f"Каталог после обновления нарушает связи: {broken[:5]}")
            finally:
                if sqlite:
                    conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]

    def schema_revisions(self) -> list[str]:
        """The revisions alembic recorded; none for a new, empty catalog."""
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(text("SELECT version_num FROM alembic_version"))
                return [str(r) for r in rows.scalars()]
        except DBAPIError:  # no version table yet
            return []

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as s, s.begin():
            yield s

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A transaction that only reads: it sees one consistent snapshot and, on SQLite,
        waits for no writer. A write in it raises WriteInReading."""
        with self._readers() as s, s.begin():
            yield s

    @contextmanager
    def exclusive(self, name: str, wait: bool = False) -> Iterator[None]:
        """Hold the archive-wide lock `name` while the block runs. If another process
        holds it: CatalogBusy at once, or with `wait`, once it lets go.

        For work that must not run twice at once: rebuilding the search index, whose
        alias swaps would interleave (refused), or relaying index writes, where a relay
        that read a document before it changed would write it over a newer one (waits).
        The lock lives where every process of the archive meets: a PostgreSQL advisory
        lock on a scaled archive (any machine), a lock file beside the SQLite catalog on
        one machine. The system releases both when their holder dies, so a run that was
        killed never leaves the archive locked.
        """
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        if self.engine.dialect.name == "postgresql":
            with self._advisory_lock(name, key, wait):
                yield
        else:
            with self._lock_file(name, key, wait):
                yield

    @contextmanager
    def _advisory_lock(self, name: str, key: int, wait: bool) -> Iterator[None]:
        with self.engine.connect() as conn:
            if wait:
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
                held = True
            else:
                taken = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
                held = bool(taken.scalar())
            conn.commit()
            if not held:
                raise CatalogBusy(name)
            try:
                yield
            finally:
                # A connection lost meanwhile took the lock with it.
                with contextlib.suppress(DBAPIError):
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    conn.commit()

    @contextmanager
    def _lock_file(self, name: str, key: int, wait: bool) -> Iterator[None]:
        database = self.engine.url.database
        if database and database != ":memory:":
            path = Path(database).with_name(f"{Path(database).name}.{name}.lock")
        else:  # a catalog in memory is this process's own
            path = Path(tempfile.gettempdir()) / f"archive-{os.getpid()}-{key:x}.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise CatalogBusy(name) from None
            yield
        finally:
            os.close(fd)  # which releases the lock

    def dispose(self) -> None:
        self.engine.dispose()
