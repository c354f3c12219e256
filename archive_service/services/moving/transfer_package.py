"""The transfer package: a pupil's personal file for the receiving school, as a ZIP in
BagIt layout, and its import there (Приказ Минпросвещения № 240: the file travels with
the parents; this is its electronic twin for a school that runs this archive too).

The package holds, per document of the personal file, the original scan and the
searchable PDF, and data/pupil.json: the pupil (name, birth date, classes by year),
the sending school and the transfer, and each document's kind, title, date, pages and
SHA-256. The receiving side checks every checksum before anything is taken in, finds
the pupil in its registry or registers them, and takes each original in with its
filing (the pupil's personal file, item 04-01), so nothing waits to be filed by hand.
The same package imported twice meets its own documents as duplicates: nothing twice.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import select

from archive_service.access import PERSONAL_FILE_ITEM, Policy
from archive_service.archive import Archive
from archive_service.catalog import Document, Pupil, PupilClass, PupilTransfer, School
from archive_service.domain import DocumentStatus, MediaType
from archive_service.schools import own_school_id
from archive_service.services.moving.bags import (
    BagError,
    make_bag,
    open_bag,
    unzip_bag,
    zip_bag,
)
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.records.transfers import (
    TransferError,
    TransferNotFound,
    personal_file_cases,
)
from archive_service.storage.port import StorageError
from intake.cover_sheet import CoverPayload

FORMAT = "school-archive/transfer"
VERSION = 1
METADATA = "pupil.json"


@dataclass
class PackageImport:
    """What an import did; `archive import --json` prints it."""

    pupil_id: str
    pupil: str
    created: bool  # the pupil was registered here by this import
    documents: list[dict[str, Any]] = field(default_factory=list)  # IngestOutcome.as_dict()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _norm(word: str | None) -> str:
    return (word or "").strip().lower().replace("ё", "е")


class TransferPackages:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    # --- the sending school ---------------------------------------------------------

    def write(self, pupil_id: str, target: Path, policy: Policy | None = None) -> int:
        """Write the pupil's transfer package to `target` (a .zip); returns how many
        documents it holds."""
        with self.archive.catalog.session() as s:
            pupil = s.get(Pupil, pupil_id)
            if pupil is None or (policy is not None and not policy.sees_school(pupil.school_id)):
                raise TransferNotFound("Обучающийся не найден")
            docs = [
                d
                for case in personal_file_cases(s, pupil_id)
                for d in s.scalars(
                    select(Document)
                    .where(Document.case_id == case.id)
                    .order_by(Document.filed_at, Document.id)
                )
                if d.status != DocumentStatus.DESTROYED
            ]
            if not docs:
                raise TransferError("У обучающегося нет личного дела в архиве")
            school_row = s.get(School, pupil.school_id)
            school = school_row.name if school_row is not None else ""
            transfer = s.scalars(
                select(PupilTransfer)
                .where(PupilTransfer.pupil_id == pupil_id)
                .order_by(PupilTransfer.id.desc())
            ).first()
            classes = [
                {"school_year": c.school_year, "class_label": c.class_label}
                for c in s.scalars(
                    select(PupilClass)
                    .where(PupilClass.pupil_id == pupil_id)
                    .order_by(PupilClass.school_year)
                )
            ]
            metadata = {
                "format": FORMAT,
                "version": VERSION,
                "school": school,
                "pupil": {
                    "surname": pupil.surname,
                    "name": pupil.name,
                    "patronymic": pupil.patronymic,
                    "birth_date": pupil.birth_date.isoformat() if pupil.birth_date else None,
                },
                "classes": classes,
                "transfer": None
                if transfer is None
                else {
                    "destination": transfer.destination,
                    "order_number": transfer.order_number,
                    "order_date": transfer.order_date.isoformat(),
                },
                "documents": [],
            }
            files = []
            for doc in docs:
                folder = f"documents/{doc.id}"
                original = f"{folder}/original.{MediaType(doc.media_type).extension}"
                searchable = f"{folder}/searchable.pdf" if doc.searchable_pdf_key else None
                metadata["documents"].append(  # type: ignore[attr-defined]
                    {
                        "id": doc.id,
                        "kind": PERSONAL_FILE_ITEM,
                        "title": doc.title,
                        "filename": doc.filename,
                        "document_date": doc.document_date.isoformat()
                        if doc.document_date
                        else None,
                        "pages": doc.page_count,
                        "sha256": doc.sha256,
                        "original": original,
                        "searchable": searchable,
                    }
                )
                files.append((doc.storage_key, original))
                if searchable and doc.searchable_pdf_key:
                    files.append((doc.searchable_pdf_key, searchable))
        self.archive.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.archive.settings.tmp_dir) as tmp:
            root = Path(tmp) / "bag"
            root.mkdir()
            for key, name in files:
                path = root / name
                path.parent.mkdir(parents=True, exist_ok=True)
                try:
                    with self.archive.store.open(key) as src, path.open("wb") as out:
                        shutil.copyfileobj(src, out, 1024 * 1024)
                except StorageError as exc:
                    raise TransferError(f"Файл {name} не читается из хранилища: {exc}") from exc
            (root / METADATA).write_text(
                json.dumps(metadata, ensure_ascii=False, indent=1), encoding="utf-8"
            )
            make_bag(root, school, f"Личное дело обучающегося: {pupil_name(metadata)}")
            zip_bag(root, target)
        return len(docs)

    # --- the receiving school -------------------------------------------------------

    @staticmethod
    def is_package(path: Path) -> bool:
        """A ZIP whose root is a bag with pupil.json: what `archive import` tells apart
        from a folder of scans with a manifest."""
        if not zipfile.is_zipfile(path):
            return False
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
        return "bagit.txt" in names and f"data/{METADATA}" in names

    def read(self, path: Path, school_id: int | None = None) -> PackageImport:
        """Check the package whole, then take its pupil and documents in for `school_id`
        (None: the archive's own school)."""
        self.archive.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.archive.settings.tmp_dir) as tmp:
            root = Path(tmp)
            unzip_bag(path, root, self.archive.settings.limits.max_file_bytes)
            open_bag(root)
            metadata = _metadata(root / "data" / METADATA)
            return self._take_in(root / "data", metadata, school_id)

    def _take_in(
        self, data: Path, metadata: dict[str, Any], school_id: int | None
    ) -> PackageImport:
        pupil_id, created = self._pupil(metadata, school_id)
        report = PackageImport(pupil_id, pupil_name(metadata), created)
        intake = IngestService(self.archive, school_id)
        for doc in metadata["documents"]:
            payload = CoverPayload(
                kind=PERSONAL_FILE_ITEM,
                pupil_id=pupil_id,
                title=doc.get("title") or None,
                document_date=doc.get("document_date"),
            )
            outcome = intake.ingest_path(
                data / doc["original"],
                given_as=doc.get("filename") or doc["original"],
                filename=doc.get("filename") or Path(doc["original"]).name,
                cover_payload=payload.encode(),
            )
            report.documents.append(outcome.as_dict())
        return report

    def _pupil(self, metadata: dict[str, Any], school_id: int | None) -> tuple[str, bool]:
        """The pupil in this school's registry (same ФИО, ё as е, and the same birth
        date when both know it), or registered now with their classes."""
        given = metadata["pupil"]
        born = date.fromisoformat(given["birth_date"]) if given.get("birth_date") else None
        with self.archive.catalog.session() as s:
            school = school_id if school_id is not None else own_school_id(s)
            found = [
                p
                for p in s.scalars(select(Pupil).where(Pupil.school_id == school))
                if _norm(p.surname) == _norm(given["surname"])
                and _norm(p.name) == _norm(given["name"])
                and _norm(p.patronymic) == _norm(given.get("patronymic"))
                and (born is None or p.birth_date is None or p.birth_date == born)
            ]
            if len(found) > 1:
                raise TransferError(
                    f"В списке обучающихся несколько «{pupil_name(metadata)}»: "
                    "укажите дату рождения у нужного и повторите"
                )
            if found:
                if found[0].birth_date is None and born is not None:
                    found[0].birth_date = born
                return found[0].id, False
            pupil = Pupil(
                school_id=school,
                surname=given["surname"],
                name=given["name"],
                patronymic=given.get("patronymic"),
                birth_date=born,
            )
            s.add(pupil)
            s.flush()
            for row in metadata.get("classes", []):
                s.add(PupilClass(pupil_id=pupil.id, **row))
            return pupil.id, True


def pupil_name(metadata: dict[str, Any]) -> str:
    p = metadata.get("pupil") or {}
    return " ".join(x for x in (p.get("surname"), p.get("name"), p.get("patronymic")) if x)


def _metadata(path: Path) -> dict[str, Any]:
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BagError(f"В пакете не читается {METADATA}: {exc}") from exc
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise BagError("Это не пакет личного дела")
    version = metadata.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise BagError(
            f"Пакет версии {version}: этот архив читает версию {VERSION}; обновите архив"
        )
    for doc in metadata.get("documents", []):
        original = doc.get("original") if isinstance(doc, dict) else None
        if not isinstance(original, str) or not original.startswith("documents/"):
            raise BagError("Опись пакета повреждена: у документа нет оригинала")
        if ".." in PurePosixPath(original).parts or "\\" in original:
            raise BagError(f"Опись пакета повреждена: путь «{original}» выводит за его пределы")
    return metadata
