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
from dataclasses import replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive_service.access import Policy
from archive_service.archive import Archive
from archive_service.catalog import Case, DisposalAct, DisposalActCase
from archive_service.catalog.models import utcnow
from archive_service.services.disposal.act_model import (
    STATUS_LABELS,
    ActError,
    ActInfo,
    act_info,
    load_act,
)
from archive_service.services.disposal.due import DueCase, DueService
from archive_service.services.records.filing import Filing, FilingService
from archive_service.services.records.nomenclature import item_in_force
from retention.schedule import Standing

ACT_ITEM = "01-01"  # «Акты о выделении к уничтожению документов…», постоянно


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


class ActService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def get(self, act_id: int, policy: Policy | None = None) -> ActInfo:
        with self.archive.catalog.session() as s:
            return act_info(s, load_act(s, act_id, policy))

    def all(self, policy: Policy | None = None) -> list[ActInfo]:
        query = select(DisposalAct).order_by(DisposalAct.id.desc())
        if policy is not None and policy.schools is not None:
            query = query.where(DisposalAct.school_id.in_(sorted(policy.schools)))
        with self.archive.catalog.session() as s:
            return [act_info(s, act) for act in s.scalars(query)]

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
            return act_info(s, act)

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
            return act_info(s, act)

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
            return act_info(s, act)

    def approve(self, act_id: int, by: str, policy: Policy | None = None) -> ActInfo:
        """The director's «УТВЕРЖДАЮ»: refused to the one who drafted the act; the act is
        frozen, and its PDF archived and filed into the act case."""
        from archive_service.services.disposal.forms import act_pdf
        from archive_service.services.disposal.personal_data import take_subjects
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
            info = act_info(s, act)
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
            take_subjects(s, act)  # the people, while the links that name them stand
            s.flush()
            return act_info(s, act)


def _replace_approval(info: ActInfo, by: str, at: str) -> ActInfo:
    """The act as it reads once approved: the PDF is made before the row is written."""
    return replace(info, approved_by=by, approved_at=at, status="approved")
