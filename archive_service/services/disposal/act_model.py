"""An act of disposal as the services and the papers read it: its state, its rows, who
drafted, reviewed, approved and executed it. `acts.py` changes acts; the papers
(forms.py), the personal-data act and the описи read them through this module."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from archive_service.access import Policy
from archive_service.catalog import DisposalAct, School

STATUS_LABELS = {
    "draft": "проект",
    "reviewed": "согласован ЭК",
    "approved": "утверждён",
    "executing": "в работе",
    "executed": "исполнен",
}


class ActError(ValueError):
    """A step that cannot be taken; the message says why, in Russian."""


class ActNotFound(ActError):
    """No such act, or not one this person sees."""


@dataclass(frozen=True)
class ActRow:
    """One row of the act: its eight columns (№ п/п is `position`)."""

    position: int
    case_id: int
    title: str
    dates: str
    inventory: str
    index: str
    case_count: int
    period: str
    note: str


@dataclass(frozen=True)
class ActInfo:
    id: int
    school_id: int
    school: str
    school_address: str | None
    year: int
    number: int
    status: str
    drafted_by: str
    drafted_at: str
    protocol_number: str | None
    protocol_date: date | None
    commission: list[str]
    reviewed_by: str | None
    approved_by: str | None
    approved_at: str | None
    executed_at: str | None
    executed_by: str | None
    pdf_document_id: str | None
    error: str | None
    rows: list[ActRow] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def approved_on(self) -> date | None:
        return date.fromisoformat(self.approved_at[:10]) if self.approved_at else None

    @property
    def case_total(self) -> int:
        return sum(r.case_count for r in self.rows)

    @property
    def years(self) -> str:
        """The years the act's cases span («2018–2020»), as its footer says them."""
        found = sorted(
            {int(y) for r in self.rows for y in r.dates.replace("–", " ").split() if y.isdigit()}
        )
        if not found:
            return ""
        return str(found[0]) if found[0] == found[-1] else f"{found[0]}–{found[-1]}"

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["act_id"] = out.pop("id")
        out["status_label"] = self.status_label
        out["protocol_date"] = self.protocol_date.isoformat() if self.protocol_date else None
        out["cases"] = out.pop("rows")
        return out


def act_info(s: Session, act: DisposalAct) -> ActInfo:
    school = s.get(School, act.school_id)
    return ActInfo(
        id=act.id,
        school_id=act.school_id,
        school=school.name if school else "",
        school_address=school.address if school else None,
        year=act.year,
        number=act.number,
        status=act.status,
        drafted_by=act.drafted_by,
        drafted_at=act.drafted_at.isoformat(timespec="seconds"),
        protocol_number=act.protocol_number,
        protocol_date=act.protocol_date,
        commission=[m for m in act.commission.split("\n") if m],
        reviewed_by=act.reviewed_by,
        approved_by=act.approved_by,
        approved_at=act.approved_at.isoformat(timespec="seconds") if act.approved_at else None,
        executed_at=act.executed_at.isoformat(timespec="seconds") if act.executed_at else None,
        executed_by=act.executed_by,
        pdf_document_id=act.pdf_document_id,
        error=act.error,
        rows=[
            ActRow(
                r.position,
                r.case_id,
                r.title,
                r.dates,
                r.inventory,
                r.index,
                r.case_count,
                r.period,
                r.note,
            )
            for r in act.cases
        ],
    )


def load_act(s: Session, act_id: int, policy: Policy | None, lock: bool = False) -> DisposalAct:
    """The act, if this person sees its school; else no act at all."""
    act = s.get(DisposalAct, act_id, with_for_update=lock)
    if act is None or (policy is not None and not policy.sees_school(act.school_id)):
        raise ActNotFound(f"Акта № {act_id} нет")
    return act
