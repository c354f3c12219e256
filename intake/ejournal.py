"""The electronic journal's yearly export (выгрузка электронного журнала), as schools get
it from their e-journal systems: CSV (UTF-8 or Windows-1251, «;» or «,») or XLSX.

Two layouts are read, both a few lines of headings and then a table:

- **a subject's grid** (журнал класса по предмету): lines «Класс: 9Б», «Предмет:
  Алгебра», «Учебный год: 2024/2025» (a heading and its value in one cell or in two),
  then a table whose heading row names the pupil column («ФИО», «Обучающийся»,
  «Ученик») followed by lesson dates (ДД.ММ or ДД.ММ.ГГГГ) and the periods' marks
  («I четверть», «1 полугодие», «Год», «Итоговая», «Экзамен»);
- **the yearly summary** (итоговые отметки, сводная ведомость): the same lines without
  «Предмет», then the pupil column followed by one column per subject.

A cell holds a mark as the journal writes it: 1–5, «5/4», «зач», «н/з», «осв», «н»
(absent), «н/а». A spreadsheet that is not a journal is refused with what was expected:
its cells are not marks, it has no pupil column, or no class and year. A formula cell
is read as the value the spreadsheet saved for it; nothing in the file is executed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from intake.class_list import (
    ClassListError,
    normalize_class,
    normalize_school_year,
    spreadsheet_rows,
)
from intake.errors import IntakeRejected

MAX_BYTES = 20 * 1024 * 1024  # a class's year is well under 1 MB; 20 MB is no journal
NAME_HEADINGS = {"фио", "ф.и.о.", "ф. и. о.", "обучающийся", "ученик", "фамилия имя", "учащийся"}
META = {
    "класс": "class",
    "предмет": "subject",
    "учебный год": "year",
    "год": "year",
}
PERIOD = re.compile(
    r"^((?:[1-4]|i{1,3}|iv)\s*(?:четверть|полугодие|триместр)|год|годовая|итог|итоговая"
    r"|экзамен|экзаменационная|аттестация)$"
)
DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})(?:\.(\d{2,4}))?$")
MARK = re.compile(r"^([1-5][+-]?(\s*/\s*[1-5][+-]?)*|н|нб|б|п|у|ув|зач|зачёт|зачет|н/з|незач"
                  r"|осв|неосв|н/а|на|-|—)$")  # fmt: skip
EXPECTED = (
    "ожидались строки «Класс:», «Учебный год:» (и «Предмет:» для журнала по предмету), "
    "затем таблица: столбец «ФИО» (или «Обучающийся») и даты уроков (ДД.ММ) "
    "или четверти, или названия предметов"
)

ColumnKind = Literal["lesson", "period", "subject"]


@dataclass(frozen=True)
class Column:
    label: str  # «02.09», «I четверть», «Алгебра»
    kind: ColumnKind
    on: date | None = None  # a lesson's date


@dataclass(frozen=True)
class JournalRow:
    pupil: str  # ФИО as the journal writes it
    marks: dict[int, str]  # column number → the mark, as written


@dataclass(frozen=True)
class JournalExport:
    kind: Literal["grid", "summary"]
    class_label: str
    school_year: str
    subject: str | None
    columns: list[Column]
    rows: list[JournalRow] = field(default_factory=list)

    @property
    def title(self) -> str:
        if self.kind == "summary":
            return f"Сводная ведомость успеваемости {self.class_label}, {self.school_year}"
        return f"Электронный журнал {self.class_label}, {self.subject}, {self.school_year}"

    def finals(self, row: JournalRow) -> dict[str, str]:
        """The pupil's final marks by subject: a summary's cells, or a grid's last
        period column that has a mark (the year's, when the journal has one)."""
        if self.kind == "summary":
            return {self.columns[n].label: m for n, m in row.marks.items()}
        periods = [n for n, c in enumerate(self.columns) if c.kind == "period" and n in row.marks]
        if not periods or self.subject is None:
            return {}
        return {self.subject: row.marks[periods[-1]]}


def _cells(data: bytes) -> list[list[str]]:
    """The first sheet's cells as text (dates as ДД.ММ.ГГГГ); formulas as saved values."""
    try:
        rows = spreadsheet_rows(data)
    except ClassListError as exc:
        reason = str(exc)
        raise IntakeRejected(reason[:1].upper() + reason[1:]) from exc
    return [[_text(v) for v in row] for row in rows]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _key(text: str) -> str:
    return " ".join(text.lower().replace("ё", "е").replace(":", " ").split())


def _meta(row: list[str]) -> tuple[str, str] | None:
    """A heading line: «Класс: 9Б» in one cell, or «Класс» and «9Б» in two."""
    cells = [c for c in row if c]
    if not cells:
        return None
    first = cells[0]
    if ":" in first:
        name, _, value = first.partition(":")
        value = value.strip() or (cells[1] if len(cells) > 1 else "")
    else:
        name, value = first, cells[1] if len(cells) > 1 else ""
    field_name = META.get(_key(name))
    return (field_name, value.strip()) if field_name and value.strip() else None


def _lesson_date(label: str, school_year: str) -> date | None:
    found = DATE.match(label)
    if found is None:
        return None
    day, month = int(found.group(1)), int(found.group(2))
    year_text = found.group(3)
    first = int(school_year[:4])
    year = int(year_text) if year_text else (first if month >= 9 else first + 1)
    if year < 100:
        year += 2000
    try:
        return date(year, month, day)
    except ValueError:
        return None


def check_size(size: int) -> None:
    """Refuse, before anything reads it, a spreadsheet too big to be a class's journal:
    a worksheet is parsed whole in memory, many times its size on disk."""
    if size > MAX_BYTES:
        raise IntakeRejected(
            f"Выгрузка журнала больше {MAX_BYTES // (1024 * 1024)} МБ "
            f"({size / (1024 * 1024):.0f} МБ): это не журнал класса"
        )


def read_journal(data: bytes) -> JournalExport:
    """The export's class, year, subject, columns and rows, or IntakeRejected saying what
    was expected."""
    check_size(len(data))
    rows = _cells(data)
    meta: dict[str, str] = {}
    header_at = None
    for n, row in enumerate(rows[:40]):
        if any(_key(c) in NAME_HEADINGS for c in row):
            header_at = n
            break
        found = _meta(row)
        if found:
            meta.setdefault(*found)
    if header_at is None:
        raise IntakeRejected(f"Не выгрузка электронного журнала: нет столбца «ФИО»; {EXPECTED}")
    class_label = normalize_class(meta.get("class", ""))
    school_year = normalize_school_year(meta.get("year", ""))
    if class_label is None or school_year is None:
        missing = "класса" if class_label is None else "учебного года"
        raise IntakeRejected(f"В выгрузке журнала нет {missing}; {EXPECTED}")
    header = rows[header_at]
    name_col = next(i for i, c in enumerate(header) if _key(c) in NAME_HEADINGS)
    subject = meta.get("subject")
    columns: list[Column] = []
    positions: list[int] = []
    for i, label in enumerate(header):
        label = label.strip()
        if i <= name_col or not label:
            continue
        on = _lesson_date(label, school_year)
        if on is not None:
            kind: ColumnKind = "lesson"
        elif PERIOD.match(_key(label)):
            kind = "period"
        else:
            kind = "subject"
        columns.append(Column(label, kind, on))
        positions.append(i)
    kinds = {c.kind for c in columns}
    if subject and "subject" in kinds:
        odd = next(c.label for c in columns if c.kind == "subject")
        raise IntakeRejected(f"Столбец «{odd}» — не дата урока и не четверть; {EXPECTED}")
    if not subject and kinds - {"subject"}:
        raise IntakeRejected(f"В журнале по предмету нет строки «Предмет:»; {EXPECTED}")
    if not columns:
        raise IntakeRejected(f"В таблице нет столбцов с отметками; {EXPECTED}")
    out: list[JournalRow] = []
    marks = odd_marks = 0
    example = ""
    for row in rows[header_at + 1 :]:
        name = row[name_col].strip() if name_col < len(row) else ""
        if len(name.split()) < 2 or _key(name).startswith(("итого", "средний")):
            continue
        cells: dict[int, str] = {}
        for n, i in enumerate(positions):
            value = row[i].strip() if i < len(row) else ""
            if not value:
                continue
            marks += 1
            if not MARK.match(value.lower()):
                odd_marks += 1
                example = example or value
            cells[n] = value
        out.append(JournalRow(" ".join(name.split()), cells))
    if not out:
        raise IntakeRejected(f"В выгрузке журнала нет ни одного обучающегося; {EXPECTED}")
    if marks and odd_marks * 5 > marks:
        raise IntakeRejected(
            f"Не выгрузка электронного журнала: в ячейках не отметки (например «{example}»)"
        )
    return JournalExport(
        "grid" if subject else "summary",
        class_label,
        school_year,
        subject,
        columns,
        out,
    )
