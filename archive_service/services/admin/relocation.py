"""Relocation: moving a whole archive to other backends, embedded → scaled, as a school
outgrows one machine (`archive transfer`, docs/deploy.md). Not a pupil's transfer to
another school: that is a record leaving, this is the whole archive changing servers.
Catalog rows, stored objects and the search index all move; the source is only read, so
a failed relocation can simply be run again.

Order matters for "nothing half-done": objects are copied (and verified) first, then
the catalog in one transaction, then the index is built from the new catalog. Until the
catalog commit the target has no documents pointing at anything, so an interrupted run
leaves nothing a user could see; a second run overwrites the copied objects.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Integer, func, insert, select, text

from archive_service.archive import Archive
from archive_service.catalog import Document
from archive_service.catalog.models import Base, utcnow
from archive_service.services.pipeline.indexing import IndexingService, RebuildRunning
from archive_service.storage import keys

# The outbox is not copied: the index is rebuilt from the catalog in the last step.
SKIPPED_TABLES = {"index_outbox", "alembic_version"}
BATCH = 500
CHUNK = 1024 * 1024

Progress = Callable[[str, int, int], None]


class RelocationError(Exception):
    pass


@dataclass
class RelocationReport:
    rows: dict[str, int] = field(default_factory=dict)
    objects: int = 0
    bytes: int = 0
    indexed: int = 0


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


class RelocationService:
    def __init__(self, source: Archive, target: Archive) -> None:
        self.source = source
        self.target = target

    def run(self, progress: Progress = _no_progress) -> RelocationReport:
        with self.target.catalog.session() as s:
            if s.scalar(select(func.count()).select_from(Document)):
                raise RelocationError(
                    "В целевом каталоге уже есть документы; перенос возможен только в пустой архив"
                )
        report = RelocationReport()
        self._copy_objects(report, progress)
        self._copy_catalog(report, progress)
        progress("index", 0, 1)
        try:
            report.indexed = IndexingService(self.target).rebuild()
        except RebuildRunning as exc:
            raise RelocationError(
                f"Каталог и файлы перенесены, поисковый индекс — нет: {exc}. "
                "Затем запустите «archive reindex» для нового архива"
            ) from exc
        progress("index", 1, 1)
        return report

    def _copy_objects(self, report: RelocationReport, progress: Progress) -> None:
        """Every document's files, then any stack still waiting to be split (its row
        moves with the catalog, and a worker of the new archive splits it there)."""
        with self.source.catalog.session() as s:
            documents = list(s.execute(select(Document.id, Document.storage_key)))
        retain_days = self.target.settings.original_retention_days
        self.target.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
        for done, (document_id, original_key) in enumerate(documents, start=1):
            for key in self.source.store.list(keys.prefix(document_id)):
                retain = utcnow() + timedelta(days=retain_days) if key == original_key else None
                self._copy_object(key, retain, report)
            progress("objects", done, len(documents))
        for key in self.source.store.list(keys.STACKS_PREFIX):
            self._copy_object(key, None, report)

    def _copy_object(self, key: str, retain: datetime | None, report: RelocationReport) -> None:
        with tempfile.TemporaryDirectory(dir=self.target.settings.tmp_dir) as tmp:
            local = Path(tmp) / "object"
            digest = hashlib.sha256()
            with self.source.store.open(key) as src, local.open("wb") as out:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            self.target.store.put_file(key, local, sha256=digest.hexdigest(), retain_until=retain)
            report.objects += 1
            report.bytes += local.stat().st_size

    def _copy_catalog(self, report: RelocationReport, progress: Progress) -> None:
        tables = [t for t in Base.metadata.sorted_tables if t.name not in SKIPPED_TABLES]
        with (
            self.source.catalog.engine.connect() as src,
            self.target.catalog.session() as dst,
        ):
            for n, table in enumerate(tables, start=1):
                copied = 0
                result = src.execute(select(table)).mappings()
                while rows := result.fetchmany(BATCH):
                    dst.execute(insert(table), [dict(r) for r in rows])
                    copied += len(rows)
                report.rows[table.name] = copied
                progress("catalog", n, len(tables))
            if dst.get_bind().dialect.name == "postgresql":
                # Rows came with their ids; move each id sequence past them.
                for table in tables:
                    for column in table.primary_key.columns:
                        if isinstance(column.type, Integer) and column.autoincrement is not False:
                            dst.execute(
                                text(
                                    f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                                    f"'{column.name}'), COALESCE(MAX({column.name}), 0) + 1, "
                                    f"false) FROM {table.name}"
                                )
                            )
