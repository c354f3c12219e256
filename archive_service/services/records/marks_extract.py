"""The extract of a pupil's current marks (выписка с текущими отметками и результатами
промежуточной аттестации) that goes with the personal file on transfer (Приказ
Минпросвещения № 240, п. 7; the schools' regulations: «отчёт из электронного журнала,
заверенный печатью и подписью руководителя»). Made from the archived e-journal exports
of the pupil's latest school year: per subject, the lesson marks in date order, each
period's mark and the year's, with the lines the director signs and stamps.
"""

from __future__ import annotations

from archive_service.archive import Archive
from archive_service.services.records.ejournal import JournalService, SubjectMarks
from intake.cover_sheet import FONT_BOLD_PATHS, FONT_PATHS, font_path


class NoMarks(ValueError):
    """No archived e-journal export names the pupil."""


def current_year_marks(archive: Archive, pupil_id: str) -> list[SubjectMarks]:
    """The pupil's marks of their latest school year with any, by subject."""
    marks = JournalService(archive).marks_of(pupil_id)
    if not marks:
        raise NoMarks("В архиве нет выгрузок электронного журнала с отметками обучающегося")
    latest = max(m.school_year for m in marks)
    return [m for m in marks if m.school_year == latest]


def marks_extract_pdf(archive: Archive, pupil_id: str, pupil: str, school: str) -> bytes:
    from fpdf import FPDF  # slow to import: only the printed extract needs it

    marks = current_year_marks(archive, pupil_id)
    year, class_label = marks[0].school_year, marks[0].class_label
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", font_path(FONT_PATHS))
    pdf.add_font("DejaVu", "B", font_path(FONT_BOLD_PATHS))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(0, 6, school, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(0, 7, "ВЫПИСКА", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(
        0,
        6,
        "с текущими отметками и результатами промежуточной аттестации",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    pdf.multi_cell(
        0,
        6,
        f"Обучающийся: {pupil}, класс {class_label}, {year} учебный год",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 9)
    with pdf.table(col_widths=(40, 80, 45, 25), text_align="LEFT", line_height=5) as table:
        header = table.row()
        for name in ("Предмет", "Текущие отметки", "Промежуточная аттестация", "Год"):
            header.cell(name)
        for subject in marks:
            row = table.row()
            row.cell(subject.subject)
            row.cell(" ".join(f"{on} — {mark};" for on, mark in subject.lessons).rstrip(";"))
            row.cell("; ".join(f"{label}: {mark}" for label, mark in subject.periods))
            row.cell(subject.final or "")
    pdf.ln(10)
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(
        0, 8, "Руководитель ________________ / ________________ /", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.cell(0, 8, "М. П.                                   Дата ____________", new_x="LMARGIN")
    return bytes(pdf.output())
