"""The nomenclature of cases (номенклатура дел) as a document: read, checked, written.

A school keeps its nomenclature as a spreadsheet or edits it in the UI; the archive
reads YAML or XLSX into `NomenclatureSpec`, checks every row, and writes the same two
formats back, so an export can be edited and imported again unchanged. The XLSX sheet
starts with the five columns of a nomenclature as schools print it (Индекс дела |
Заголовок дела | Количество дел | Срок хранения и статьи по перечню | Примечание) and adds
the columns the archive needs to apply it.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from retention.rules import Closing, RetentionError, RetentionKind, RetentionRule

INDEX_RE = re.compile(r"^\d{2}-\d{2,3}$")

XLSX_COLUMNS = [
    "Индекс дела",
    "Заголовок дела (тома, части)",
    "Количество дел",
    "Срок хранения дела и номера статей по перечню",
    "Примечание",
    "ЭПК",
    "Закрывается",
    "Событие",
    "Дата пересмотра (ДМН)",
    "Ключевые слова",
]
CLOSING_LABELS = {
    Closing.SCHOOL_YEAR: "конец учебного года",
    Closing.CALENDAR_YEAR: "конец календарного года",
    Closing.BOOK_CLOSED: "книга закрыта",
    Closing.EVENT: "событие",
}


class NomenclatureError(ValueError):
    """The file cannot be used; `problems` lists every row that is wrong, in Russian."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ItemSpec:
    index: str
    title: str
    retention: RetentionRule
    closes: Closing
    event: str | None = None
    note: str = ""
    keywords: tuple[str, ...] = ()
    case_count: int | None = None


@dataclass(frozen=True)
class NomenclatureSpec:
    year: int
    items: list[ItemSpec] = field(default_factory=list)


# -- reading ------------------------------------------------------------------------------


def _rule(raw: Any, epk: bool, basis: str, where: str) -> RetentionRule:
    if not isinstance(raw, dict):
        raise RetentionError(f"{where}: retention — ожидается years, permanent или dmn")
    review = raw.get("review")
    if isinstance(review, str):
        review = date.fromisoformat(review)
    if raw.get("permanent"):
        return RetentionRule(RetentionKind.PERMANENT, epk=epk, basis=basis)
    if raw.get("dmn"):
        return RetentionRule(
            RetentionKind.UNTIL_NO_LONGER_NEEDED, review_date=review, epk=epk, basis=basis
        )
    years = raw.get("years")
    if not isinstance(years, int) or isinstance(years, bool):
        raise RetentionError(f"{where}: срок хранения — целое число лет")
    return RetentionRule(RetentionKind.YEARS, years=years, epk=epk, basis=basis)


def _item(raw: Any, where: str) -> ItemSpec:
    if not isinstance(raw, dict):
        raise NomenclatureError([f"{where}: ожидается описание статьи"])
    index = str(raw.get("index", "")).strip()
    title = str(raw.get("title", "")).strip()
    problems = []
    if not INDEX_RE.match(index):
        problems.append(f"{where}: индекс «{index}» не похож на «02-07»")
    if not title:
        problems.append(f"{where}: нет заголовка дела")
    try:
        closes = Closing(raw.get("closes", Closing.SCHOOL_YEAR))
    except ValueError:
        problems.append(f"{where}: неизвестное закрытие дела «{raw.get('closes')}»")
        closes = Closing.SCHOOL_YEAR
    event = raw.get("event")
    if closes is Closing.EVENT and not event:
        problems.append(f"{where}: дело закрывается событием, но событие не указано")
    try:
        rule = _rule(raw.get("retention"), bool(raw.get("epk")), str(raw.get("basis", "")), where)
    except (RetentionError, ValueError) as exc:
        problems.append(str(exc) if str(exc).startswith(where) else f"{where}: {exc}")
        rule = RetentionRule(RetentionKind.PERMANENT)
    if problems:
        raise NomenclatureError(problems)
    keywords = raw.get("keywords") or []
    count = raw.get("case_count")
    return ItemSpec(
        index=index,
        title=title,
        retention=rule,
        closes=closes,
        event=str(event) if event else None,
        note=str(raw.get("note", "") or ""),
        keywords=tuple(str(k).strip() for k in keywords if str(k).strip()),
        case_count=int(count) if count not in (None, "") else None,
    )


def item_from_mapping(raw: dict[str, Any]) -> ItemSpec:
    """One item as the UI's edit form gives it; problems as NomenclatureError."""
    return _item(raw, "статья")


def from_mapping(data: Any) -> NomenclatureSpec:
    """Check a whole nomenclature; every problem is reported, not only the first."""
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise NomenclatureError(["ожидается year и список items"])
    problems: list[str] = []
    items: list[ItemSpec] = []
    for n, raw in enumerate(data["items"], start=1):
        try:
            items.append(_item(raw, f"статья {n}"))
        except NomenclatureError as exc:
            problems.extend(exc.problems)
    seen: set[str] = set()
    for raw in data["items"]:
        index = str(raw.get("index", "")).strip() if isinstance(raw, dict) else ""
        if index and index in seen:
            problems.append(f"индекс «{index}» встречается дважды")
        seen.add(index)
    year = data.get("year")
    if not isinstance(year, int) or not 1990 <= year <= 2100:
        problems.append("year: год номенклатуры — четыре цифры")
    if problems:
        raise NomenclatureError(problems)
    return NomenclatureSpec(year=int(year), items=items)  # type: ignore[arg-type]


# libyaml's loader where PyYAML was built with it: the default nomenclature parses in
# ~3 ms instead of ~23 (the pure-Python loader), once per worker on a fresh archive.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> NomenclatureSpec:
    try:
        data = yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise NomenclatureError([f"файл не читается как YAML: {exc}"]) from exc
    return from_mapping(data)


def default_nomenclature() -> NomenclatureSpec:
    """The editable default that covers every carrier of the seeds (domain.md)."""
    text = resources.files("retention").joinpath("default_nomenclature.yaml").read_text("utf-8")
    return load_yaml(text)


# -- writing ------------------------------------------------------------------------------


def _retention_mapping(rule: RetentionRule) -> dict[str, Any]:
    if rule.kind is RetentionKind.PERMANENT:
        return {"permanent": True}
    if rule.kind is RetentionKind.UNTIL_NO_LONGER_NEEDED:
        out: dict[str, Any] = {"dmn": True}
        if rule.review_date:
            out["review"] = rule.review_date.isoformat()
        return out
    return {"years": rule.years}


def to_mapping(spec: NomenclatureSpec) -> dict[str, Any]:
    items = []
    for item in spec.items:
        raw: dict[str, Any] = {
            "index": item.index,
            "title": item.title,
            "retention": _retention_mapping(item.retention),
        }
        if item.retention.epk:
            raw["epk"] = True
        raw["closes"] = item.closes.value
        if item.event:
            raw["event"] = item.event
        if item.retention.basis:
            raw["basis"] = item.retention.basis
        if item.note:
            raw["note"] = item.note
        if item.keywords:
            raw["keywords"] = list(item.keywords)
        if item.case_count is not None:
            raw["case_count"] = item.case_count
        items.append(raw)
    return {"year": spec.year, "items": items}


def dump_yaml(spec: NomenclatureSpec) -> str:
    return yaml.safe_dump(to_mapping(spec), allow_unicode=True, sort_keys=False, width=100)


# -- XLSX ---------------------------------------------------------------------------------

_RETENTION_CELL = re.compile(
    r"^\s*(?:(?P<years>\d+)\s*(?:года|год|лет)|(?P<perm>постоянно)|(?P<dmn>ДМН))"
    r"\s*(?P<epk>ЭПК)?\s*[.,;:]?\s*(?P<basis>.*)$",
    re.IGNORECASE | re.DOTALL,
)


def dump_xlsx(spec: NomenclatureSpec) -> bytes:
    from openpyxl import Workbook  # slow to import; every CLI command loads this module

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"Номенклатура {spec.year}"
    sheet.append(["Год", spec.year])
    sheet.append(XLSX_COLUMNS)
    for item in spec.items:
        rule = item.retention
        retention = rule.label.removesuffix(" ЭПК")
        if rule.basis:
            retention += f"; {rule.basis}"
        sheet.append(
            [
                item.index,
                item.title,
                item.case_count,
                retention,
                item.note,
                "ЭПК" if rule.epk else "",
                CLOSING_LABELS[item.closes],
                item.event or "",
                rule.review_date.isoformat() if rule.review_date else "",
                "; ".join(item.keywords),
            ]
        )
    for column, width in zip("ABCDEFGHIJ", (10, 60, 10, 45, 40, 6, 22, 14, 14, 40), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def load_xlsx(data: bytes) -> NomenclatureSpec:
    from openpyxl import load_workbook  # see dump_xlsx

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not XLSX
        raise NomenclatureError([f"файл не читается как XLSX: {exc}"]) from exc
    sheet = book.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    book.close()
    if len(rows) < 2 or str(rows[0][0]).strip() != "Год":
        raise NomenclatureError(["первая строка листа: «Год» и год номенклатуры"])
    header = [str(c or "").strip() for c in rows[1]]
    if header[: len(XLSX_COLUMNS)] != XLSX_COLUMNS:
        raise NomenclatureError(["вторая строка листа: заголовки столбцов, как в выгрузке"])
    closing_by_label = {label: closing.value for closing, label in CLOSING_LABELS.items()}
    items: list[dict[str, Any]] = []
    problems: list[str] = []
    for n, row in enumerate(rows[2:], start=3):
        cells = [("" if c is None else c) for c in row] + [""] * len(XLSX_COLUMNS)
        if not any(str(c).strip() for c in cells[: len(XLSX_COLUMNS)]):
            continue
        index, title, count, retention, note, epk, closes, event, review, keywords = cells[
            : len(XLSX_COLUMNS)
        ]
        match = _RETENTION_CELL.match(str(retention))
        if match is None:
            problems.append(f"строка {n}: срок хранения «{retention}» не понят")
            continue
        if match["perm"]:
            rule: dict[str, Any] = {"permanent": True}
        elif match["dmn"]:
            rule = {"dmn": True}
            if str(review).strip():
                rule["review"] = str(review).strip()[:10]
        else:
            rule = {"years": int(match["years"])}
        items.append(
            {
                "index": str(index).strip(),
                "title": str(title).strip(),
                "case_count": count if count != "" else None,
                "retention": rule,
                "epk": bool(match["epk"]) or str(epk).strip().upper() == "ЭПК",
                "basis": match["basis"].strip(),
                "note": str(note).strip(),
                "closes": closing_by_label.get(str(closes).strip(), str(closes).strip()),
                "event": str(event).strip() or None,
                "keywords": [k.strip() for k in str(keywords).split(";") if k.strip()],
            }
        )
    try:
        spec = from_mapping({"year": rows[0][1], "items": items})
    except NomenclatureError as exc:
        problems.extend(p.replace("статья ", "статья № ") for p in exc.problems)
        spec = None
    if problems or spec is None:
        raise NomenclatureError(problems)
    return spec


def load_file(path: Path) -> NomenclatureSpec:
    """YAML or XLSX, told apart by content rather than by the file's name."""
    return load_bytes(path.read_bytes())


def load_bytes(data: bytes) -> NomenclatureSpec:
    """A nomenclature as a file's bytes (a path, an upload): XLSX by its signature,
    else YAML in UTF-8."""
    if data[:4] == b"PK\x03\x04":
        return load_xlsx(data)
    try:
        return load_yaml(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise NomenclatureError(["файл не YAML (UTF-8) и не XLSX"]) from exc
