"""The year's disposal list: which cases of a school may go into that year's act, and
what is held back and why (a hold, ЭПК awaiting the commission, ДМН, permanent, or a
period still running). The retention officer drafts the act from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive_service.access import Policy
from archive_service.archive import Archive
from archive_service.catalog import (
    Case,
    DisposalAct,
    DisposalActCase,
    Document,
    Nomenclature,
    NomenclatureItem,
)
from archive_service.schools import own_school_id
from archive_service.services.disposal.holds import covered_cases
from archive_service.services.records.clock import leaving_dates, retention_of
from retention.schedule import Standing

FIRST_YEAR, LAST_YEAR = 1990, 2200


class DueError(ValueError):
    """A list that cannot be made; the message says why, in Russian."""


def case_dates(
    case: Case, closed_on: date | None, documents: tuple[date, date] | None = None
) -> str:
    """Крайние даты дела as an act prints them: the years the case spans. A case of a
    period spans it; otherwise its documents' dates say it, or the year it closed (the
    day the archive opened the case is when it was scanned, not when it was written)."""
    if "/" in case.period:
        return case.period.replace("/", "–")
    if case.period:
        return case.period
    if documents is not None:
        first, last = documents[0].year, documents[1].year
    elif closed_on is not None:
        first = last = closed_on.year
    else:
        first = last = case.opened_on.year
    return str(first) if first >= last else f"{first}–{last}"


def document_dates(s: Session, case_ids: list[int]) -> dict[int, tuple[date, date]]:
    """The earliest and latest document date of each case that has dated documents."""
    if not case_ids:
        return {}
    rows = s.execute(
        select(Document.case_id, func.min(Document.document_date), func.max(Document.document_date))
        .where(Document.case_id.in_(case_ids), Document.document_date.is_not(None))
        .group_by(Document.case_id)
    )
    return {
        case_id: (first, last)
        for case_id, first, last in rows
        if case_id is not None and first is not None and last is not None
    }


@dataclass(frozen=True)
class DueCase:
    case_id: int
    index: str
    item_title: str
    title: str
    dates: str
    period: str
    basis: str
    keep_until: str | None
    why: str
    reason: Standing
    holds: tuple[int, ...] = ()

    def as_due(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "index": self.index,
            "title": self.title,
            "dates": self.dates,
            "period": self.period,
            "basis": self.basis,
            "keep_until": self.keep_until,
            "why": self.why,
        }

    def as_held_back(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "index": self.index,
            "title": self.title,
            "reason": self.reason.value,
            "why": self.why,
            "holds": list(self.holds),
        }


@dataclass(frozen=True)
class DueList:
    year: int
    school_id: int
    due: list[DueCase] = field(default_factory=list)
    held_back: list[DueCase] = field(default_factory=list)

    def by_item(self) -> list[tuple[str, str, list[DueCase]]]:
        """The due cases grouped by nomenclature item, in index order (as the act lists
        them)."""
        groups: dict[str, tuple[str, list[DueCase]]] = {}
        for entry in self.due:
            groups.setdefault(entry.index, (entry.item_title, []))[1].append(entry)
        return [(index, title, cases) for index, (title, cases) in sorted(groups.items())]

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "due": [c.as_due() for c in self.due],
            "held_back": [c.as_held_back() for c in self.held_back],
        }


def acted_cases(s: Session, school_id: int) -> dict[int, str]:
    """Cases of the school already in an act, whatever its state, with the act's words:
    a case goes into one act only."""
    rows = s.execute(
        select(DisposalActCase.case_id, DisposalAct.number, DisposalAct.year)
        .join(DisposalAct, DisposalAct.id == DisposalActCase.act_id)
        .where(DisposalAct.school_id == school_id)
    )
    return {case_id: f"включено в акт № {number} ({year} год)" for case_id, number, year in rows}


class DueService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def due(
        self,
        year: int,
        school_id: int | None = None,
        policy: Policy | None = None,
        today: date | None = None,
    ) -> DueList:
        """The list for the act of `year` of one school (the archive's own by default)."""
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise DueError(f"Год акта — четыре цифры от {FIRST_YEAR} до {LAST_YEAR}")
        with self.archive.catalog.session() as s:
            school = school_id if school_id is not None else own_school_id(s)
            if policy is not None and not policy.sees_school(school):
                raise DueError("Организация не найдена")
            rows = list(
                s.execute(
                    select(Case, NomenclatureItem)
                    .join(NomenclatureItem, NomenclatureItem.id == Case.item_id)
                    .join(Nomenclature, Nomenclature.id == NomenclatureItem.nomenclature_id)
                    .where(Nomenclature.school_id == school)
                    .order_by(NomenclatureItem.index, Case.period, Case.title, Case.volume)
                )
            )
            left = leaving_dates(s, (case.pupil_id for case, _ in rows if case.pupil_id))
            held = covered_cases(s, school)
            in_acts = acted_cases(s, school)
            dated = document_dates(s, [case.id for case, _ in rows if not case.period])
            due: list[DueCase] = []
            held_back: list[DueCase] = []
            for case, item in rows:
                retention = retention_of(case, item, left.get(case.pupil_id or ""), today)
                holds = held.get(case.id, [])
                standing = retention.standing(year, held=bool(holds))
                why = retention.why(year, held=bool(holds))
                if holds:
                    why = "; ".join(f"приостановка № {h.id}: {h.reason}" for h in holds)
                if case.id in in_acts and standing is not Standing.PERMANENT:
                    standing, why = Standing.IN_ACT, in_acts[case.id]
                title = case.title if case.volume == 1 else f"{case.title}, том {case.volume}"
                entry = DueCase(
                    case_id=case.id,
                    index=item.index,
                    item_title=item.title,
                    title=title,
                    dates=case_dates(case, retention.closed_on, dated.get(case.id)),
                    period=retention.rule.label,
                    basis=retention.rule.basis,
                    keep_until=retention.keep_until.isoformat() if retention.keep_until else None,
                    why=why,
                    reason=standing,
                    holds=tuple(h.id for h in holds),
                )
                (due if standing is Standing.DUE else held_back).append(entry)
            return DueList(year=year, school_id=school, due=due, held_back=held_back)
