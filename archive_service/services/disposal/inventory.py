"""«Опись дел постоянного хранения» for the years an act refers to: the act's footer
says the описи for those years are approved, so the archive draws them up from the same
catalog. A permanent case belongs to the years its dates span."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from archive_service.access import Policy
from archive_service.archive import Archive
from archive_service.catalog import Case, Document, Nomenclature, NomenclatureItem
from archive_service.services.disposal.act_model import ActInfo, act_info, load_act
from archive_service.services.disposal.due import case_dates, document_dates
from retention.rules import RetentionKind


@dataclass(frozen=True)
class InventoryRow:
    position: int
    index: str
    title: str
    dates: str
    sheets: int
    note: str


def _years(dates: str) -> set[int]:
    parts = [int(p) for p in dates.replace("–", " ").split() if p.isdigit()]
    return set(range(min(parts), max(parts) + 1)) if parts else set()


class InventoryService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def for_act(
        self, act_id: int, policy: Policy | None = None
    ) -> tuple[ActInfo, list[InventoryRow]]:
        rows: list[InventoryRow] = []
        with self.archive.catalog.session() as s:
            act = act_info(s, load_act(s, act_id, policy))
            wanted = _years(act.years)
            cases = list(
                s.execute(
                    select(Case, NomenclatureItem.index)
                    .join(NomenclatureItem, NomenclatureItem.id == Case.item_id)
                    .join(Nomenclature, Nomenclature.id == NomenclatureItem.nomenclature_id)
                    .where(
                        Nomenclature.school_id == act.school_id,
                        NomenclatureItem.retention_kind == RetentionKind.PERMANENT.value,
                    )
                    .order_by(NomenclatureItem.index, Case.period, Case.volume)
                )
            )
            dated = document_dates(s, [c.id for c, _ in cases if not c.period])
            for case, index in cases:
                dates = case_dates(case, case.closed_on, dated.get(case.id))
                if not _years(dates) & wanted:
                    continue
                sheets = sum(
                    s.scalars(select(Document.page_count).where(Document.case_id == case.id))
                )
                title = case.title if case.volume == 1 else f"{case.title}, том {case.volume}"
                rows.append(InventoryRow(len(rows) + 1, index, title, dates, sheets, ""))
        return act, rows
