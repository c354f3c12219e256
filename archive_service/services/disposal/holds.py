"""Holds (приостановка уничтожения): what stops a record from being listed or destroyed.

A hold stands on a case, on a pupil or on a whole nomenclature item, with its reason,
who set it and when. Which cases it covers is worked out whenever it is asked, not
stored: a hold on a pupil covers a case filed about them after the hold was set, and a
hold on an item covers the item's cases under every version of the school's
nomenclature. Lifting keeps the row with who lifted it, when and why.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from archive_service.access import Policy
from archive_service.archive import Archive
from archive_service.catalog import (
    Case,
    Document,
    DocumentPupil,
    Hold,
    Nomenclature,
    NomenclatureItem,
    Pupil,
    School,
)
from archive_service.catalog.models import utcnow
from archive_service.schools import own_school_id
from archive_service.services.records.nomenclature import NomenclatureService

REASON_LIMIT = 2000


class HoldError(ValueError):
    """A hold that cannot be set or lifted; the message says why, in Russian."""


class HoldNotFound(HoldError):
    """No such record, or not one this person sees (the same to them)."""


@dataclass(frozen=True)
class HoldInfo:
    id: int
    school_id: int
    target: str  # «дело № 12», «обучающийся Иванов Иван», «статья 02-07»
    case_id: int | None
    pupil_id: str | None
    item_index: str | None
    reason: str
    set_by: str
    set_at: str
    lifted_by: str | None
    lifted_at: str | None
    lift_reason: str | None

    @property
    def active(self) -> bool:
        return self.lifted_at is None

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["hold_id"] = out.pop("id")
        out["active"] = self.active
        return out


def _clean_reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise HoldError("Укажите причину")
    return text[:REASON_LIMIT]


def case_school(case: Case) -> int:
    return case.item.nomenclature.school_id


def covered_cases(s: Session, school_id: int) -> dict[int, list[Hold]]:
    """Every case of the school under an active hold, with the holds that cover it."""
    holds = list(
        s.scalars(select(Hold).where(Hold.school_id == school_id, Hold.lifted_at.is_(None)))
    )
    if not holds:
        return {}
    school_cases = (
        select(Case.id, NomenclatureItem.index, Case.pupil_id)
        .join(NomenclatureItem, NomenclatureItem.id == Case.item_id)
        .join(Nomenclature, Nomenclature.id == NomenclatureItem.nomenclature_id)
        .where(Nomenclature.school_id == school_id)
    )
    by_case: dict[int, list[Hold]] = defaultdict(list)
    on_items: dict[str, list[Hold]] = defaultdict(list)
    pupil_holds: dict[str, list[Hold]] = defaultdict(list)
    for hold in holds:
        if hold.case_id is not None:
            by_case[hold.case_id].append(hold)
        if hold.item_index:
            on_items[hold.item_index].append(hold)
        if hold.pupil_id:
            pupil_holds[hold.pupil_id].append(hold)
    if on_items or pupil_holds:
        for case_id, index, pupil_id in s.execute(school_cases):
            by_case[case_id].extend(on_items.get(index, ()))
            if pupil_id:
                by_case[case_id].extend(pupil_holds.get(pupil_id, ()))
    if pupil_holds:  # a case holding a document about a held pupil, filed whenever
        rows = s.execute(
            select(Document.case_id, DocumentPupil.pupil_id)
            .join(DocumentPupil, DocumentPupil.document_id == Document.id)
            .where(DocumentPupil.pupil_id.in_(sorted(pupil_holds)), Document.case_id.is_not(None))
            .distinct()
        )
        for filed_in, pupil_id in rows:
            for hold in pupil_holds[pupil_id]:
                if filed_in is not None and hold not in by_case[filed_in]:
                    by_case[filed_in].append(hold)
    return {case_id: held for case_id, held in by_case.items() if held}


def holds_on_case(s: Session, case: Case) -> list[Hold]:
    """The active holds covering one case: on it, on its item's index, on its pupil or
    on a pupil a document in it is about (a few queries, not the whole school's)."""
    about = (
        select(DocumentPupil.pupil_id)
        .join(Document, Document.id == DocumentPupil.document_id)
        .where(Document.case_id == case.id)
    )
    pupils = set(s.scalars(about)) | ({case.pupil_id} if case.pupil_id else set())
    stands_on = [Hold.case_id == case.id, Hold.item_index == case.item.index]
    if pupils:
        stands_on.append(Hold.pupil_id.in_(sorted(pupils)))
    return list(
        s.scalars(
            select(Hold)
            .where(Hold.school_id == case_school(case), Hold.lifted_at.is_(None), or_(*stands_on))
            .order_by(Hold.id)
        )
    )


def _covered_by(s: Session, hold: Hold) -> list[int]:
    """The cases this one hold covers now."""
    return sorted(c for c, held in covered_cases(s, hold.school_id).items() if hold in held)


def describe(s: Session, hold: Hold) -> str:
    if hold.case_id is not None:
        case = s.get(Case, hold.case_id)
        title = f" «{case.title}»" if case is not None else ""
        return f"дело № {hold.case_id}{title}"
    if hold.pupil_id is not None:
        pupil = s.get(Pupil, hold.pupil_id)
        name = " ".join(x for x in (pupil.surname, pupil.name) if x) if pupil else "?"
        return f"обучающийся {name}"
    return f"статья номенклатуры {hold.item_index}"


def _info(s: Session, hold: Hold) -> HoldInfo:
    return HoldInfo(
        id=hold.id,
        school_id=hold.school_id,
        target=describe(s, hold),
        case_id=hold.case_id,
        pupil_id=hold.pupil_id,
        item_index=hold.item_index,
        reason=hold.reason,
        set_by=hold.set_by,
        set_at=hold.set_at.isoformat(timespec="seconds"),
        lifted_by=hold.lifted_by,
        lifted_at=hold.lifted_at.isoformat(timespec="seconds") if hold.lifted_at else None,
        lift_reason=hold.lift_reason,
    )


class HoldService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def add(
        self,
        *,
        reason: str,
        by: str,
        case_id: int | None = None,
        pupil_id: str | None = None,
        item_index: str | None = None,
        school_id: int | None = None,
        policy: Policy | None = None,
    ) -> int:
        """Set a hold on exactly one of a case, a pupil or an item (of `school_id`, the
        archive's own by default). A record the policy does not see is no record."""
        if sum(x is not None and x != "" for x in (case_id, pupil_id, item_index)) != 1:
            raise HoldError("Укажите одно: дело, обучающегося или статью номенклатуры")
        text = _clean_reason(reason)
        if item_index is not None:
            self._ensure_nomenclature(school_id)
        with self.archive.catalog.session() as s:
            if case_id is not None:
                case = s.get(Case, case_id)
                if case is None or (policy and not policy.sees_school(case_school(case))):
                    raise HoldNotFound(f"Дела № {case_id} нет")
                school = case_school(case)
            elif pupil_id is not None:
                pupil = s.get(Pupil, pupil_id)
                if pupil is None or (policy and not policy.sees_school(pupil.school_id)):
                    raise HoldNotFound("Обучающийся не найден")
                school = pupil.school_id
            else:
                school = school_id if school_id is not None else own_school_id(s)
                if policy and not policy.sees_school(school):
                    raise HoldNotFound("Организация не найдена")
                index = (item_index or "").strip()
                known = s.scalar(
                    select(NomenclatureItem.id)
                    .join(Nomenclature, Nomenclature.id == NomenclatureItem.nomenclature_id)
                    .where(Nomenclature.school_id == school, NomenclatureItem.index == index)
                    .limit(1)
                )
                if known is None:
                    raise HoldError(f"В номенклатуре нет статьи «{index}»")
                item_index = index
            hold = Hold(
                school_id=school,
                case_id=case_id,
                pupil_id=pupil_id,
                item_index=item_index,
                reason=text,
                set_by=by,
            )
            s.add(hold)
            s.flush()
            hold_id, covered = hold.id, _covered_by(s, hold)
        self._protect(covered)
        return hold_id

    def _protect(self, case_ids: list[int]) -> None:
        """The store's legal hold follows: set on what a new hold covers, cleared where
        a lifted one was the last (scaled mode; see services/disposal/protection.py)."""
        if case_ids and self.archive.store.locks:
            self.archive.dispatcher.protect_originals(case_ids)

    def _ensure_nomenclature(self, school_id: int | None) -> None:
        """A school that has not loaded its nomenclature works under the default, which
        is stored on first use: an item of it can be held from the first day."""
        name = None
        if school_id is not None:
            with self.archive.catalog.session() as s:
                school = s.get(School, school_id)
                if school is None:
                    raise HoldNotFound("Организация не найдена")
                name = school.name
        NomenclatureService(self.archive).current(name)

    def lift(self, hold_id: int, reason: str, by: str, policy: Policy | None = None) -> HoldInfo:
        text = _clean_reason(reason)
        with self.archive.catalog.session() as s:
            hold = s.get(Hold, hold_id, with_for_update=True)
            if hold is None or (policy and not policy.sees_school(hold.school_id)):
                raise HoldNotFound(f"Приостановки № {hold_id} нет")
            if hold.lifted_at is not None:
                raise HoldError(
                    f"Приостановка № {hold_id} уже снята {hold.lifted_at:%d.%m.%Y} "
                    f"({hold.lifted_by})"
                )
            covered = _covered_by(s, hold)
            hold.lifted_at = utcnow()
            hold.lifted_by = by
            hold.lift_reason = text
            s.flush()
            info = _info(s, hold)
        self._protect(covered)
        return info

    def get(self, hold_id: int, policy: Policy | None = None) -> HoldInfo:
        with self.archive.catalog.session() as s:
            hold = s.get(Hold, hold_id)
            if hold is None or (policy and not policy.sees_school(hold.school_id)):
                raise HoldNotFound(f"Приостановки № {hold_id} нет")
            return _info(s, hold)

    def all(self, policy: Policy | None = None, active_only: bool = False) -> list[HoldInfo]:
        """Holds of the schools the policy sees, the newest first."""
        query = select(Hold).order_by(Hold.id.desc())
        if policy is not None and policy.schools is not None:
            query = query.where(Hold.school_id.in_(sorted(policy.schools)))
        if active_only:
            query = query.where(Hold.lifted_at.is_(None))
        with self.archive.catalog.session() as s:
            return [_info(s, hold) for hold in s.scalars(query)]

    def on_case(self, case_id: int) -> list[HoldInfo]:
        """The active holds covering one case, by whatever they stand on."""
        with self.archive.catalog.session() as s:
            case = s.get(Case, case_id)
            if case is None:
                return []
            return [_info(s, hold) for hold in holds_on_case(s, case)]
