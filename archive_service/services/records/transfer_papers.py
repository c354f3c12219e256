"""The register of issued personal files (журнал выдачи личных дел) for a year, as PDF
and XLSX: one row per issue, with the line the recipient signs on paper."""

from __future__ import annotations

import io
from collections.abc import Sequence

from archive_service.services.records.transfers import TransferInfo
from intake.cover_sheet import FONT_BOLD_PATHS, FONT_PATHS, font_path

REGISTER_COLUMNS = (
    ("№", 10),
    ("Дата выдачи", 22),
    ("ФИО обучающегося", 45),
    ("Класс", 14),
    ("Кому выдано (ФИО)", 42),
    ("Документ, подтверждающий полномочия", 42),
    ("Куда выбывает", 38),
    ("Основание (приказ)", 36),
    ("Подпись получателя", 28),
)


def register_rows(entries: Sequence[TransferInfo]) -> list[list[str]]:
    return [
        [
            str(e.number),
            f"{e.issued_at[8:10]}.{e.issued_at[5:7]}.{e.issued_at[:4]}",
            e.pupil,
            e.class_label,
            e.applicant,
            e.applicant_document,
            e.destination,
            f"приказ № {e.order_number} от {e.order_date:%d.%m.%Y}",
            "",
        ]
        for e in entries
    ]


def register_pdf(entries: Sequence[TransferInfo], school: str, year: int) -> bytes:
    from fpdf import FPDF  # slow to import: only the printed register needs it

    pdf = FPDF(orientation="L", format="A4")
    pdf.add_font("DejaVu", "", font_path(FONT_PATHS))
    pdf.add_font("DejaVu", "B", font_path(FONT_BOLD_PATHS))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(0, 6, school, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 13)
    title = f"ЖУРНАЛ ВЫДАЧИ ЛИЧНЫХ ДЕЛ ОБУЧАЮЩИХСЯ за {year} год"
    pdf.multi_cell(0, 8, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    with pdf.table(
        col_widths=tuple(w for _, w in REGISTER_COLUMNS), text_align="LEFT", line_height=5
    ) as table:
        header = table.row()
        for name, _ in REGISTER_COLUMNS:
            header.cell(name)
        for values in register_rows(entries):
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 6, f"Всего выдано личных дел: {len(entries)}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def register_xlsx(entries: Sequence[TransferInfo], school: str, year: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"Выдача личных дел {year}"
    sheet.append([school])
    sheet.append([f"Журнал выдачи личных дел обучающихся за {year} год"])
    sheet.append([name for name, _ in REGISTER_COLUMNS])
    for values in register_rows(entries):
        sheet.append([int(values[0]), *values[1:]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
