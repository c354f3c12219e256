"""A case's volumes (тома): which one is open, and the next one.

A case runs as a series of volumes of one nomenclature item, one period and, for a
pupil's personal file, one pupil; the open volume takes new documents, and a closed
one is never reopened: the next volume opens instead. Filing and the archivist's «next
volume» both open volumes, so they take turns here on the item's row: two of them at
once would each find no open volume and open one apiece (a series without a pupil has
NULL in `pupil_id`, which no unique constraint compares). SQLite's single writer takes
turns anyway; PostgreSQL needs the row lock, which ends with the caller's transaction.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from archive_service.catalog import Case, NomenclatureItem


def take_turn(s: Session, item_id: int) -> None:
    """Wait until no other transaction is opening a volume of this item."""
    s.execute(select(NomenclatureItem.id).where(NomenclatureItem.id == item_id).with_for_update())


def open_volume(s: Session, item_id: int, period: str, pupil_id: str | None) -> Case | None:
    """The series' open volume, if any (the latest, should there be more)."""
    return s.scalars(
        select(Case)
        .where(
            Case.item_id == item_id,
            Case.period == period,
            _same_pupil(pupil_id),
            Case.closed_on.is_(None),
        )
        .order_by(Case.volume.desc())
    ).first()


def add_volume(s: Session, item_id: int, title: str, period: str, pupil_id: str | None) -> Case:
    """The series' next volume, opened today (the first, for a new series)."""
    last = s.scalar(
        select(func.max(Case.volume)).where(
            Case.item_id == item_id, Case.period == period, _same_pupil(pupil_id)
        )
    )
    case = Case(
        item_id=item_id,
        title=title,
        period=period,
        pupil_id=pupil_id,
        volume=(last or 0) + 1,
        opened_on=date.today(),
    )
    s.add(case)
    s.flush()
    return case


def _same_pupil(pupil_id: str | None) -> ColumnElement[bool]:
    return Case.pupil_id == pupil_id if pupil_id else Case.pupil_id.is_(None)
