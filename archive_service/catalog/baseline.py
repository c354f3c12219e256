"""A new SQLite catalog is made from the schema at head, not by replaying every migration.

Replaying them (loading alembic and 23 scripts, SQLite copying tables in batch mode)
took ~0.85 s of a cold `archive ingest ONE.png --wait` into a new data folder, and the
worker the command started waited on it too: the first page waited twice. Rails loads
`db/schema.rb` into a new database, not its migrations, for the same reason.

`baseline.sql` is what the migrations make on SQLite (tables, indexes, triggers and
the rows they insert), written by SQLite's own dump. A test migrates a new catalog
with alembic and checks that its dump is this file, so the two cannot drift: after a
new migration, `python -m archive_service.catalog.write_baseline` writes the file again.
An existing catalog is still upgraded by the migrations, and a PostgreSQL catalog
(made once for a district) always is.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import Engine

BASELINE_SQL = Path(__file__).with_name("baseline.sql")


CONSTRAINTS = ("CONSTRAINT ", "PRIMARY KEY ", "FOREIGN KEY", "UNIQUE ", "CHECK ")


def dump(connection: sqlite3.Connection) -> str:
    """The catalog as SQL, in an order that is the same each time it is made.

    SQLite's dump lists tables by name, but alembic's batch mode, copying a table,
    writes its constraints and re-creates its indexes in the order of a Python set,
    which changes from run to run. The same schema then dumps differently: so each
    table's constraints (after its columns, in their order) and the indexes and
    triggers (after every table and row) are sorted here."""
    tables: list[str] = []
    rest: list[str] = []
    for statement in connection.iterdump():
        if statement in ("BEGIN TRANSACTION;", "COMMIT;"):
            continue
        if statement.startswith("CREATE TABLE"):
            tables.append(_constraints_sorted(statement))
        elif statement.startswith(("CREATE INDEX", "CREATE UNIQUE INDEX", "CREATE TRIGGER")):
            rest.append(statement)
        else:  # a table's rows, after it
            tables.append(statement)
    return "\n".join(["BEGIN TRANSACTION;", *tables, *sorted(rest), "COMMIT;"]) + "\n"


def _constraints_sorted(create_table: str) -> str:
    """SQLAlchemy writes a table one column or constraint a line."""
    head, *body, tail = create_table.split("\n")
    items = [line.strip().rstrip(",").rstrip() for line in body]
    columns = [item for item in items if not item.startswith(CONSTRAINTS)]
    constraints = sorted(item for item in items if item.startswith(CONSTRAINTS))
    return "\n".join([head, ", \n".join(f"\t{item}" for item in columns + constraints), tail])


def is_empty(engine: Engine) -> bool:
    """No table at all: a catalog file just made, which the baseline may fill."""
    with engine.connect() as conn:
        return not conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()


def create(engine: Engine) -> None:
    """Make the empty catalog `engine` opens the catalog at head, in one transaction.
    The dump lists tables by name, not in the order their foreign keys need, so the
    keys are off while it runs (outside a transaction, where the pragma takes effect)."""
    script = BASELINE_SQL.read_text(encoding="utf-8")
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            raw.executescript(script)
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
