"""The act of disposal («Акт о выделении к уничтожению документов, не подлежащих
хранению»), reviewed by two people.

The retention officer drafts it from the year's list (and may take cases out, or put in
an ЭПК or ДМН case the commission is to decide on); the expert commission's decision is
recorded (protocol number and date, members); the director approves it («УТВЕРЖДАЮ»),
and the one who drafted it may not. From approval on the act is frozen: its rows are
the cases as it states them, and its PDF is taken into the archive and filed into the
act case of the nomenclature (01-01, kept permanently). Execution (destruction.py)
comes after.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive_service.access import Policy
from archive_service.archive import Archive
from archive_service.catalog import Case, DisposalAct, DisposalActCase, School
from archive_service.catalog.models import utcnow
from archive_service.services.disposal.due import DueCase, DueService
from archive_service.services.records.filing import Filing, FilingService
from archive_service.services.records.nomenclature import item_in_force
from retention.schedule import Standing

ACT_ITEM = "01-01"  # «Акты о выделении к уничтожению документов…», постоянно

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


def _row_from_due(position: int, due: DueCase, inventory: str, note: str) -> DisposalActCase:
    period = due.period + (f"; {due.basis}" if due.basis else "")
    return DisposalActCase(
        case_id=due.case_id,
        position=position,
        title=due.title[:600],
        dates=due.dates,
        inventory=inventory,
        index=due.index,
        case_count=1,
        period=period,
        note=note,
    )


def _info(s: Session, act: DisposalAct) -> ActInfo:
    school = s.get(School, act.school_id)
    return ActInfo(
        id=act.id,
        school_id=act.school_id,
        school=school.name if school else "",
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


class ActService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def get(self, act_id: int, policy: Policy | None = None) -> ActInfo:
        with self.archive.catalog.session() as s:
            return _info(s, load_act(s, act_id, policy))

    def all(self, policy: Policy | None = None) -> list[ActInfo]:
        query = select(DisposalAct).order_by(DisposalAct.id.desc())
        if policy is not None and policy.schools is not None:
            query = query.where(DisposalAct.school_id.in_(sorted(policy.schools)))
        with self.archive.catalog.session() as s:
            return [_info(s, act) for act in s.scalars(query)]

    def draft(
        self,
        year: int,
        by: str,
        school_id: int | None = None,
        policy: Policy | None = None,
        without: frozenset[int] = frozenset(),
        with_commission: frozenset[int] = frozenset(),
    ) -> ActInfo:
        """A new act of `year` from the year's list, less the cases `without`, plus ЭПК
        or ДМН cases `with_commission` for the commission to decide on."""
        listing = DueService(self.archive).due(year, school_id, policy)
        chosen = [c for c in listing.due if c.case_id not in without]
        asked = {c.case_id: c for c in listing.held_back if c.case_id in with_commission}
        for case_id in sorted(with_commission):
            entry = asked.get(case_id)
            if entry is None or entry.reason not in (Standing.EPK, Standing.DMN):
                raise ActError(
                    f"Дело № {case_id} не ждёт решения экспертной комиссии (ЭПК или ДМН)"
                )
        unknown = sorted(without - {c.case_id for c in listing.due})
        if unknown:
            raise ActError(f"Дел № {', '.join(map(str, unknown))} нет в списке {year} года")
        if not chosen and not asked:
            raise ActError(f"В {year} году уничтожать нечего: ни одно дело не подлежит уничтожению")
        with self.archive.catalog.session() as s:
            school = listing.school_id
            number = (
                s.scalar(
                    select(func.max(DisposalAct.number)).where(
                        DisposalAct.school_id == school, DisposalAct.year == year
                    )
                )
                or 0
            ) + 1
            act = DisposalAct(school_id=school, year=year, number=number, drafted_by=by)
            inventories = self._inventories(s, [c.case_id for c in chosen + list(asked.values())])
            rows = [(c, "") for c in chosen] + [
                (c, "по решению экспертной комиссии") for c in asked.values()
            ]
            for position, (entry, note) in enumerate(rows, start=1):
                act.cases.append(
                    _row_from_due(position, entry, inventories.get(entry.case_id, ""), note)
                )
            s.add(act)
            s.flush()
            return _info(s, act)

    @staticmethod
    def _inventories(s: Session, case_ids: list[int]) -> dict[int, str]:
        """Column 4: the nomenclature (of which year) each case was kept under."""
        out = {}
        for case_id in case_ids:
            case = s.get(Case, case_id)
            if case is not None:
                out[case_id] = f"номенклатура дел на {case.item.nomenclature.year} год"
        return out

    def take_out(self, act_id: int, case_id: int, policy: Policy | None = None) -> ActInfo:
        """Take a case out of a draft; what remains is numbered again."""
        with self.archive.catalog.session() as s:
            act = load_act(s, act_id, policy, lock=True)
            if act.status != "draft":
                raise ActError(f"Акт № {act.number} уже {STATUS_LABELS[act.status]}: его не меняют")
            row = next((r for r in act.cases if r.case_id == case_id), None)
            if row is None:
                raise ActError(f"Дела № {case_id} в акте нет")
            act.cases.remove(row)
            if not act.cases:
                raise ActError("В акте не останется ни одного дела")
            for position, left in enumerate(act.cases, start=1):
                left.position = position
            s.flush()
            return _info(s, act)

    def review(
        self,
        act_id: int,
        protocol_number: str,
        protocol_date: date,
        by: str,
        members: list[str] | None = None,
        policy: Policy | None = None,
    ) -> ActInfo:
        """The expert commission's decision: its protocol number, date and members."""
        number = " ".join(protocol_number.split())
        if not number:
            raise ActError("Укажите номер протокола ЭК")
        if protocol_date > date.today():
            raise ActError("Протокол ЭК не может быть датирован будущим днём")
        with self.archive.catalog.session() as s:
            act = load_act(s, act_id, policy, lock=True)
            if act.status != "draft":
                raise ActError(
                    f"Акт № {act.number} уже {STATUS_LABELS[act.status]}: решение ЭК записано"
                )
            act.protocol_number = number[:32]
            act.protocol_date = protocol_date
            act.commission = "\n".join(" ".join(m.split()) for m in members or [] if m.strip())
            act.reviewed_by = by
            act.reviewed_at = utcnow()
            act.status = "reviewed"
            s.flush()
            return _info(s, act)

    def approve(self, act_id: int, by: str, policy: Policy | None = None) -> ActInfo:
        """The director's «УТВЕРЖДАЮ»: refused to the one who drafted the act; the act is
        frozen, and its PDF archived and filed into the act case."""
        from archive_service.services.disposal.forms import act_pdf
        from archive_service.services.pipeline.ingest import IngestService

        with self.archive.catalog.session() as s:
            act = load_act(s, act_id, policy)
            if act.status == "draft":
                raise ActError(f"Акт № {act.number} ещё не рассмотрен экспертной комиссией")
            if act.status != "reviewed":
                raise ActError(f"Акт № {act.number} уже утверждён")
            if act.drafted_by == by:
                raise ActError(
                    f"Акт № {act.number} составил(а) {by}: утверждает другой человек (директор)"
                )
            if item_in_force(s, ACT_ITEM, act.school_id) is None:
                raise ActError(
                    f"В номенклатуре нет статьи {ACT_ITEM} для актов о выделении к уничтожению: "
                    "добавьте её (срок хранения — постоянно)"
                )
            school_id = act.school_id
            approved_at = utcnow().replace(microsecond=0)
            info = _info(s, act)
        paper = act_pdf(
            _replace_approval(info, by, approved_at.isoformat(timespec="seconds")), approved_at
        )
        title = (
            f"Акт № {info.number} от {approved_at:%d.%m.%Y} о выделении к уничтожению "
            "документов, не подлежащих хранению"
        )
        outcome = IngestService(self.archive, school_id).ingest_stream(
            io.BytesIO(paper), f"akt-{info.year}-{info.number}.pdf", title
        )
        if outcome.id is None:
            raise ActError(f"PDF акта не принят в архив: {outcome.error}")
        FilingService(self.archive).file(
            outcome.id, Filing(ACT_ITEM, title=title, document_date=approved_at.date())
        )
        with self.archive.catalog.session() as s:
            act = load_act(s, act_id, policy, lock=True)
            if act.status != "reviewed":  # approved meanwhile by another request
                raise ActError(f"Акт № {act.number} уже утверждён")
            act.status = "approved"
            act.approved_by = by
            act.approved_at = approved_at
            act.pdf_document_id = outcome.id
            s.flush()
            return _info(s, act)


def _replace_approval(info: ActInfo, by: str, at: str) -> ActInfo:
    """The act as it reads once approved: the PDF is made before the row is written."""
    return replace(info, approved_by=by, approved_at=at, status="approved")
