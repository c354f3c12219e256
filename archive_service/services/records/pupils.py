"""Pupils in the catalog, fed by class lists.

A pupil already known (same ФИО and, where both are known, date of birth) is not added
twice: the list only records their class for that school year. Importing the same list
again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive_service.archive import Archive
from archive_service.catalog import (
    Case,
    Document,
    DocumentPupil,
    NomenclatureItem,
    Pupil,
    PupilClass,
    PupilEvent,
    School,
)
from archive_service.schools import school_row
from intake.class_list import ClassListRow
from search.query import words_match


@dataclass(frozen=True)
class ClassListReport:
    added: int
    known: int
    classes_set: int


def _key(text: str | None) -> str:
    return (text or "").strip().lower().replace("ё", "е")


class PupilService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def import_rows(self, rows: list[ClassListRow], school: str | None = None) -> ClassListReport:
        """All rows in one transaction: a list goes in whole or not at all.

        Imports into one school take turns on the school's row: pupils have no unique
        key (namesakes are real), so two imports of the same list at once would each
        miss the pupils the other has not committed yet and add them twice. SQLite's
        single writer already makes them take turns; PostgreSQL needs the row lock.
        """
        added = known = classes = 0
        with self.archive.catalog.session() as s:
            owner = school_row(s, school)
            s.execute(select(School.id).where(School.id == owner.id).with_for_update())
            for row in rows:
                pupil = self._find(s, owner.id, row)
                if pupil is None:
                    pupil = Pupil(
                        school_id=owner.id,
                        surname=row.surname,
                        name=row.name,
                        patronymic=row.patronymic,
                        birth_date=row.birth_date,
                    )
                    s.add(pupil)
                    s.flush()
                    added += 1
                else:
                    known += 1
                    if pupil.birth_date is None and row.birth_date is not None:
                        pupil.birth_date = row.birth_date
                entry = s.scalars(
                    select(PupilClass).where(
                        PupilClass.pupil_id == pupil.id,
                        PupilClass.school_year == row.school_year,
                    )
                ).first()
                if entry is None:
                    s.add(
                        PupilClass(
                            pupil_id=pupil.id,
                            school_year=row.school_year,
                            class_label=row.class_label,
                        )
                    )
                    s.flush()
                    classes += 1
                elif entry.class_label != row.class_label:
                    entry.class_label = row.class_label
                    classes += 1
            owner_id = owner.id
        if added:  # records archived before these pupils were known now concern them
            from archive_service.services.records.ejournal import JournalService
            from archive_service.services.records.proposals import ProposalService

            JournalService(self.archive).relink(owner_id)
            ProposalService(self.archive).refresh_unfiled(owner_id)
        return ClassListReport(added, known, classes)

    @staticmethod
    def _find(s: Session, school_id: int, row: ClassListRow) -> Pupil | None:
        same_name = [
            p
            for p in s.scalars(
                select(Pupil).where(Pupil.school_id == school_id, Pupil.surname == row.surname)
            )
            if _key(p.name) == _key(row.name) and _key(p.patronymic) == _key(row.patronymic)
        ]
        if row.birth_date is not None:
            exact = [p for p in same_name if p.birth_date == row.birth_date]
            if exact:
                return exact[0]
            same_name = [p for p in same_name if p.birth_date is None]
        return same_name[0] if len(same_name) == 1 else None


@dataclass(frozen=True)
class PupilSummary:
    id: str
    full_name: str
    birth_date: str | None
    classes: list[tuple[str, str]]  # (school year, class), newest first
    school_id: int | None = None


@dataclass(frozen=True)
class PupilDocument:
    id: str
    title: str
    school_year: str | None
    item_index: str | None
    class_label: str | None
    health_data: bool
    school_id: int | None = None


def _summary(s: Session, pupil: Pupil) -> PupilSummary:
    classes = [
        (c.school_year, c.class_label)
        for c in s.scalars(
            select(PupilClass)
            .where(PupilClass.pupil_id == pupil.id)
            .order_by(PupilClass.school_year.desc())
        )
    ]
    return _summary_of(pupil, classes)


def _summary_of(pupil: Pupil, classes: list[tuple[str, str]]) -> PupilSummary:
    name = " ".join(p for p in (pupil.surname, pupil.name, pupil.patronymic) if p)
    born = pupil.birth_date.strftime("%d.%m.%Y") if pupil.birth_date else None
    return PupilSummary(pupil.id, name, born, classes, pupil.school_id)


def class_order(label: str) -> tuple[int, str]:
    """«5А» before «10А», as a school lists its classes."""
    digits = "".join(c for c in label if c.isdigit())
    return (int(digits) if digits else 0, label)


@dataclass(frozen=True)
class PupilList:
    pupils: list[PupilSummary]  # those found
    total: int  # everyone the person may see
    classes: list[str]  # the latest classes among them all, to narrow by


class PupilQueries:
    """What the pupil pages show."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def all(
        self, classes: frozenset[str] | None = None, schools: frozenset[int] | None = None
    ) -> list[PupilSummary]:
        """Every pupil; with `classes`, only those whose latest class is one of them;
        with `schools`, only those of these schools."""
        return self.find(classes, schools=schools).pupils

    def find(
        self,
        classes: frozenset[str] | None = None,
        name: str = "",
        class_label: str = "",
        schools: frozenset[int] | None = None,
    ) -> PupilList:
        """The pupils whose name has every word of `name` in any case form or begun
        («Смирновой Анне», «Смир» find «Смирнова Анна Сергеевна»), and whose latest
        class is `class_label`: a school keeps a thousand pupils and more, and the
        secretary looks for one. With `classes`, only those whose latest class is one
        of them are there at all (a class teacher's); with `schools`, only pupils of
        those schools (a school's people in a district archive)."""
        with self.archive.catalog.reading() as s:
            history: dict[str, list[tuple[str, str]]] = {}
            for c in s.scalars(select(PupilClass).order_by(PupilClass.school_year.desc())):
                history.setdefault(c.pupil_id, []).append((c.school_year, c.class_label))
            query = select(Pupil).order_by(Pupil.surname, Pupil.name, Pupil.patronymic)
            if schools is not None:
                query = query.where(Pupil.school_id.in_(sorted(schools)))
            pupils = s.scalars(query)
            everyone = [_summary_of(p, history.get(p.id, [])) for p in pupils]
        if classes is not None:
            everyone = [p for p in everyone if p.classes and p.classes[0][1] in classes]
        found = [
            p
            for p in everyone
            if words_match(name, p.full_name)
            and (not class_label or (p.classes and p.classes[0][1] == class_label))
        ]
        labels = sorted({p.classes[0][1] for p in everyone if p.classes}, key=class_order)
        return PupilList(found, len(everyone), labels)

    def get(self, pupil_id: str) -> tuple[PupilSummary, list[PupilDocument]] | None:
        with self.archive.catalog.reading() as s:
            pupil = s.get(Pupil, pupil_id)
            if pupil is None:
                return None
            rows = s.execute(
                select(Document, NomenclatureItem.index)
                .join(DocumentPupil, DocumentPupil.document_id == Document.id)
                .outerjoin(NomenclatureItem, NomenclatureItem.id == Document.nomenclature_item_id)
                .where(DocumentPupil.pupil_id == pupil_id)
                .order_by(Document.school_year.desc(), Document.title)
            )
            documents = [
                PupilDocument(
                    doc.id,
                    doc.title,
                    doc.school_year,
                    index,
                    doc.class_label,
                    doc.health_data,
                    doc.school_id,
                )
                for doc, index in rows
            ]
            return _summary(s, pupil), documents


EVENT_LABELS = {
    "admitted": "зачислен",
    "transferred_out": "отчислен в порядке перевода",
    "graduated": "окончил обучение",
    "left": "выбыл",
}
# Events after which the pupil's personal file closes, starting its retention clock
# (domain.md: «3 года после выбытия»).
LEAVING = {"transferred_out", "graduated", "left"}


class PupilEventError(ValueError):
    pass


def record_event(archive: Archive, pupil_id: str, kind: str, on: date, basis: str) -> int:
    """Record a status event; leaving closes the pupil's open cases dated that day.
    Returns how many cases closed."""
    if kind not in EVENT_LABELS:
        raise PupilEventError(f"Неизвестное событие «{kind}»")
    basis = " ".join(basis.split())
    if kind != "admitted" and not basis:
        raise PupilEventError("Укажите основание: приказ № и дату")
    basis = basis[:255]
    closed = 0
    with archive.catalog.session() as s:
        # Locked, so that the same event sent twice at once (a double press) is seen
        # by the second request instead of recorded twice.
        pupil = s.get(Pupil, pupil_id, with_for_update=True)
        if pupil is None:
            raise PupilEventError("Обучающийся не найден")
        same = select(PupilEvent.id).where(
            PupilEvent.pupil_id == pupil_id,
            PupilEvent.kind == kind,
            PupilEvent.on == on,
            PupilEvent.basis == basis,
        )
        if s.scalar(same) is not None:
            raise PupilEventError(f"Событие «{EVENT_LABELS[kind]}» от {on:%d.%m.%Y} уже записано")
        s.add(PupilEvent(pupil_id=pupil_id, kind=kind, on=on, basis=basis))
        if kind in LEAVING:
            for case in s.scalars(
                select(Case).where(Case.pupil_id == pupil_id, Case.closed_on.is_(None))
            ):
                case.closed_on = max(on, case.opened_on)
                closed += 1
    return closed


def events_of(archive: Archive, pupil_id: str) -> list[dict[str, str]]:
    with archive.catalog.session() as s:
        return [
            {
                "kind": e.kind,
                "label": EVENT_LABELS.get(e.kind, e.kind),
                "on": e.on.strftime("%d.%m.%Y"),
                "basis": e.basis,
            }
            for e in s.scalars(
                select(PupilEvent).where(PupilEvent.pupil_id == pupil_id).order_by(PupilEvent.on)
            )
        ]
