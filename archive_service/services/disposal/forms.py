"""The official papers of disposal, as PDF (A4, landscape for the tables) and XLSX, in
the layout domain.md («Disposal») gives: the act of disposal with its eight columns,
header («УТВЕРЖДАЮ») and footer (totals, описи, ЭК protocol, hand-over for recycling).

The PDF carries its approval moment as its creation date, so the same act prints to the
same bytes: archived twice, it is one document.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from archive_service.services.disposal.act_model import ActInfo
from archive_service.services.disposal.inventory import InventoryRow
from archive_service.services.disposal.personal_data import (
    METHOD,
    SYSTEM_NAME,
    LoggedEvent,
    Subject,
)
from archive_service.words import counted, hyphenated, span_of_years
from intake.cover_sheet import FONT_BOLD_PATHS, FONT_PATHS, font_path

ACT_TITLE = "о выделении к уничтожению документов, не подлежащих хранению"
ACT_COLUMNS = (
    ("№ п/п", 12),
    ("Заголовок дела или групповой заголовок дел", 74),
    ("Дата дела или крайние даты дел", 26),
    ("Номера описей (номенклатур) за годы", 32),
    ("Индекс дела (тома, части) по номенклатуре или № дела по описи", 34),
    ("Количество дел (томов, частей)", 22),
    ("Сроки хранения дела (тома, части) и номера статей по перечню", 47),
    ("Примечание", 30),
)
BASIS = (
    "На основании Перечня типовых управленческих архивных документов, образующихся в "
    "процессе деятельности государственных органов, органов местного самоуправления и "
    "организаций, с указанием сроков их хранения (приказ Росархива от 20.12.2019 № 236) "
    "и номенклатуры дел отобраны к уничтожению как не имеющие научно-исторической "
    "ценности и утратившие практическое значение документы:"
)
MONTHS = (
    "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
    "сентября", "октября", "ноября", "декабря",
)  # fmt: skip
BLANK = "________"


def long_date(moment: datetime | None) -> str:
    """«05» декабря 2026 г., or blanks to be filled by hand."""
    if moment is None:
        return "«___» ____________ 20___ г."
    return f"«{moment:%d}» {MONTHS[moment.month - 1]} {moment.year} г."


def _approved(info: ActInfo) -> datetime | None:
    return datetime.fromisoformat(info.approved_at) if info.approved_at else None


def act_header(info: ActInfo) -> list[str]:
    """The lines above the table, in order: organisation, «УТВЕРЖДАЮ» block, АКТ, its
    date and number, its title and the basis."""
    approved = _approved(info)
    number_line = f"{approved:%d.%m.%Y} № {info.number}" if approved else f"№ {info.number}"
    return [
        info.school,
        "УТВЕРЖДАЮ",
        f"Директор {info.school}",
        f"____________ {info.approved_by or BLANK}",
        long_date(approved),
        "АКТ",
        number_line,
        ACT_TITLE,
        BASIS,
    ]


def act_footer(info: ActInfo, executed: str | None = None) -> list[str]:
    years = info.years or "____"
    protocol_date = info.protocol_date.strftime("%d.%m.%Y") if info.protocol_date else BLANK
    protocol = info.protocol_number or BLANK
    lines = [
        f"Итого {counted(info.case_total, 'дело')} за {span_of_years(years)}",
        f"Описи дел постоянного хранения за {years} годы утверждены "
        f"(протокол ЭК от {protocol_date} № {protocol})",
        f"Экспертизу ценности документов провёл(а): ____________ {info.drafted_by}",
        "СОГЛАСОВАНО",
        f"Протокол ЭК от {protocol_date} № {protocol}",
    ]
    if info.commission:
        lines.append("Члены экспертной комиссии: " + "; ".join(info.commission))
    lines.append(
        f"Документы в количестве {info.case_total} дел весом ______ кг сданы в "
        "______________ на переработку по приёмо-сдаточной накладной от ________ № ____"
    )
    lines.append(
        "Электронные копии документов уничтожены в информационной системе "
        f"«Архив индивидуального учёта результатов обучающихся»: {executed or BLANK}"
    )
    return lines


def act_rows(info: ActInfo) -> list[list[str]]:
    return [
        [
            str(r.position),
            r.title,
            r.dates,
            r.inventory,
            r.index,
            str(r.case_count),
            r.period,
            r.note,
        ]
        for r in info.rows
    ]


def _pdf(landscape: bool = True) -> object:
    from fpdf import FPDF  # slow to import: only the papers need it

    pdf = FPDF(orientation="L" if landscape else "P", format="A4")
    pdf.add_font("DejaVu", "", font_path(FONT_PATHS))
    pdf.add_font("DejaVu", "B", font_path(FONT_BOLD_PATHS))
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    return pdf


def _table(pdf: object, columns: Sequence[tuple[str, int]], rows: list[list[str]]) -> None:
    pdf.set_font("DejaVu", "", 8)  # type: ignore[attr-defined]
    with pdf.table(  # type: ignore[attr-defined]
        col_widths=tuple(w for _, w in columns), text_align="LEFT", line_height=4.2
    ) as table:
        header = table.row()
        for name, _ in columns:
            header.cell(hyphenated(name))
        numbers = table.row()  # the column numbers under the headings, as forms print them
        for n in range(1, len(columns) + 1):
            numbers.cell(str(n))
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(hyphenated(value))


def _lines(
    pdf: object, lines: list[str], size: int = 10, bold: bool = False, align: str = "L"
) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", size)  # type: ignore[attr-defined]
    for line in lines:
        pdf.multi_cell(0, 5.5, line, align=align, new_x="LMARGIN", new_y="NEXT")  # type: ignore[attr-defined]


def act_pdf(info: ActInfo, created: datetime | None = None, executed: str | None = None) -> bytes:
    """The act as A4 landscape PDF."""
    pdf = _pdf()
    if created is not None:
        pdf.set_creation_date(created)  # type: ignore[attr-defined]
    head = act_header(info)
    _lines(pdf, head[:1], 11, bold=True)
    _lines(pdf, head[1:2], 11, bold=True, align="R")
    _lines(pdf, head[2:5], 10, align="R")
    pdf.ln(3)  # type: ignore[attr-defined]
    _lines(pdf, head[5:6], 13, bold=True, align="C")
    _lines(pdf, head[6:8], 11, align="C")
    pdf.ln(2)  # type: ignore[attr-defined]
    _lines(pdf, head[8:], 10)
    pdf.ln(2)  # type: ignore[attr-defined]
    _table(pdf, ACT_COLUMNS, act_rows(info))
    pdf.ln(4)  # type: ignore[attr-defined]
    _lines(pdf, act_footer(info, executed), 10)
    return bytes(pdf.output())  # type: ignore[attr-defined]


def act_xlsx(info: ActInfo, executed: str | None = None) -> bytes:
    """The act as one XLSX sheet: the header lines, the eight columns and the footer."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"Акт {info.number} ({info.year})"
    for line in act_header(info):
        sheet.append([line])
    sheet.append([name for name, _ in ACT_COLUMNS])
    heading_row = sheet.max_row
    sheet.append(list(range(1, len(ACT_COLUMNS) + 1)))
    for values in act_rows(info):
        sheet.append([int(values[0]), *values[1:5], int(values[5]), *values[6:]])
    sheet.append([])
    for line in act_footer(info, executed):
        sheet.append([line])
    for cell in sheet[heading_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, (_, width) in zip("ABCDEFGH", ACT_COLUMNS, strict=True):
        sheet.column_dimensions[column].width = max(8, width * 0.6)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- опись дел постоянного хранения -------------------------------------------------------

INVENTORY_COLUMNS = (
    ("№ п/п", 14),
    ("Индекс дела", 26),
    ("Заголовок дела", 90),
    ("Крайние даты", 30),
    ("Количество листов", 22),
    ("Примечание", 30),
)


def inventory_lines(info: ActInfo) -> tuple[list[str], list[str]]:
    years = info.years or "____"
    head = [
        info.school,
        "УТВЕРЖДАЮ",
        f"Директор {info.school}",
        f"____________ {info.approved_by or BLANK}",
        long_date(_approved(info)),
        f"ОПИСЬ № {info.number}",
        f"дел постоянного хранения за {years} годы",
    ]
    return head, [f"Протокол ЭК от {_protocol(info)}"]


def _protocol(info: ActInfo) -> str:
    on = info.protocol_date.strftime("%d.%m.%Y") if info.protocol_date else BLANK
    return f"{on} № {info.protocol_number or BLANK}"


def inventory_rows(rows: Sequence[InventoryRow]) -> list[list[str]]:
    return [[str(r.position), r.index, r.title, r.dates, str(r.sheets), r.note] for r in rows]


def inventory_pdf(info: ActInfo, rows: Sequence[InventoryRow]) -> bytes:
    pdf = _pdf(landscape=False)
    head, foot = inventory_lines(info)
    _lines(pdf, head[:1], 11, bold=True)
    _lines(pdf, head[1:2], 11, bold=True, align="R")
    _lines(pdf, head[2:5], 10, align="R")
    pdf.ln(3)  # type: ignore[attr-defined]
    _lines(pdf, head[5:], 12, bold=True, align="C")
    pdf.ln(2)  # type: ignore[attr-defined]
    _table(pdf, INVENTORY_COLUMNS[:], inventory_rows(rows))
    pdf.ln(3)  # type: ignore[attr-defined]
    _lines(pdf, [f"В данную опись внесено {counted(len(rows), 'дело')}", *foot], 10)
    return bytes(pdf.output())  # type: ignore[attr-defined]


def inventory_xlsx(info: ActInfo, rows: Sequence[InventoryRow]) -> bytes:
    head, foot = inventory_lines(info)
    body = [[int(r[0]), r[1], r[2], r[3], int(r[4]), r[5]] for r in inventory_rows(rows)]
    return _sheet(
        "Опись",
        head,
        INVENTORY_COLUMNS,
        body,
        [f"В данную опись внесено {counted(len(rows), 'дело')}", *foot],
    )


# -- акт об уничтожении персональных данных -------------------------------------------------

PD_COLUMNS = (
    ("№ п/п", 12),
    ("Фамилия, имя, отчество субъекта персональных данных", 60),
    ("Категории персональных данных", 95),
    ("Носитель и количество листов", 45),
    ("Дела", 65),
)


def pd_lines(info: ActInfo, executed: str | None) -> tuple[list[str], list[str]]:
    approved = _approved(info)
    act_ref = f"акт о выделении к уничтожению № {info.number}"
    if approved:
        act_ref += f" от {approved:%d.%m.%Y}"
    head = [
        "АКТ",
        "об уничтожении персональных данных",
        f"Оператор: {info.school}; адрес: {info.school_address or '_' * 30}",
        "Лицо, обрабатывающее персональные данные по поручению оператора: нет",
    ]
    foot = [
        f"Информационная система: «{SYSTEM_NAME}»",
        f"Способ уничтожения: {METHOD}",
        f"Причина уничтожения: истечение сроков хранения; {act_ref}",
        f"Дата уничтожения: {executed or BLANK}",
        f"Уничтожение провёл(а): {info.executed_by or BLANK}, должность __________, "
        "подпись __________",
        "Приложение: выгрузка из журнала событий информационной системы по субъектам",
    ]
    return head, foot


def pd_rows(subjects: Sequence[Subject]) -> list[list[str]]:
    return [
        [str(n), p.full_name, p.categories, f"бумажный и электронный; листов: {p.sheets}", p.cases]
        for n, p in enumerate(subjects, start=1)
    ]


LOG_COLUMNS = (
    ("Когда", 34),
    ("Кто", 30),
    ("Роль", 30),
    ("Действие", 22),
    ("Объект", 70),
    ("Итог", 18),
    ("Подробности", 73),
)


def _log_rows(events: Sequence[LoggedEvent]) -> list[list[str]]:
    return [[e.at, e.actor, e.role, e.action, e.target, e.outcome, e.detail] for e in events]


def pd_act_pdf(
    info: ActInfo, subjects: Sequence[Subject], events: Sequence[LoggedEvent],
    executed: str | None = None,
) -> bytes:  # fmt: skip
    pdf = _pdf()
    head, foot = pd_lines(info, executed)
    _lines(pdf, head[:2], 12, bold=True, align="C")
    pdf.ln(2)  # type: ignore[attr-defined]
    _lines(pdf, head[2:], 10)
    pdf.ln(2)  # type: ignore[attr-defined]
    _table(pdf, PD_COLUMNS, pd_rows(subjects))
    pdf.ln(3)  # type: ignore[attr-defined]
    _lines(pdf, foot, 10)
    pdf.add_page()  # type: ignore[attr-defined]
    _lines(pdf, ["Выгрузка из журнала событий по субъектам персональных данных"], 11, bold=True)
    _table(pdf, LOG_COLUMNS, _log_rows(events))
    return bytes(pdf.output())  # type: ignore[attr-defined]


def pd_act_xlsx(
    info: ActInfo, subjects: Sequence[Subject], events: Sequence[LoggedEvent],
    executed: str | None = None,
) -> bytes:  # fmt: skip
    head, foot = pd_lines(info, executed)
    body: list[list[object]] = [[int(r[0]), *r[1:]] for r in pd_rows(subjects)]
    return _sheet(
        "Акт ПДн", head, PD_COLUMNS, body, foot,
        extra=("Журнал событий", LOG_COLUMNS, _log_rows(events)),
    )  # fmt: skip


def _sheet(
    title: str,
    head: list[str],
    columns: Sequence[tuple[str, int]],
    body: Sequence[Sequence[object]],
    foot: list[str],
    extra: tuple[str, Sequence[tuple[str, int]], Sequence[Sequence[object]]] | None = None,
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for line in head:
        sheet.append([line])
    sheet.append([name for name, _ in columns])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for values in body:
        sheet.append(list(values))
    sheet.append([])
    for line in foot:
        sheet.append([line])
    if extra is not None:
        name, extra_columns, rows = extra
        more = book.create_sheet(name)
        more.append([n for n, _ in extra_columns])
        for values in rows:
            more.append(list(values))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
