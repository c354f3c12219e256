"""`python -m archive_service.catalog.write_baseline [PATH]`: write baseline.sql again
after a new migration (catalog/baseline.py says why there is one)."""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from pathlib import Path

from archive_service.catalog.baseline import BASELINE_SQL, dump
from archive_service.catalog.db import Catalog


def migrated_dump() -> str:
    """A new, empty SQLite catalog migrated to head by alembic, dumped."""
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "catalog.sqlite3"
        catalog = Catalog(f"sqlite:///{database}")
        catalog.upgrade_by_migrations()
        catalog.dispose()
        with sqlite3.connect(database) as conn:
            return dump(conn)


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else BASELINE_SQL
    path.write_text(migrated_dump(), encoding="utf-8")
    print(f"written {path}")
