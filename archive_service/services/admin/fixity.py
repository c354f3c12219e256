"""Fixity: every stored file still is what was written (SHA-256), and none is missing.

Each archived document's files are checked against the digests the catalog recorded as
they were read back after writing (the original, each page's image, text and PDF) and
against its manifest.json for the rest (the searchable PDF). A file that is gone, or
whose bytes changed, is named with its document. `archive fixity check --all` reads
the whole archive; the daily task reads one thirtieth of it, a different share each
day of the month, so every file is read every month without a column to remember
when.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from archive_service.archive import Archive
from archive_service.catalog import Document, DocumentEvent
from archive_service.domain import DocumentStatus
from archive_service.services.pipeline.manifest import recorded_digests
from archive_service.storage import keys
from archive_service.storage.port import ObjectNotFound

SHARES = 30  # the daily check reads one share: every document once a month
CHUNK = 1024 * 1024


MISSING = "нет файла"
CHANGED = "файл изменён"
UNREADABLE = "опись не читается"


@dataclass(frozen=True)
class FixityProblem:
    document_id: str
    key: str
    problem: str  # MISSING, CHANGED, UNREADABLE
    expected: str | None = None  # the SHA-256 recorded
    actual: str | None = None  # the SHA-256 read now

    def as_dict(self) -> dict[str, Any]:
        out = {"document_id": self.document_id, "object": self.key, "expected": self.expected}
        return out | ({"actual": self.actual} if self.problem != MISSING else {})


@dataclass
class FixityReport:
    documents: int = 0
    files: int = 0
    problems: list[FixityProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def missing(self) -> list[FixityProblem]:
        return [p for p in self.problems if p.problem == MISSING]

    @property
    def damaged(self) -> list[FixityProblem]:
        return [p for p in self.problems if p.problem != MISSING]

    def as_dict(self) -> dict[str, Any]:
        """The contract of `archive fixity check --json` (issue 25)."""
        return {
            "checked": self.files,
            "documents": self.documents,
            "damaged": [p.as_dict() for p in self.damaged],
            "missing": [p.as_dict() for p in self.missing],
        }


def share_of(document_id: str) -> int:
    """Which day's share a document belongs to (stable across runs and machines)."""
    return zlib.crc32(document_id.encode()) % SHARES


class FixityService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def check(self, everything: bool = True, on: date | None = None) -> FixityReport:
        """All archived documents, or (everything=False) the share of day `on`."""
        with self.archive.catalog.session() as s:
            ids = list(
                s.scalars(
                    select(Document.id)
                    .where(Document.status == DocumentStatus.ARCHIVED)
                    .order_by(Document.id)
                )
            )
        if not everything:
            today = (on or date.today()).day % SHARES
            ids = [i for i in ids if share_of(i) == today]
        report = FixityReport()
        for document_id in ids:
            self._check_document(document_id, report)
        return report

    def _digest(self, key: str) -> str | None:
        digest = hashlib.sha256()
        try:
            with self.archive.store.open(key) as fh:
                while chunk := fh.read(CHUNK):
                    digest.update(chunk)
        except ObjectNotFound:
            return None
        return digest.hexdigest()

    def _check_document(self, document_id: str, report: FixityReport) -> None:
        with self.archive.catalog.session() as s:
            doc = s.get(Document, document_id)
            if doc is None or doc.status != DocumentStatus.ARCHIVED:
                return
            expected = recorded_digests(doc)
        report.documents += 1
        found: list[FixityProblem] = []
        manifest_key = keys.manifest(document_id)
        try:
            manifest = json.loads(self.archive.store.get_bytes(manifest_key))
            listed = manifest.get("files", {})
        except ObjectNotFound:
            found.append(FixityProblem(document_id, manifest_key, MISSING))
            listed = {}
        except ValueError:
            found.append(FixityProblem(document_id, manifest_key, UNREADABLE))
            listed = {}
        for key, digest in listed.items():  # the catalog's digest wins where it has one
            expected.setdefault(key, digest)
        for key, digest in sorted(expected.items()):
            report.files += 1
            actual = self._digest(key)
            if actual is None:
                found.append(FixityProblem(document_id, key, MISSING, digest))
            elif actual != digest:
                found.append(FixityProblem(document_id, key, CHANGED, digest, actual))
        report.problems.extend(found)
        self._note(document_id, found)

    def _note(self, document_id: str, found: list[FixityProblem]) -> None:
        """Write what was found on the document (or clear it once whole again), with an
        event when that changes: its page, the API and downloads go by this."""
        damage = (
            "; ".join(f"{p.key.rsplit('/', 1)[-1]}: {p.problem}" for p in found) if found else None
        )
        with self.archive.catalog.session() as s:
            doc = s.get(Document, document_id)
            if doc is None or doc.damage == damage:
                return
            doc.damage = damage
            s.add(
                DocumentEvent(
                    document_id=document_id,
                    kind="fixity_failed" if damage else "fixity_restored",
                    detail=damage or "все файлы снова целы",
                )
            )
