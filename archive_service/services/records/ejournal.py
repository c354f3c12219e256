"""An archived e-journal export becomes data: its marks, its pupils, its filing.

Once the export's printed PDF is archived, its marks are written as rows (a lesson's, a
period's, the final one), every pupil named in it is matched against the school's
registry (ФИО in any word order, ё as е) and linked, and the export is filed: a
subject's grid under the e-journal item (02-03, kept 5 years), the yearly summary under
the summary sheets (02-02, kept 25 years), for its school year and class. A pupil the
registry does not know is kept by name, said in the document's history, and linked
when a class list brings them (`relink`). Run again, it changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from archive_service.archive import Archive
from archive_service.catalog import (
    Document,
    DocumentEvent,
    DocumentPupil,
    JournalMark,
    OutboxEntry,
    Pupil,
)
from archive_service.domain import MediaType
from archive_service.services.records.filing import Filing, FilingError, FilingService
from intake.ejournal import JournalExport, read_journal

GRID_ITEM = "02-03"  # Электронный журнал успеваемости (выгрузка за учебный год)
SUMMARY_ITEM = "02-02"  # Сводные ведомости учёта успеваемости обучающихся

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SubjectMarks:
    """A pupil's marks in one subject for one school year."""

    school_year: str
    class_label: str
    subject: str
    final: str | None
    periods: list[tuple[str, str]]  # («I четверть», «5»)
    lessons: list[tuple[str, str]]  # («02.09», «4»)

    def as_dict(self) -> dict[str, object]:
        return {
            "school_year": self.school_year,
            "class": self.class_label,
            "subject": self.subject,
            "final": self.final,
            "periods": [{"label": p, "mark": m} for p, m in self.periods],
            "lessons": [{"on": d, "mark": m} for d, m in self.lessons],
        }


def name_key(full_name: str) -> frozenset[str]:
    """A name as a set of words, ё as е, any case: «Иванов Пётр» is «пётр иванов»."""
    return frozenset(w.lower().replace("ё", "е") for w in full_name.split())


def _registry(s: Session, school_id: int) -> dict[frozenset[str], list[str]]:
    """The school's pupils by their name's words, with and without the patronymic (a
    journal may write either)."""
    found: dict[frozenset[str], list[str]] = {}
    for pupil in s.scalars(select(Pupil).where(Pupil.school_id == school_id)):
        keys = {name_key(f"{pupil.surname} {pupil.name}"), name_key(pupil.full_name)}
        for key in keys:
            found.setdefault(key, []).append(pupil.id)
    return found


def _rows(journal: JournalExport, document_id: str, school_id: int) -> list[JournalMark]:
    """Every mark of the export as a row, and per pupil the final one a grid gives."""

    def row_of(
        pupil: str, subject: str, kind: str, label: str, mark: str, on: date | None = None
    ) -> JournalMark:
        return JournalMark(
            document_id=document_id,
            school_id=school_id,
            pupil_name=pupil,
            school_year=journal.school_year,
            class_label=journal.class_label,
            subject=subject[:100],
            kind=kind,
            label=label[:100],
            on=on,
            mark=mark[:16],
        )

    out = []
    for row in journal.rows:
        for n, mark in row.marks.items():
            column = journal.columns[n]
            if column.kind == "subject":  # a summary: the subject's final mark
                out.append(row_of(row.pupil, column.label, "final", column.label, mark))
            else:
                subject = journal.subject or ""
                out.append(row_of(row.pupil, subject, column.kind, column.label, mark, column.on))
        if journal.kind == "grid":
            for subject, mark in journal.finals(row).items():
                out.append(row_of(row.pupil, subject, "final", "итог", mark))
    return out


class JournalService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def take_in(self, document_id: str) -> None:
        """Marks, pupils and filing of an archived export (once; a repeat is a no-op)."""
        with self.archive.catalog.session() as s:
            doc = s.get(Document, document_id)
            if doc is None or not MediaType(doc.media_type).is_spreadsheet:
                return
            if doc.case_id is not None:
                return
            key, school_id = doc.storage_key, doc.school_id
        if school_id is None:
            return
        journal = read_journal(self.archive.store.get_bytes(key))
        with self.archive.catalog.session() as s:
            s.execute(delete(JournalMark).where(JournalMark.document_id == document_id))
            registry = _registry(s, school_id)
            rows = _rows(journal, document_id, school_id)
            unknown: set[str] = set()
            linked: set[str] = set()
            for mark in rows:
                matches = registry.get(name_key(mark.pupil_name), [])
                if len(matches) == 1:
                    mark.pupil_id = matches[0]
                    linked.add(matches[0])
                else:
                    unknown.add(mark.pupil_name)
            s.add_all(rows)
            if unknown:
                s.add(
                    DocumentEvent(
                        document_id=document_id,
                        kind="pupils_unmatched",
                        detail="Нет в списке обучающихся (или несколько с таким ФИО): "
                        + ", ".join(sorted(unknown))
                        + "; отметки сохранены и свяжутся после загрузки списка класса",
                    )
                )
        item = SUMMARY_ITEM if journal.kind == "summary" else GRID_ITEM
        try:
            FilingService(self.archive).file(
                document_id,
                Filing(
                    item,
                    title=journal.title,
                    school_year=journal.school_year,
                    class_label=journal.class_label,
                    subject=journal.subject,
                    pupil_ids=sorted(linked),
                ),
            )
        except FilingError as exc:
            with self.archive.catalog.session() as s:
                s.add(
                    DocumentEvent(
                        document_id=document_id,
                        kind="filing_failed",
                        detail=f"Выгрузка журнала не подшита: {exc}",
                    )
                )

    def relink(self, school_id: int) -> int:
        """Link the marks of pupils a class list has just brought; returns how many
        pupils were linked (their journals now concern them, in search too)."""
        linked = 0
        with self.archive.catalog.session() as s:
            loose = list(
                s.scalars(
                    select(JournalMark).where(
                        JournalMark.school_id == school_id, JournalMark.pupil_id.is_(None)
                    )
                )
            )
            if not loose:
                return 0
            registry = _registry(s, school_id)
            touched: set[tuple[str, str]] = set()
            for mark in loose:
                matches = registry.get(name_key(mark.pupil_name), [])
                if len(matches) == 1:
                    mark.pupil_id = matches[0]
                    touched.add((mark.document_id, matches[0]))
            for document_id, pupil_id in touched:
                if s.get(DocumentPupil, (document_id, pupil_id)) is None:
                    s.add(DocumentPupil(document_id=document_id, pupil_id=pupil_id))
                    s.add(OutboxEntry(document_id=document_id, operation="index"))
            linked = len({p for _, p in touched})
        if linked:
            self.archive.dispatcher.relay_index()
        return linked

    def marks_of(self, pupil_id: str, classes: frozenset[str] | None = None) -> list[SubjectMarks]:
        """The pupil's marks by school year and subject, newest year first; `classes`:
        only the journals of those classes (a class teacher's view)."""
        query = select(JournalMark).where(JournalMark.pupil_id == pupil_id)
        if classes is not None:
            query = query.where(JournalMark.class_label.in_(sorted(classes)))
        with self.archive.catalog.session() as s:
            rows = list(
                s.scalars(
                    query.order_by(
                        JournalMark.school_year.desc(), JournalMark.subject, JournalMark.id
                    )
                )
            )
        grouped: dict[tuple[str, str], list[JournalMark]] = {}
        for row in rows:
            grouped.setdefault((row.school_year, row.subject), []).append(row)
        out = []
        for (year, subject), marks in grouped.items():
            finals = [m.mark for m in marks if m.kind == "final"]
            out.append(
                SubjectMarks(
                    year,
                    marks[0].class_label,
                    subject,
                    finals[-1] if finals else None,
                    [(m.label, m.mark) for m in marks if m.kind == "period"],
                    [(m.label, m.mark) for m in marks if m.kind == "lesson"],
                )
            )
        return out
