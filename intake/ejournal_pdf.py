"""An e-journal export printed as PDF: the class's grid for a subject, or the summary
sheet (сводная ведомость успеваемости) for the class's year.

This PDF is what the archive reads, shows and searches (its text layer is the exported
text itself, so nothing is guessed by OCR) and what is printed for the 25-year case; the
export file is kept beside it as the original. A grid wider than a page is continued on
the next pages, the pupils' names repeated, so every page reads on its own.
"""

from __future__ import annotations

from intake.cover_sheet import FONT_BOLD_PATHS, FONT_PATHS, font_path
from intake.ejournal import JournalExport

NAME_W = 62.0
CELL_W = 11.0
ROW_H = 6.0
PAGE_W = 297.0  # A4 landscape
MARGIN = 10.0
SUBJECT_W = 24.0


def render_journal(journal: JournalExport, school: str = "") -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", font_path(FONT_PATHS))
    pdf.add_font("DejaVu", "B", font_path(FONT_BOLD_PATHS))
    width = SUBJECT_W if journal.kind == "summary" else CELL_W
    per_page = max(1, int((PAGE_W - 2 * MARGIN - NAME_W) // width))
    rows_per_page = 26
    column_groups = [
        list(range(i, min(i + per_page, len(journal.columns))))
        for i in range(0, len(journal.columns), per_page)
    ]
    row_groups = [
        journal.rows[i : i + rows_per_page] for i in range(0, len(journal.rows), rows_per_page)
    ]
    heading = (
        "СВОДНАЯ ВЕДОМОСТЬ УЧЁТА УСПЕВАЕМОСТИ ОБУЧАЮЩИХСЯ"
        if journal.kind == "summary"
        else "ЭЛЕКТРОННЫЙ ЖУРНАЛ: ОТМЕТКИ ПО ПРЕДМЕТУ"
    )
    for rows in row_groups:
        for group in column_groups:
            pdf.add_page()
            pdf.set_font("DejaVu", "B", 12)
            pdf.set_xy(MARGIN, MARGIN)
            pdf.cell(0, 7, heading)
            pdf.set_font("DejaVu", "", 10)
            pdf.set_xy(MARGIN, MARGIN + 8)
            line = f"Класс: {journal.class_label}   Учебный год: {journal.school_year}"
            if journal.subject:
                line += f"   Предмет: {journal.subject}"
            if school:
                line = f"{school}.   {line}"
            pdf.cell(0, 6, line)
            y = MARGIN + 18
            pdf.set_font("DejaVu", "B", 7)
            pdf.set_xy(MARGIN, y)
            pdf.cell(NAME_W, ROW_H, "Обучающийся (ФИО)", border=1)
            for n in group:
                pdf.cell(
                    width, ROW_H, _fit(pdf, journal.columns[n].label, width), border=1, align="C"
                )
            pdf.set_font("DejaVu", "", 8)
            for row in rows:
                y += ROW_H
                pdf.set_xy(MARGIN, y)
                pdf.cell(NAME_W, ROW_H, _fit(pdf, row.pupil, NAME_W), border=1)
                for n in group:
                    pdf.cell(width, ROW_H, row.marks.get(n, ""), border=1, align="C")
    return bytes(pdf.output())


def _fit(pdf: object, text: str, width: float) -> str:
    """The text cut to the cell's width (a long subject's name in a summary's heading)."""
    measure = pdf.get_string_width  # type: ignore[attr-defined]
    while text and measure(text) > width - 1:
        text = text[:-1]
    return text
