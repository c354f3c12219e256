"""Retention rules (срок хранения) and when a closed case may go into a disposal act.

The rules for software in domain.md, in one place:
- the clock starts on 1 January of the year after the case is closed, or after the
  event for event-based periods («3 года после выбытия»);
- a case may go into an act only once its period has run out by 1 January of the act's
  year (2024/25 journal, closed June 2025 → clock from 01.01.2026 → 5 years end
  31.12.2030 → first act in 2031);
- «постоянно» is never destroyable; «ДМН» needs a review date the school sets and never
  expires by itself; «ЭПК» cases are never listed automatically, each needs an ЭК
  decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class RetentionKind(StrEnum):
    YEARS = "years"
    PERMANENT = "permanent"  # постоянно (и «до ликвидации организации»)
    UNTIL_NO_LONGER_NEEDED = "dmn"  # до минования надобности


class Closing(StrEnum):
    """What closes a case of this item (and so starts its clock)."""

    SCHOOL_YEAR = "school_year"  # end of the school year (журналы, протоколы)
    CALENDAR_YEAR = "calendar_year"
    BOOK_CLOSED = "book_closed"  # a register is closed when full (книги учёта)
    EVENT = "event"  # e.g. the pupil leaves or graduates (личные дела)


class RetentionError(ValueError):
    pass


@dataclass(frozen=True)
class RetentionRule:
    kind: RetentionKind
    years: int | None = None
    review_date: date | None = None  # ДМН: when the school reviews it
    epk: bool = False  # экспертно-проверочная комиссия must decide
    basis: str = ""  # статья перечня / local act

    def __post_init__(self) -> None:
        if self.kind is RetentionKind.YEARS:
            if self.years is None or not 1 <= self.years <= 100:
                raise RetentionError("срок в годах должен быть от 1 до 100")
        elif self.years is not None:
            raise RetentionError("у бессрочного хранения и ДМН не бывает срока в годах")

    @property
    def label(self) -> str:
        """As the nomenclature writes it: «5 лет», «постоянно», «ДМН», with «ЭПК»."""
        if self.kind is RetentionKind.PERMANENT:
            text = "постоянно"
        elif self.kind is RetentionKind.UNTIL_NO_LONGER_NEEDED:
            text = "ДМН"
        else:
            text = f"{self.years} {_years_word(self.years or 0)}"
        return f"{text} ЭПК" if self.epk else text

    @property
    def ever_destroyable(self) -> bool:
        return self.kind is not RetentionKind.PERMANENT

    def clock_starts(self, closed_on: date) -> date:
        """1 January of the year after the case closed (or after its event)."""
        return date(closed_on.year + 1, 1, 1)

    def expires_after(self, closed_on: date) -> date | None:
        """Last day of the period; None when the period never runs out by itself."""
        if self.kind is not RetentionKind.YEARS or self.years is None:
            return None
        start = self.clock_starts(closed_on)
        return date(start.year + self.years - 1, 12, 31)

    def first_act_year(self, closed_on: date) -> int | None:
        """The first year whose disposal act may list the case, if any ever may."""
        end = self.expires_after(closed_on)
        return None if end is None else end.year + 1

    def may_be_listed_automatically(self, closed_on: date, act_year: int) -> bool:
        """Whether a disposal list for act_year proposes this case with no ЭК decision."""
        first = self.first_act_year(closed_on)
        return not self.epk and first is not None and act_year >= first


def _years_word(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return "год"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return "года"
    return "лет"
