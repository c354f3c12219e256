"""How long the store itself keeps each original, and whether a hold pins it there.

In scaled mode the bucket has S3 object lock. An original is written with a stand-in
retention (ARCHIVE_ORIGINAL_RETENTION_DAYS) because at intake nobody knows its case
yet; once filed, its lock runs to the last day of keeping of its case, and an active
hold (приостановка уничтожения) adds the legal hold, which no bypass lifts: destruction
of a held original fails in the store even if every check above it were wrong.

Locks only grow. An open case's last day is not known yet, so its lock runs to the
earliest it could be (the case closing today, or at its period's end if that is
later), a lower bound that the daily renewal moves on; permanent and ДМН originals
keep a long lock renewed before it runs short. Everything ends on 31 December or a
year ahead, so renewal asks the store again about once a year per original, not daily.
The catalog remembers what was last set (`locked_until`, `legal_hold`), so a renewal
of the whole archive talks to the store only about what changed.

The embedded store has no lock: its originals are read-only files, and holds are
checked in the catalog by the disposal path (`ObjectStore.locks`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from archive_service.archive import Archive
from archive_service.catalog import Case, Document
from archive_service.catalog.models import utcnow
from archive_service.services.disposal.holds import holds_on_case
from archive_service.services.records.clock import leaving_dates, retention_of
from retention.rules import Closing, RetentionKind
from retention.schedule import CaseRetention, period_end

LONG_LOCK = timedelta(days=5 * 365)  # permanent and ДМН originals, renewed in time
RENEW_WHEN_LEFT = timedelta(days=365)


def lock_until(retention: CaseRetention, closes: Closing, period: str, today: date) -> date | None:
    """The day the original's lock should reach for this case's keeping; None: a long
    lock, renewed (permanent, or ДМН without a review date ahead)."""
    rule = retention.rule
    if rule.kind is RetentionKind.YEARS:
        closed = retention.closed_on or max(today, period_end(closes, period) or today)
        end = rule.expires_after(closed)
        return None if end is None else end + timedelta(days=1)
    if rule.kind is RetentionKind.UNTIL_NO_LONGER_NEEDED and rule.review_date:
        return rule.review_date if rule.review_date > today + RENEW_WHEN_LEFT else None
    return None


class ProtectionService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def protect_cases(self, case_ids: Iterable[int], today: date | None = None) -> int:
        """Bring the originals of these cases in line with their keeping and holds;
        returns how many originals the store was asked to change."""
        if not self.archive.store.locks:
            return 0
        today = today or date.today()
        changed = 0
        for case_id in sorted(set(case_ids)):
            changed += self._protect_case(case_id, today)
        return changed

    def _protect_case(self, case_id: int, today: date) -> int:
        now = utcnow()
        changed = 0
        with self.archive.catalog.session() as s:
            case = s.get(Case, case_id)
            if case is None:
                return 0
            left = leaving_dates(s, [case.pupil_id] if case.pupil_id else [])
            retention = retention_of(case, case.item, left.get(case.pupil_id or ""), today)
            held = bool(holds_on_case(s, case))
            until_day = lock_until(retention, Closing(case.item.closes), case.period, today)
            docs = s.scalars(select(Document).where(Document.case_id == case_id)).all()
            for doc in docs:
                if until_day is not None:
                    wanted = datetime.combine(until_day, time())
                elif doc.locked_until is None or doc.locked_until - now < RENEW_WHEN_LEFT:
                    wanted = now + LONG_LOCK
                else:
                    wanted = doc.locked_until
                grows = doc.locked_until is None or wanted > doc.locked_until
                if not grows and doc.legal_hold == held:
                    continue
                until = wanted if grows else doc.locked_until
                assert until is not None
                self.archive.store.protect(doc.storage_key, until, held)
                doc.locked_until, doc.legal_hold = until, held
                changed += 1
        return changed

    def renew(self, today: date | None = None) -> int:
        """Every filed original, as the daily task runs it: locks that should grow grow,
        holds set or lifted meanwhile reach the store."""
        with self.archive.catalog.session() as s:
            ids = list(s.scalars(select(Case.id).order_by(Case.id)))
        return self.protect_cases(ids, today)
