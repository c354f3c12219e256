"""The personal-data side of an act (Приказ Роскомнадзора № 179 от 28.10.2022): which
people's data it destroys, and the archive's event log for them.

The people are taken when the act is approved, from the cases it lists: the pupil whose
personal file a case is, and every pupil a document of the act is filed about. They
have to be taken then: destruction removes the very links that name them. Each person
keeps the act's cases and the sheets about them, and the ids of their documents, so the
event log of who saw and did what with those records can still be exported after.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from archive_service.access import Policy
from archive_service.archive import Archive
from archive_service.catalog import (
    Case,
    DisposalAct,
    DisposalActSubject,
    Document,
    DocumentPupil,
    Pupil,
)
from archive_service.catalog.models import AuditEntry
from archive_service.services.disposal.act_model import load_act

SYSTEM_NAME = "Архив индивидуального учёта результатов обучающихся"
METHOD = (
    "электронные документы: удаление из информационной системы всех копий (оригиналы, "
    "их версии, производные файлы, записи поискового индекса); бумажные носители: "
    "измельчение (передача на переработку)"
)


@dataclass(frozen=True)
class Subject:
    full_name: str
    categories: str
    sheets: int
    cases: str


@dataclass(frozen=True)
class LoggedEvent:
    at: str
    actor: str
    role: str
    action: str
    target: str
    outcome: str
    detail: str


def take_subjects(s: Session, act: DisposalAct) -> None:
    """Record the people whose data the act's cases hold (once: taken again, replaced)."""
    for old in s.scalars(select(DisposalActSubject).where(DisposalActSubject.act_id == act.id)):
        s.delete(old)
    case_ids = [row.case_id for row in act.cases]
    docs = list(s.scalars(select(Document).where(Document.case_id.in_(case_ids))))
    about: dict[str, set[str]] = defaultdict(set)
    for doc_id, pupil_id in s.execute(
        select(DocumentPupil.document_id, DocumentPupil.pupil_id).where(
            DocumentPupil.document_id.in_([d.id for d in docs])
        )
    ):
        about[pupil_id].add(doc_id)
    for case_id in case_ids:
        case = s.get(Case, case_id)
        if case is not None and case.pupil_id:
            about[case.pupil_id].update(d.id for d in docs if d.case_id == case_id)
    by_id = {d.id: d for d in docs}
    for pupil_id in sorted(about):
        pupil = s.get(Pupil, pupil_id)
        if pupil is None:
            continue
        theirs = [by_id[d] for d in sorted(about[pupil_id])]
        cases = {d.case_id for d in theirs if d.case_id is not None}
        titles = []
        for case_id in sorted(cases):
            case = s.get(Case, case_id)
            if case is not None:
                titles.append(f"{case.item.index} {case.item.title}")
        s.add(
            DisposalActSubject(
                act_id=act.id,
                pupil_id=pupil_id,
                full_name=pupil.full_name[:300],
                categories=(
                    "фамилия, имя, отчество; сведения, содержащиеся в документах дел: "
                    + "; ".join(sorted(set(titles)))
                ),
                sheets=sum(d.page_count for d in theirs),
                cases="; ".join(sorted(set(titles))),
                document_ids=",".join(d.id for d in theirs),
            )
        )


class PersonalDataService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def subjects(self, act_id: int, policy: Policy | None = None) -> list[Subject]:
        with self.archive.catalog.session() as s:
            load_act(s, act_id, policy)
            rows = s.scalars(
                select(DisposalActSubject)
                .where(DisposalActSubject.act_id == act_id)
                .order_by(DisposalActSubject.full_name)
            )
            return [Subject(r.full_name, r.categories, r.sheets, r.cases) for r in rows]

    def event_log(self, act_id: int, policy: Policy | None = None) -> list[LoggedEvent]:
        """The audit log's rows about these people and their records, oldest first."""
        with self.archive.catalog.session() as s:
            load_act(s, act_id, policy)
            targets: set[str] = set()
            for row in s.scalars(
                select(DisposalActSubject).where(DisposalActSubject.act_id == act_id)
            ):
                targets.add(f"pupil:{row.pupil_id}")
                targets.update(f"document:{d}" for d in row.document_ids.split(",") if d)
            if not targets:
                return []
            rows = s.scalars(
                select(AuditEntry)
                .where(or_(AuditEntry.target.in_(sorted(targets))))
                .order_by(AuditEntry.id)
            )
            return [
                LoggedEvent(
                    r.at.isoformat(timespec="seconds"),
                    r.actor,
                    r.role,
                    r.action,
                    r.target,
                    r.outcome,
                    r.detail,
                )
                for r in rows
            ]
