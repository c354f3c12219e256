"""A school's whole archive as a BagIt bag, and the bag taken into another deployment.

For a school that leaves a district's deployment or joins one. The bag holds what the
school's archive is: its nomenclature versions, cases, pupils (with their classes and
leaving events), every document's filing and history, the originals as they were
scanned, holds, disposal acts with the persons whose data they destroyed, and the
register of issued personal files; the school's audit rows ride along as evidence
(data/audit.jsonl) but the receiving audit chain records only the import itself.

Derivatives (page text, previews, the searchable PDF) are not carried: the receiving
deployment reads every original again with its own pipeline, so nothing it serves was
made by software it does not run. Documents keep their ids (the papers that name them,
an act or a transfer, still do); case and nomenclature ids are the receiving catalog's.
A document destroyed under an act comes as its catalog row alone, as it is here.

The import is safe to repeat: the catalog part is one transaction, and each original
then goes through the ordinary intake, where a repeat meets its own copy as a duplicate.
An import cut short is finished by running it again with `resume`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive_service.archive import Archive
from archive_service.catalog import (
    Case,
    DisposalAct,
    DisposalActCase,
    DisposalActSubject,
    Document,
    DocumentEvent,
    DocumentPupil,
    Hold,
    Nomenclature,
    NomenclatureItem,
    OutboxEntry,
    Pupil,
    PupilClass,
    PupilEvent,
    PupilTransfer,
    School,
)
from archive_service.catalog.models import AuditEntry, utcnow
from archive_service.catalog.rows import from_json, to_json
from archive_service.domain import DocumentStatus, MediaType
from archive_service.schools import SchoolError, SchoolService, school_named
from archive_service.services.moving.bags import (
    BagError,
    fresh_folder,
    make_bag,
    open_bag,
    written_whole,
)
from archive_service.services.pipeline.ingest import IngestService
from archive_service.storage.port import StorageError
from archive_service.words import counted

FORMAT = "school-archive/school"
VERSION = 1
CATALOG_FILE = "school.json"
AUDIT_FILE = "audit.jsonl"
ORIGINALS = "originals"
CHUNK = 1024 * 1024

log = logging.getLogger(__name__)


@dataclass
class BagReport:
    """What an export wrote or an import took in; the CLI prints it as JSON."""

    school: str
    school_id: int
    path: str
    documents: int = 0  # documents with their originals
    destroyed: int = 0  # documents destroyed under an act: their rows only
    pupils: int = 0
    cases: int = 0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _original_name(doc: Document) -> str:
    return f"{ORIGINALS}/{doc.id}.{MediaType(doc.media_type).extension}"


class SchoolExport:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def run(
        self, school_id: int, target: Path, progress: Callable[[int, int], None] | None = None
    ) -> BagReport:
        """Write the school's bag into `target` (a new or empty folder)."""
        name = SchoolService(self.archive).name_of(school_id)
        fresh_folder(target)
        report = BagReport(name, school_id, str(target))
        written_whole(target, lambda: self._write(school_id, name, target, report, progress))
        return report

    def _write(
        self,
        school_id: int,
        name: str,
        target: Path,
        report: BagReport,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        with self.archive.catalog.session() as s:
            catalog = _catalog_of(s, school_id, name)
            own_rows = select(AuditEntry).where(AuditEntry.school_id == school_id)
            audit = [to_json(a) for a in s.scalars(own_rows.order_by(AuditEntry.id))]
            docs = list(s.scalars(select(Document).where(Document.school_id == school_id)))
            stored = [
                (d.id, d.storage_key, d.sha256, _original_name(d))
                for d in docs
                if d.status != DocumentStatus.DESTROYED
            ]
        (target / ORIGINALS).mkdir()
        for n, (doc_id, key, sha256, bag_name) in enumerate(stored, start=1):
            self._copy_original(doc_id, key, sha256, target / bag_name)
            if progress is not None:
                progress(n, len(stored))
        (target / CATALOG_FILE).write_text(
            json.dumps(catalog, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        with (target / AUDIT_FILE).open("w", encoding="utf-8") as fh:
            for row in audit:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        make_bag(target, name, f"Архив организации «{name}»: {counted(len(docs), 'документ')}")
        report.documents = len(stored)
        report.destroyed = len(docs) - len(stored)
        report.pupils = len(catalog["pupils"])
        report.cases = len(catalog["cases"])

    def _copy_original(self, doc_id: str, key: str, sha256: str, path: Path) -> None:
        """Copy one original, checking it against the digest the catalog recorded: a
        changed or lost file stops the export, rather than travel as if it were whole."""
        import hashlib

        digest = hashlib.sha256()
        try:
            with self.archive.store.open(key) as src, path.open("wb") as out:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
        except StorageError as exc:
            raise BagError(f"Документ {doc_id}: оригинал не читается из хранилища ({exc})") from exc
        if digest.hexdigest() != sha256:
            raise BagError(
                f"Документ {doc_id}: оригинал изменён в хранилище (контрольная сумма не та); "
                "проверьте архив: archive fixity check"
            )


def _catalog_of(s: Session, school_id: int, name: str) -> dict[str, Any]:
    """Every catalog row that is the school's, grouped by table."""
    noms = list(s.scalars(select(Nomenclature).where(Nomenclature.school_id == school_id)))
    items = [i for n in noms for i in n.items]
    item_ids = (
        select(NomenclatureItem.id).join(Nomenclature).where(Nomenclature.school_id == school_id)
    )
    pupils = list(s.scalars(select(Pupil).where(Pupil.school_id == school_id)))
    pupil_ids = select(Pupil.id).where(Pupil.school_id == school_id)
    docs = list(s.scalars(select(Document).where(Document.school_id == school_id)))
    doc_ids = select(Document.id).where(Document.school_id == school_id)
    acts = list(s.scalars(select(DisposalAct).where(DisposalAct.school_id == school_id)))
    act_ids = select(DisposalAct.id).where(DisposalAct.school_id == school_id)

    def rows(model: Any, column: Any, among: Any) -> list[dict[str, Any]]:
        """The rows whose `column` is among a subquery's (not a list of ids: a school's
        fifty thousand documents would pass SQLite's limit of bound parameters)."""
        return [to_json(r) for r in s.scalars(select(model).where(column.in_(among)))]

    documents = []
    for doc in docs:
        row = to_json(doc, without=("cover_payload",))
        row["original"] = None if doc.status == DocumentStatus.DESTROYED else _original_name(doc)
        documents.append(row)
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": utcnow().isoformat(),
        "school": {"id": school_id, "name": name},
        "nomenclatures": [to_json(n) for n in noms],
        "nomenclature_items": [to_json(i) for i in items],
        "cases": rows(Case, Case.item_id, item_ids),
        "pupils": [to_json(p) for p in pupils],
        "pupil_classes": rows(PupilClass, PupilClass.pupil_id, pupil_ids),
        "pupil_events": rows(PupilEvent, PupilEvent.pupil_id, pupil_ids),
        "documents": documents,
        "document_pupils": rows(DocumentPupil, DocumentPupil.document_id, doc_ids),
        "document_events": rows(DocumentEvent, DocumentEvent.document_id, doc_ids),
        "holds": [to_json(h) for h in s.scalars(select(Hold).where(Hold.school_id == school_id))],
        "disposal_acts": [to_json(a) for a in acts],
        "disposal_act_cases": rows(DisposalActCase, DisposalActCase.act_id, act_ids),
        "disposal_act_subjects": rows(DisposalActSubject, DisposalActSubject.act_id, act_ids),
        "pupil_transfers": [
            to_json(t)
            for t in s.scalars(select(PupilTransfer).where(PupilTransfer.school_id == school_id))
        ],
    }


@dataclass
class _Ids:
    """The receiving catalog's ids for the bag's nomenclatures, items, cases, acts."""

    nomenclatures: dict[int, int] = field(default_factory=dict)
    items: dict[int, int] = field(default_factory=dict)
    cases: dict[int, int] = field(default_factory=dict)
    acts: dict[int, int] = field(default_factory=dict)


class SchoolImport:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def run(
        self,
        folder: Path,
        name: str | None = None,
        resume: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> BagReport:
        """Take a school's bag in, as a new school (named as in the bag, or `name`)."""
        bag = open_bag(folder)
        data = Path(bag.path) / "data"
        catalog = _read_catalog(data / CATALOG_FILE)
        school_name = " ".join((name or catalog["school"]["name"]).split())
        with self.archive.catalog.session() as s:
            existing = school_named(s, school_name)
            if existing is not None and not resume:
                raise SchoolError(
                    f"Организация «{school_name}» уже есть: укажите другое название "
                    "(--name) или продолжите прерванный перенос (--resume)"
                )
            if existing is None and resume:
                raise SchoolError(f"Организации «{school_name}» нет: продолжать нечего")
        if existing is None:
            school_id, ids = self._catalog_part(catalog, school_name)
        else:
            school_id = existing.id
            ids = self._ids_of(school_id, catalog)
        report = BagReport(school_name, school_id, str(folder))
        report.pupils, report.cases = len(catalog["pupils"]), len(catalog["cases"])
        report.destroyed = sum(1 for d in catalog["documents"] if d["original"] is None)
        self._documents_part(catalog, data, school_id, ids, report, progress)
        return report

    def _catalog_part(self, catalog: dict[str, Any], school_name: str) -> tuple[int, _Ids]:
        """Every row but the scanned documents, in one transaction: all or nothing."""
        ids = _Ids()
        with self.archive.catalog.session() as s:
            school = School(name=school_name)
            s.add(school)
            s.flush()
            clash = [p["id"] for p in catalog["pupils"] if s.get(Pupil, p["id"]) is not None]
            clash += [d["id"] for d in catalog["documents"] if s.get(Document, d["id"]) is not None]
            if clash:
                raise BagError(
                    "В архиве уже есть записи из этого пакета (например, "
                    f"{clash[0]}): организация переносится сюда не впервые"
                )
            for row in catalog["nomenclatures"]:
                nom = from_json(Nomenclature, row, id=None, school_id=school.id)
                s.add(nom)
                s.flush()
                ids.nomenclatures[row["id"]] = nom.id
            for row in catalog["nomenclature_items"]:
                item = from_json(
                    NomenclatureItem,
                    row,
                    id=None,
                    nomenclature_id=ids.nomenclatures[row["nomenclature_id"]],
                )
                s.add(item)
                s.flush()
                ids.items[row["id"]] = item.id
            for row in catalog["pupils"]:
                s.add(from_json(Pupil, row, school_id=school.id))
            s.flush()
            for row in catalog["pupil_classes"]:
                s.add(from_json(PupilClass, row, id=None))
            for row in catalog["pupil_events"]:
                s.add(from_json(PupilEvent, row, id=None))
            for row in catalog["cases"]:
                case = from_json(Case, row, id=None, item_id=ids.items[row["item_id"]])
                s.add(case)
                s.flush()
                ids.cases[row["id"]] = case.id
            for row in catalog["disposal_acts"]:
                act = from_json(DisposalAct, row, id=None, school_id=school.id)
                s.add(act)
                s.flush()
                ids.acts[row["id"]] = act.id
            for row in catalog["disposal_act_cases"]:
                s.add(
                    from_json(
                        DisposalActCase,
                        row,
                        id=None,
                        act_id=ids.acts[row["act_id"]],
                        case_id=ids.cases[row["case_id"]],
                    )
                )
            for row in catalog["disposal_act_subjects"]:
                s.add(from_json(DisposalActSubject, row, id=None, act_id=ids.acts[row["act_id"]]))
            for row in catalog["holds"]:
                case_id = ids.cases[row["case_id"]] if row.get("case_id") else None
                s.add(from_json(Hold, row, id=None, school_id=school.id, case_id=case_id))
            for row in catalog["pupil_transfers"]:
                s.add(from_json(PupilTransfer, row, id=None, school_id=school.id))
            for row in catalog["documents"]:
                if row["original"] is None:  # destroyed: the row is all there is
                    s.add(self._document_row(row, school.id, ids))
            return school.id, ids

    def _document_row(self, row: dict[str, Any], school_id: int, ids: _Ids) -> Document:
        return from_json(Document, row, school_id=school_id, **_renumbered(row, ids))

    def _ids_of(self, school_id: int, catalog: dict[str, Any]) -> _Ids:
        """The ids an earlier, cut-short import gave: found again by what is unique in
        each table (a version of a year, an item's index, a case's period and volume)."""
        ids = _Ids()
        with self.archive.catalog.session() as s:
            noms = {
                (n.year, n.version): n
                for n in s.scalars(select(Nomenclature).where(Nomenclature.school_id == school_id))
            }
            for row in catalog["nomenclatures"]:
                ids.nomenclatures[row["id"]] = noms[(row["year"], row["version"])].id
            items = {(i.nomenclature_id, i.index): i.id for n in noms.values() for i in n.items}
            for row in catalog["nomenclature_items"]:
                key = (ids.nomenclatures[row["nomenclature_id"]], row["index"])
                ids.items[row["id"]] = items[key]
            for row in catalog["cases"]:
                found = s.scalar(
                    select(Case.id).where(
                        Case.item_id == ids.items[row["item_id"]],
                        Case.period == row["period"],
                        Case.pupil_id.is_(None)
                        if row["pupil_id"] is None
                        else Case.pupil_id == row["pupil_id"],
                        Case.volume == row["volume"],
                    )
                )
                if found is None:
                    raise BagError("Прерванный перенос не найден: дела организации не те")
                ids.cases[row["id"]] = found
        return ids

    def _documents_part(
        self,
        catalog: dict[str, Any],
        data: Path,
        school_id: int,
        ids: _Ids,
        report: BagReport,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        """Each original through the ordinary intake, then given its filing and its
        history; a document that fails is named, and the others go on."""
        rows = [r for r in catalog["documents"] if r["original"] is not None]
        pupils_of: dict[str, list[str]] = {}
        for link in catalog["document_pupils"]:
            pupils_of.setdefault(link["document_id"], []).append(link["pupil_id"])
        events_of: dict[str, list[dict[str, Any]]] = {}
        for event in catalog["document_events"]:
            events_of.setdefault(event["document_id"], []).append(event)
        intake = IngestService(self.archive, school_id)
        for n, row in enumerate(rows, start=1):
            outcome = intake.ingest_path(
                data / row["original"],
                given_as=row["filename"],
                filename=row["filename"],
                document_id=row["id"],
            )
            if outcome.id != row["id"]:
                report.problems.append(
                    f"{row['filename']} ({row['id']}): {outcome.error or outcome.status}"
                )
            else:
                self._restore_filing(row, ids, pupils_of.get(row["id"], []), events_of)
                report.documents += 1
            if progress is not None:
                progress(n, len(rows))
        self.archive.dispatcher.relay_index()
        if self.archive.store.locks and ids.cases:  # originals locked as their cases keep
            self.archive.dispatcher.protect_originals(list(ids.cases.values()))

    def _restore_filing(
        self,
        row: dict[str, Any],
        ids: _Ids,
        pupils: list[str],
        events_of: dict[str, list[dict[str, Any]]],
    ) -> None:
        """The document's filing and history as the bag states them (once: a repeat
        finds its history already there)."""
        with self.archive.catalog.session() as s:
            doc = s.get(Document, row["id"])
            assert doc is not None
            for key, value in _renumbered(row, ids).items():
                setattr(doc, key, value)
            restored = from_json(Document, row)
            for key in (
                "title",
                "school_year",
                "class_label",
                "document_date",
                "subject",
                "filed_at",
                "health_data",
            ):
                setattr(doc, key, getattr(restored, key))
            known = {
                p.pupil_id
                for p in s.scalars(select(DocumentPupil).where(DocumentPupil.document_id == doc.id))
            }
            for pupil_id in pupils:
                if pupil_id not in known:
                    s.add(DocumentPupil(document_id=doc.id, pupil_id=pupil_id))
            imported = s.scalar(
                select(DocumentEvent.id).where(
                    DocumentEvent.document_id == doc.id, DocumentEvent.kind == "imported"
                )
            )
            if imported is None:
                for event in events_of.get(row["id"], []):
                    s.add(from_json(DocumentEvent, event, id=None))
                s.add(DocumentEvent(document_id=doc.id, kind="imported", detail="из пакета BagIt"))
            s.add(OutboxEntry(document_id=doc.id, operation="index"))  # search knows its filing


def _renumbered(row: dict[str, Any], ids: _Ids) -> dict[str, Any]:
    """A document's references to rows renumbered in the receiving catalog."""
    return {
        "case_id": ids.cases.get(row["case_id"]) if row.get("case_id") else None,
        "nomenclature_item_id": ids.items.get(row["nomenclature_item_id"])
        if row.get("nomenclature_item_id")
        else None,
        "act_id": ids.acts.get(row["act_id"]) if row.get("act_id") else None,
    }


def _read_catalog(path: Path) -> dict[str, Any]:
    try:
        catalog = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BagError(f"В пакете нет описи организации {CATALOG_FILE}: {exc}") from exc
    if not isinstance(catalog, dict) or catalog.get("format") != FORMAT:
        raise BagError("Это не пакет архива организации")
    if catalog.get("version") != VERSION:
        raise BagError(f"Пакет версии {catalog.get('version')}; этот архив читает версию {VERSION}")
    return catalog
