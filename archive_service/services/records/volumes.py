"""A case's volumes (тома): which one is open, and the next one.

A case runs as a series of volumes of one nomenclature index, one period and, for a
pupil's personal file, one pupil; the open volume takes new documents, and a closed
one is never reopened: the next volume opens instead.

A series outlives the nomenclature version it was opened under. A pupil's personal file
is kept from admission to leaving, and the book of certificates until it is full, while
the school approves a nomenclature every year and saves a new version with each edit:
every version has its own item rows, so a series tied to one item row would split in
two at each of them (a second «личное дело» of the same pupil, a second «классные
журналы, 2025/2026»). So the series is found by the item's index within the school, and
its open volume keeps the item it was opened under, with that item's retention rule.

Filing and the archivist's «next volume» both open volumes, so they take turns here on
one row per series: the school's first item with that index, which no later version
changes. Two of them at once would each find no open volume and open one apiece (a
series without a pupil has NULL in `pupil_id`, which no unique constraint compares).
SQLite's single writer takes turns anyway; PostgreSQL needs the row lock, which ends
with the caller's transaction.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from archive_service.catalog import (
    Case,
    DisposalActCase,
    Document,
    Hold,
    Nomenclature,
    NomenclatureItem,
)


def take_turn(s: Session, item: NomenclatureItem) -> None:
    """Wait until no other transaction is opening or closing a volume of this series."""
    first = s.scalar(select(func.min(NomenclatureItem.id)).where(_same_index(item)))
    s.execute(select(NomenclatureItem.id).where(NomenclatureItem.id == first).with_for_update())


def open_volume(
    s: Session, item: NomenclatureItem, period: str, pupil_id: str | None
) -> Case | None:
    """The series' open volume, if any (the latest, should there be more), under
    whichever version of the item it was opened."""
    return s.scalars(
        select(Case)
        .where(_in_series(item, period, pupil_id), Case.closed_on.is_(None))
        .order_by(Case.volume.desc())
    ).first()


def add_volume(
    s: Session, item: NomenclatureItem, title: str, period: str, pupil_id: str | None
) -> Case:
    """The series' next volume, opened today under `item` (the first, for a new series);
    numbered after every volume of the series, whichever version those were opened
    under."""
    last = s.scalar(select(func.max(Case.volume)).where(_in_series(item, period, pupil_id)))
    case = Case(
        item_id=item.id,
        title=title,
        period=period,
        pupil_id=pupil_id,
        volume=(last or 0) + 1,
        opened_on=date.today(),
    )
    s.add(case)
    s.flush()
    return case


def drop_if_left_empty(s: Session, case_id: int) -> bool:
    """Remove the volume a refiling has just emptied, if it was only ever that: open,
    holding no document (nor a destroyed one's stub), no paper location, no hold, in no
    act, and the last of its series. An archivist who files a protocol into the wrong
    kind and moves it would otherwise leave a case open with 0 sheets in every list,
    inventory and disposal year. Returns whether it was removed."""
    case = s.get(Case, case_id)
    if case is None or case.closed_on is not None or any((case.room, case.shelf, case.box)):
        return False
    still_used = [
        select(Document.id).where(Document.case_id == case_id),
        select(Hold.id).where(Hold.case_id == case_id),
        select(DisposalActCase.id).where(DisposalActCase.case_id == case_id),
        select(Case.id).where(
            _in_series(case.item, case.period, case.pupil_id), Case.volume > case.volume
        ),
    ]
    if any(s.scalar(query.limit(1)) is not None for query in still_used):
        return False
    s.delete(case)
    return True


def _same_index(item: NomenclatureItem) -> ColumnElement[bool]:
    """Items of every version of the school's nomenclature with this item's index."""
    school = select(Nomenclature.school_id).where(Nomenclature.id == item.nomenclature_id)
    versions = select(Nomenclature.id).where(Nomenclature.school_id == school.scalar_subquery())
    return (NomenclatureItem.index == item.index) & NomenclatureItem.nomenclature_id.in_(versions)


def _in_series(item: NomenclatureItem, period: str, pupil_id: str | None) -> ColumnElement[bool]:
    same_pupil = Case.pupil_id == pupil_id if pupil_id else Case.pupil_id.is_(None)
    series_items = select(NomenclatureItem.id).where(_same_index(item))
    return Case.item_id.in_(series_items) & (Case.period == period) & same_pupil
