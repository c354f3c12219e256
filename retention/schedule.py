"""A case's retention as the retention officer reads it, and whether it is due in a year.

`rules.py` knows periods; this module knows cases. A case closes by its item's rule,
without anyone pressing a button: a school year's case on 31 August of its last year,
a calendar year's on 31 December, a personal file on the day of the pupil's leaving
event (the date in the order, not the day it was typed in), a register (книга) when
the archivist closes it. From that day `CaseRetention` gives the start of the clock,
the last day of keeping and the first year an act may list it; `standing` says where
the case stands for a year's disposal list and why, in the words the list prints.

Pure: dates in, facts out. The services read the catalog and hand the facts over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from retention.rules import Closing, RetentionKind, RetentionRule

_SCHOOL_YEAR = re.compile(r"^(\d{4})/(\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")


class Standing(StrEnum):
    """Where a case stands for one year's disposal list."""

    DUE = "due"  # its period ran out by 1 January of the year: the act may list it
    HOLD = "hold"  # a hold (приостановка уничтожения) stands on it
    EPK = "epk"  # its period ran out, but the expert commission must decide
    DMN = "dmn"  # до минования надобности: never by itself
    PERMANENT = "permanent"  # постоянно: never
    NOT_YET = "not_yet"  # open, or its period runs on
    IN_ACT = "in_act"  # already in a disposal act (drafted, approved or executed)


STANDING_LABELS = {
    Standing.DUE: "подлежит уничтожению",
    Standing.HOLD: "приостановка уничтожения",
    Standing.EPK: "ЭПК: решает экспертная комиссия",
    Standing.DMN: "ДМН: до минования надобности",
    Standing.PERMANENT: "хранится постоянно",
    Standing.NOT_YET: "срок хранения не истёк",
    Standing.IN_ACT: "включено в акт",
}


def period_end(closes: Closing, period: str) -> date | None:
    """The day a case of a period closes by rule: 31 August of a school year's last year
    (the school year ends with the summer's start of the next), 31 December of a
    calendar year. None for a case without a period of its kind."""
    if closes is Closing.SCHOOL_YEAR:
        match = _SCHOOL_YEAR.match(period)
        return date(int(match.group(2)), 8, 31) if match else None
    if closes is Closing.CALENDAR_YEAR:
        match = _YEAR.match(period)
        return date(int(match.group(1)), 12, 31) if match else None
    return None


def closing(
    closes: Closing,
    period: str,
    closed_on: date | None,
    left_on: date | None,
    today: date,
) -> tuple[date | None, str]:
    """When the case closed (None: still open) and by what, in Russian.

    A period's case closes at the period's end even when a volume was closed earlier to
    start the next one: the clock of every volume of a school year starts together. A
    personal file closes on the pupil's leaving, whatever day the archivist recorded it
    or filed the file; a register only when it is closed.
    """
    end = period_end(closes, period)
    if end is not None:
        if end < today:
            what = "учебного года" if closes is Closing.SCHOOL_YEAR else "календарного года"
            return end, f"окончание {what} {period}"
        return None, f"закроется {end:%d.%m.%Y}"
    if closes is Closing.EVENT and left_on is not None:
        return left_on, f"выбытие обучающегося {left_on:%d.%m.%Y}"
    if closed_on is not None:
        return closed_on, f"закрыто {closed_on:%d.%m.%Y}"
    if closes is Closing.EVENT:
        return None, "закроется с выбытием обучающегося"
    return None, "открыто"


@dataclass(frozen=True)
class CaseRetention:
    """What a case's retention says: the period and its basis, when and why the case
    closed, when the clock started, the last day of keeping and the first act year."""

    rule: RetentionRule
    closed_on: date | None
    closed_by: str

    @property
    def clock_starts(self) -> date | None:
        return None if self.closed_on is None else self.rule.clock_starts(self.closed_on)

    @property
    def keep_until(self) -> date | None:
        return None if self.closed_on is None else self.rule.expires_after(self.closed_on)

    @property
    def first_act_year(self) -> int | None:
        return None if self.closed_on is None else self.rule.first_act_year(self.closed_on)

    def standing(self, year: int, held: bool = False) -> Standing:
        """Where the case stands for the disposal list of `year` (its act is dated that
        year; the period must have run out by 1 January of it)."""
        if self.rule.kind is RetentionKind.PERMANENT:
            return Standing.PERMANENT
        if held:
            return Standing.HOLD
        if self.rule.kind is RetentionKind.UNTIL_NO_LONGER_NEEDED:
            return Standing.DMN
        first = self.first_act_year
        if first is None or year < first:
            return Standing.NOT_YET
        return Standing.EPK if self.rule.epk else Standing.DUE

    def why(self, year: int, held: bool = False) -> str:
        """The reason the list gives beside the case, in Russian."""
        standing = self.standing(year, held)
        period = self.rule.label
        if standing is Standing.DUE:
            return f"{period}; {self.closed_by}; хранить до {self.keep_until:%d.%m.%Y}"
        if standing is Standing.EPK:
            return (
                f"{period}; срок истёк {self.keep_until:%d.%m.%Y}; "
                "уничтожение только по решению экспертной комиссии"
            )
        if standing is Standing.DMN:
            review = self.rule.review_date
            return (
                f"ДМН; пересмотр назначен на {review:%d.%m.%Y}"
                if review
                else "ДМН; дата пересмотра не назначена"
            )
        if standing is Standing.NOT_YET:
            if self.closed_on is None:
                return f"{period}; дело не закрыто ({self.closed_by})"
            return (
                f"{period}; хранить до {self.keep_until:%d.%m.%Y}, "
                f"в акт не ранее {self.first_act_year} года"
            )
        return STANDING_LABELS[standing]

    def as_dict(self) -> dict[str, object]:
        """The case's retention in the API's and the CLI's words."""
        rule = self.rule
        return {
            "period": rule.label,
            "kind": rule.kind.value,
            "epk": rule.epk,
            "basis": rule.basis,
            "review_date": rule.review_date.isoformat() if rule.review_date else None,
            "closed_on": self.closed_on.isoformat() if self.closed_on else None,
            "closed_by": self.closed_by,
            "clock_starts": self.clock_starts.isoformat() if self.clock_starts else None,
            "keep_until": self.keep_until.isoformat() if self.keep_until else None,
            "first_act_year": self.first_act_year,
        }
