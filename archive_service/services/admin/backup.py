"""Backup and restore of an embedded archive, while it serves.

The catalog is copied with SQLite's online backup (a consistent snapshot even while the
web process and the worker write); then the stored files. The search index is not
copied: it is derived, and a copy taken a moment apart from the catalog's could miss
what was indexed between the two, so a restore rebuilds it from the restored catalog. The
catalog is copied first: every file it names was written before the row that names it
was committed, so the copy holds every file its catalog knows (files written later are
only extra). A backup is verified after writing — every document's original and
manifest present in the copy with the SHA-256 its catalog recorded — and again before a
restore, which goes only into an empty data folder.

A scaled archive keeps its data on servers: PostgreSQL, MinIO and Elasticsearch are
backed up with their own tools (docs/deploy.md), not copied through this process.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from archive_service.catalog.models import utcnow
from archive_service.config import Settings
from archive_service.domain import DocumentStatus

FORMAT = "school-archive/backup@1"
INFO = "backup.json"
CATALOG, OBJECTS, SECRET = "catalog.sqlite3", "objects", "run/secret_key"
CHUNK = 1024 * 1024


class BackupError(ValueError):
    pass


@dataclass
class BackupReport:
    path: str
    documents: int = 0
    objects: int = 0
    bytes: int = 0
    verified: bool = False
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _embedded_paths(settings: Settings) -> tuple[Path, Path]:
    """The catalog and the object folder of an embedded archive."""
    urls = (settings.database_url, settings.search_url, settings.storage_url)
    if not (urls[0].startswith("sqlite:///") and urls[1].startswith("sqlite:///")):
        raise BackupError(
            "Архив работает на серверах (PostgreSQL, MinIO, Elasticsearch): их копии "
            "делаются их средствами — pg_dump, mc mirror, снимок Elasticsearch (docs/deploy.md)"
        )
    if not urls[2].startswith("file://"):
        raise BackupError("Файлы архива хранятся в MinIO: копируйте их mc mirror (docs/deploy.md)")
    return Path(urls[0].removeprefix("sqlite:///")), Path(urls[2].removeprefix("file://"))


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent snapshot, whoever is writing meanwhile."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify(folder: Path) -> BackupReport:
    """Check a backup: its catalog opens, and each document's original and manifest are
    in it, the original with the SHA-256 the catalog recorded."""
    report = BackupReport(str(folder))
    catalog = folder / CATALOG
    if not (folder / INFO).is_file() or not catalog.is_file():
        raise BackupError(f"«{folder}» — не резервная копия архива (нет {INFO} и {CATALOG})")
    conn = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT id, storage_key, sha256, status FROM documents ORDER BY id"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"Каталог в копии не читается: {exc}") from exc
    finally:
        conn.close()
    objects = folder / OBJECTS
    for doc_id, key, sha256, status in rows:
        if status == DocumentStatus.DESTROYED:
            continue
        report.documents += 1
        original = objects / key
        if not original.is_file():
            report.problems.append(f"{doc_id}: нет оригинала {key}")
        elif _sha256(original) != sha256:
            report.problems.append(f"{doc_id}: оригинал {key} изменён")
        if (
            status == DocumentStatus.ARCHIVED
            and not (objects / f"documents/{doc_id}/manifest.json").is_file()
        ):
            report.problems.append(f"{doc_id}: нет описи manifest.json")
    files = [p for p in objects.rglob("*") if p.is_file()] if objects.is_dir() else []
    report.objects, report.bytes = len(files), sum(p.stat().st_size for p in files)
    report.verified = not report.problems
    return report


def backup(
    settings: Settings, target: Path, progress: Callable[[int], None] | None = None
) -> BackupReport:
    """Copy the archive into `target` (new or empty), then verify the copy."""
    catalog, objects = _embedded_paths(settings)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"Папка «{target}» не пуста: укажите новую")
    if target.resolve().is_relative_to(settings.data_dir.resolve()):
        raise BackupError("Копию не кладут внутрь папки самого архива")
    target.mkdir(parents=True, exist_ok=True)
    try:
        _sqlite_copy(catalog, target / CATALOG)
        copied = 0
        for path in sorted(objects.rglob("*")) if objects.is_dir() else []:
            if not path.is_file() or path.name.startswith(".tmp"):
                continue
            dest = target / OBJECTS / path.relative_to(objects)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
            copied += 1
            if progress is not None and copied % 500 == 0:
                progress(copied)
        secret = settings.data_dir / SECRET
        if secret.is_file():
            (target / SECRET).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(secret, target / SECRET)
        (target / INFO).write_text(
            json.dumps({"format": FORMAT, "made_at": utcnow().isoformat()}), encoding="utf-8"
        )
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)  # never a half copy taken for a backup
        raise
    return verify(target)


def restore(settings: Settings, source: Path) -> BackupReport:
    """Put a verified backup into this data folder, which must hold no archive yet (the
    caller rebuilds the search index from it)."""
    catalog, objects = _embedded_paths(settings)
    report = verify(source)
    if not report.verified:
        raise BackupError("Копия повреждена: " + "; ".join(report.problems[:5]))
    if catalog.exists() or (objects.is_dir() and any(objects.iterdir())):
        raise BackupError(
            f"В «{settings.data_dir}» уже есть архив: восстанавливают в пустую папку данных"
        )
    catalog.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / CATALOG, catalog)
    if (source / OBJECTS).is_dir():
        shutil.copytree(source / OBJECTS, objects, dirs_exist_ok=True)
    if (source / SECRET).is_file():
        (settings.data_dir / SECRET).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / SECRET, settings.data_dir / SECRET)
    report.path = str(settings.data_dir)
    return report
