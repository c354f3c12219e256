"""Cases (дела): their documents with sheet numbers, where the paper lies, closing, and
the internal inventory (внутренняя опись) printed as PDF.

Sheets are numbered through the case in filing order, as an archivist numbers the
sheets of a paper file: the first document takes sheets 1..n, the next continues.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from archive_service.access import Policy
from archive_service.archive import Archive
from archive_service.catalog import Case, Document, Nomenclature, NomenclatureItem
from archive_service.catalog.models import utcnow
from archive_service.services.records import volumes
from archive_service.services.records.clock import case_retention
from archive_service.services.records.nomenclature import item_in_force
from archive_service.words import counted, hyphenated
from intake.cover_sheet import FONT_BOLD_PATHS, FONT_PATHS, font_path

INVENTORY_COLUMNS = (
    ("№", 10),
    ("Регистрационный индекс", 34),
    ("Дата", 22),
    ("Заголовок документа", 74),
    ("Номера листов", 22),
    ("Примечание", 28),
)


class CaseError(ValueError):
    pass


# What a reader without the right to open a document (health data) sees in its place.
RESTRICTED_TITLE = "Документ ограниченного доступа"


@dataclass(frozen=True)
class CaseEntry:
    number: int
    document_id: str
    registration_index: str
    date: str
    title: str
    sheets: str
    note: str


class CaseService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def all(self, policy: Policy | None = None) -> list[dict[str, Any]]:
        """Every case of the schools the reader's policy sees (None: every school)."""
        query = (
            select(Case, NomenclatureItem.index)
            .join(NomenclatureItem, NomenclatureItem.id == Case.item_id)
            .order_by(NomenclatureItem.index, Case.period, Case.title)
        )
        if policy is not None and policy.schools is not None:
            query = query.join(Nomenclature, Nomenclature.id == NomenclatureItem.nomenclature_id)
            query = query.where(Nomenclature.school_id.in_(sorted(policy.schools)))
        with self.archive.catalog.reading() as s:
            rows = s.execute(query)
            return [
                {
                    "id": case.id,
                    "index": index,
                    "title": case.title,
                    "volume": case.volume,
                    "closed_on": case.closed_on.isoformat() if case.closed_on else None,
                }
                for case, index in rows
            ]

    def get(
        self, case_id: int, policy: Policy | None = None
    ) -> tuple[dict[str, Any], list[CaseEntry]]:
        """The case and its documents in filing order with their sheets. A document the
        reader's policy may not open (health data) keeps its number and sheets, so the
        numbering stays whole, but neither its title nor its id is given."""
        with self.archive.catalog.reading() as s:
            case = s.get(Case, case_id)
            if case is None or (
                policy is not None and not policy.sees_school(case.item.nomenclature.school_id)
            ):  # another school's case is no case to this reader
                raise CaseError(f"Дела № {case_id} нет")
            item = case.item
            docs = s.scalars(
                select(Document)
                .where(Document.case_id == case_id)
                .order_by(Document.filed_at, Document.id)
            )
            entries, sheet = [], 1
            for n, doc in enumerate(docs, start=1):
                last = sheet + doc.page_count - 1
                shown = policy is None or policy.may_open(
                    doc.class_label, doc.health_data, doc.school_id, item.index
                )
                entries.append(
                    CaseEntry(
                        number=n,
                        document_id=doc.id if shown else "",
                        registration_index=f"{item.index}/{n}",
                        date=doc.document_date.strftime("%d.%m.%Y") if doc.document_date else "",
                        title=doc.title if shown else RESTRICTED_TITLE,
                        sheets=f"{sheet}–{last}" if last > sheet else str(sheet),
                        note="",
                    )
                )
                sheet = last + 1
            info = {
                "id": case.id,
                "index": item.index,
                "item_title": item.title,
                "retention": case_retention(s, case).as_dict(),
                "title": case.title,
                "volume": case.volume,
                "opened_on": case.opened_on.isoformat(),
                "closed_on": case.closed_on.isoformat() if case.closed_on else None,
                "room": case.room,
                "shelf": case.shelf,
                "box": case.box,
                "sheets": sheet - 1,
            }
            return info, entries

    def set_location(
        self, case_id: int, room: str | None, shelf: str | None, box: str | None
    ) -> None:
        with self.archive.catalog.session() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise CaseError(f"Дела № {case_id} нет")
            case.room = (room or "").strip()[:64] or None
            case.shelf = (shelf or "").strip()[:64] or None
            case.box = (box or "").strip()[:64] or None

    def close(self, case_id: int, on: date | None = None) -> None:
        """Closing starts the retention clock (from 1 January of the next year)."""
        with self.archive.catalog.session() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise CaseError(f"Дела № {case_id} нет")
            volumes.take_turn(s, case.item)  # a filing into it goes first, or not at all
            s.refresh(case)
            if case.closed_on is not None:
                raise CaseError(f"Дело № {case_id} уже закрыто")
            closed = on or utcnow().date()
            if closed < case.opened_on:
                raise CaseError("Дело не может закрыться раньше, чем открылось")
            case.closed_on = closed

    def new_volume(self, case_id: int) -> int:
        """Close this volume (том) and open the next one, under the nomenclature in
        force; later filings go there.

        Asked again for a volume already closed (the button pressed twice, a form sent
        from a second tab), it gives the series' open volume instead of opening another
        with the same number.
        """
        with self.archive.catalog.session() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise CaseError(f"Дела № {case_id} нет")
            volumes.take_turn(s, case.item)
            s.refresh(case)  # as the volume opened meanwhile left it
            if case.closed_on is None:
                case.closed_on = utcnow().date()
            following = volumes.open_volume(s, case.item, case.period, case.pupil_id)
            if following is None:
                school = case.item.nomenclature.school_id
                item = item_in_force(s, case.item.index, school) or case.item
                following = volumes.add_volume(s, item, case.title, case.period, case.pupil_id)
            return following.id

    def inventory_pdf(self, case_id: int, policy: Policy | None = None) -> bytes:
        """Внутренняя опись документов дела, as a printable A4 PDF, as `get` shows it to
        this reader."""
        from fpdf import FPDF  # a slow import only this needs; CLI commands start quicker

        info, entries = self.get(case_id, policy)
        pdf = FPDF(format="A4")
        pdf.add_font("DejaVu", "", font_path(FONT_PATHS))
        pdf.add_font("DejaVu", "B", font_path(FONT_BOLD_PATHS))
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 13)
        pdf.multi_cell(0, 7, "ВНУТРЕННЯЯ ОПИСЬ", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 11)
        subtitle = f"документов дела № {info['index']} (том {info['volume']})"
        pdf.multi_cell(0, 6, subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 6, info["title"], align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_font("DejaVu", "", 9)
        with pdf.table(
            col_widths=tuple(w for _, w in INVENTORY_COLUMNS),
            text_align="LEFT",
            line_height=5,
        ) as table:
            header = table.row()
            for name, _ in INVENTORY_COLUMNS:
                header.cell(hyphenated(name))
            for e in entries:
                row = table.row()
                for value in (
                    str(e.number),
                    e.registration_index,
                    e.date,
                    e.title,
                    e.sheets,
                    e.note,
                ):
                    row.cell(hyphenated(value))
        pdf.set_x(pdf.l_margin)
        pdf.ln(4)
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(
            0,
            6,
            f"Итого {counted(len(entries), 'документ')}, {counted(info['sheets'], 'лист')}.",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        return bytes(pdf.output())
