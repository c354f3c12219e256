"""Class lists (CSV or XLSX) as schools export them: rows of pupils with their class.

Columns are found by their Russian headings, in any order: Фамилия, Имя, Отчество, Дата
рождения, Класс, and optionally Учебный год. CSV may come from Excel in Windows-1251 or
as UTF-8, with ';' or ',' between fields. A broken row is reported with its number and
reason and the rest still go in.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

CLASS_LABEL_RE = re.compile(r"^\s*(1[01]|[1-9])\s*[-–]?\s*[«\"“]?\s*([А-ЯЁа-яё])\s*[»\"”]?\s*$")
SCHOOL_YEAR_RE = re.compile(r"^\s*((?:19|20)\d{2})\s*[/–\-]\s*((?:19|20)?\d{2})\s*$")
HEADINGS = {
    "фамилия": "surname",
    "имя": "name",
    "отчество": "patronymic",
    "дата рождения": "birth_date",
    "класс": "class_label",
    "учебный год": "school_year",
}


class ClassListError(ValueError):
    pass


@dataclass(frozen=True)
class ClassListRow:
    line: int
    surname: str
    name: str
    patronymic: str | None
    birth_date: date | None
    class_label: str
    school_year: str


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"строка {self.line}: {self.reason}"


def normalize_class(label: str) -> str | None:
    """«9 «Б»», «9Б», «9-б» → «9Б»; None when it is not a class."""
    m = CLASS_LABEL_RE.match(label)
    return None if m is None else f"{m[1]}{m[2].upper()}"


def normalize_school_year(text: str) -> str | None:
    """«2023/2024», «2023-24» → «2023/2024»; None unless the years follow each other."""
    m = SCHOOL_YEAR_RE.match(text)
    if m is None:
        return None
    first = int(m[1])
    second = int(m[2]) if len(m[2]) == 4 else first // 100 * 100 + int(m[2])
    return f"{first}/{second}" if second == first + 1 else None


def school_year_on(day: date) -> str:
    """The school year a day falls in: it begins on 1 September, so 23 November 2026 is
    in «2026/2027» and 15 June 2026 in «2025/2026»."""
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}/{first + 1}"


def _birth_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def spreadsheet_rows(data: bytes) -> list[list[object]]:
    """The first sheet's cells of an XLSX (formulas as their saved values), or a CSV's as
    Excel writes it (UTF-8 or Windows-1251, «;», «,» or tab); ClassListError if neither.
    The e-journal reader shares it (intake/ejournal.py)."""
    if data[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook  # slow to import; only XLSX needs it

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ClassListError(f"файл не читается как XLSX: {exc}") from exc
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
        return rows
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ClassListError("файл не CSV (UTF-8 или Windows-1251) и не XLSX")
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=";,\t").delimiter
    except csv.Error:
        delimiter = ";"  # what Russian Excel writes
    return [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]


def read_class_list(
    data: bytes, school_year: str | None = None
) -> tuple[list[ClassListRow], list[RowProblem]]:
    """Rows that can go in, and every row that cannot, with why."""
    rows = spreadsheet_rows(data)
    if not rows:
        raise ClassListError("файл пуст")
    header = [str(c or "").strip().lower().replace("ё", "е") for c in rows[0]]
    columns = {HEADINGS[h]: i for i, h in enumerate(header) if h in HEADINGS}
    missing = [h for h, key in HEADINGS.items() if key in ("surname", "name", "class_label")
               and key not in columns]  # fmt: skip
    if missing:
        raise ClassListError("в первой строке нет столбцов: " + ", ".join(missing))
    if school_year is not None and normalize_school_year(school_year) is None:
        raise ClassListError(f"учебный год «{school_year}» не похож на «2025/2026»")
    if "school_year" not in columns and school_year is None:
        raise ClassListError(
            "укажите учебный год: столбцом «Учебный год» в файле или отдельно от него"
        )
    good: list[ClassListRow] = []
    problems: list[RowProblem] = []
    for line, row in enumerate(rows[1:], start=2):
        cell = {key: row[i] if i < len(row) else None for key, i in columns.items()}

        def text(key: str, cell: dict[str, object] = cell) -> str:
            value = cell.get(key)
            return "" if value is None else " ".join(str(value).split())

        if not any(text(k) for k in columns):
            continue
        reasons = []
        if not text("surname"):
            reasons.append("нет фамилии")
        if not text("name"):
            reasons.append("нет имени")
        label = normalize_class(text("class_label"))
        if label is None:
            reasons.append(f"класс «{text('class_label')}» не похож на «9Б»")
        year = normalize_school_year(text("school_year")) if text("school_year") else None
        if year is None:
            year = normalize_school_year(school_year or "")
            if text("school_year"):
                reasons.append(f"учебный год «{text('school_year')}» не понят")
        born: date | None = None
        if cell.get("birth_date") not in (None, ""):
            try:
                born = _birth_date(cell["birth_date"])
            except ValueError:
                reasons.append(f"дата рождения «{text('birth_date')}» не понята")
        if reasons or label is None or year is None:
            problems.append(RowProblem(line, "; ".join(reasons) or "учебный год не указан"))
            continue
        good.append(
            ClassListRow(
                line=line,
                surname=text("surname"),
                name=text("name"),
                patronymic=text("patronymic") or None,
                birth_date=born,
                class_label=label,
                school_year=year,
            )
        )
    return good, problems
