"""The nomenclature of cases printed as the official form a school approves: its five
columns (Индекс дела | Заголовок дела (тома, части) | Количество дел | Срок хранения дела
и номера статей по перечню | Примечание), the «УТВЕРЖДАЮ» block and the closing record
of how many cases of each kind of keeping it holds."""

from __future__ import annotations

from intake.cover_sheet import FONT_BOLD_PATHS, FONT_PATHS, font_path
from retention.nomenclature import NomenclatureSpec
from retention.rules import RetentionKind

FORM_COLUMNS = (
    ("Индекс дела", 20),
    ("Заголовок дела (тома, части)", 66),
    ("Количество дел", 24),
    ("Срок хранения дела и номера статей по перечню", 45),
    ("Примечание", 35),
)


def form_rows(spec: NomenclatureSpec) -> list[list[str]]:
    rows = []
    for item in spec.items:
        rule = item.retention
        keeping = rule.label + (f"; {rule.basis}" if rule.basis else "")
        count = "" if item.case_count is None else str(item.case_count)
        rows.append([item.index, item.title, count, keeping, item.note])
    return rows


def closing_record(spec: NomenclatureSpec) -> list[str]:
    """«Итоговая запись»: the items by kind of keeping."""
    permanent = sum(1 for i in spec.items if i.retention.kind is RetentionKind.PERMANENT)
    long = sum(
        1
        for i in spec.items
        if i.retention.kind is RetentionKind.YEARS and (i.retention.years or 0) > 10
    )
    short = len(spec.items) - permanent - long
    epk = sum(1 for i in spec.items if i.retention.epk)
    return [
        f"Итоговая запись о категориях дел номенклатуры на {spec.year} год:",
        f"постоянного хранения — {permanent}; временного (свыше 10 лет) — {long}; "
        f"временного (до 10 лет включительно) и ДМН — {short}; из них с отметкой ЭПК — {epk}; "
        f"всего — {len(spec.items)}.",
        "Ответственный за архив ____________ ____________",
    ]


def nomenclature_pdf(spec: NomenclatureSpec, school: str) -> bytes:
    from fpdf import FPDF  # slow to import: only the printed form needs it

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", font_path(FONT_PATHS))
    pdf.add_font("DejaVu", "B", font_path(FONT_BOLD_PATHS))
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()

    def lines(texts: list[str], size: int, bold: bool = False, align: str = "L") -> None:
        pdf.set_font("DejaVu", "B" if bold else "", size)
        for text in texts:
            pdf.multi_cell(0, 5.5, text, align=align, new_x="LMARGIN", new_y="NEXT")

    lines([school], 11, bold=True)
    lines(["УТВЕРЖДАЮ"], 11, bold=True, align="R")
    lines(
        [f"Директор {school}", "____________ ____________", "«___» ____________ 20___ г."],
        10,
        align="R",
    )
    pdf.ln(3)
    lines(["НОМЕНКЛАТУРА ДЕЛ"], 13, bold=True, align="C")
    lines([f"на {spec.year} год"], 11, align="C")
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 8)
    with pdf.table(
        col_widths=tuple(w for _, w in FORM_COLUMNS), text_align="LEFT", line_height=4.2
    ) as table:
        header = table.row()
        for name, _ in FORM_COLUMNS:
            header.cell(name)
        numbers = table.row()
        for n in range(1, len(FORM_COLUMNS) + 1):
            numbers.cell(str(n))
        for values in form_rows(spec):
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(3)
    lines(closing_record(spec), 10)
    return bytes(pdf.output())
