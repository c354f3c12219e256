"""Each case's retention, read from the catalog (retention.schedule does the dates).

A case's rule is its nomenclature item's, of the version it was opened under; a personal
file closes on its pupil's latest leaving event. Lists read many cases at once, so the
leaving dates come in one query for all of them rather than one per case.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive_service.catalog import Case, NomenclatureItem, PupilEvent
from archive_service.services.records.pupils import LEAVING
from retention.rules import Closing, RetentionKind, RetentionRule
from retention.schedule import CaseRetention, closing


def rule_of(item: NomenclatureItem) -> RetentionRule:
    return RetentionRule(
        RetentionKind(item.retention_kind),
        years=item.retention_years,
        review_date=item.review_date,
        epk=item.epk,
        basis=item.basis,
    )


def leaving_dates(s: Session, pupil_ids: Iterable[str]) -> dict[str, date]:
    """The day each of these pupils last left the school (transfer, graduation, leaving)."""
    wanted = sorted({p for p in pupil_ids if p})
    if not wanted:
        return {}
    rows = s.execute(
        select(PupilEvent.pupil_id, func.max(PupilEvent.on))
        .where(PupilEvent.pupil_id.in_(wanted), PupilEvent.kind.in_(sorted(LEAVING)))
        .group_by(PupilEvent.pupil_id)
    )
    return {pupil: on for pupil, on in rows}


def retention_of(
    case: Case, item: NomenclatureItem, left_on: date | None, today: date | None = None
) -> CaseRetention:
    closed_on, closed_by = closing(
        Closing(item.closes), case.period, case.closed_on, left_on, today or date.today()
    )
    return CaseRetention(rule_of(item), closed_on, closed_by)


def case_retention(s: Session, case: Case, today: date | None = None) -> CaseRetention:
    """One case's retention, as its page shows it."""
    left = leaving_dates(s, [case.pupil_id] if case.pupil_id else []).get(case.pupil_id or "")
    return retention_of(case, case.item, left, today)
