"""Bulk import: a folder or a ZIP of scans with a CSV manifest (опись) that describes them.

Manifest columns, found by heading in any order: Файл (required), Вид (nomenclature
item, «02-01»), Учебный год, Класс, Дата, Заголовок, Предмет, Обучающийся (ФИО as in the
class list), Организация (a district's import of several schools at once; the row's file
is that school's record). Encoding and separator as Excel writes them (see intake.class_list).

Nothing is lost: every file goes in, whatever its row says. A row naming a missing
file, a row whose description cannot be used (unknown item, pupil not found or not
unique, a malformed date), and a file the manifest does not mention are each reported;
files without a usable description wait in the "to be filed" queue. A ZIP member whose
name would leave the archive (an absolute path, «..») or whose declared size or
compression ratio is absurd is refused without being unpacked.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import IO

from archive_service.archive import Archive
from archive_service.schools import SchoolService, own_school_id
from archive_service.services.pipeline.ingest import REJECTED, IngestOutcome, IngestService
from archive_service.services.records.nomenclature import NomenclatureService
from archive_service.services.records.proposals import pupils_of
from archive_service.services.zip_members import member_problem
from intake.class_list import normalize_class, normalize_school_year
from intake.cover_sheet import CoverPayload

MANIFEST_NAMES = ("опись.csv", "manifest.csv")
HEADINGS = {
    "файл": "file",
    "вид": "kind",
    "учебный год": "year",
    "класс": "class",
    "дата": "date",
    "заголовок": "title",
    "предмет": "subject",
    "обучающийся": "pupil",
    "организация": "school",
}


class BulkImportError(ValueError):
    pass


@dataclass
class BulkReport:
    outcomes: list[IngestOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BulkImportError("опись не в UTF-8 и не в Windows-1251")


def _manifest_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    text = _decode(data)
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=";,\t").delimiter
    except csv.Error:
        delimiter = ";"
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise BulkImportError("опись пуста")
    header = [h.strip().lower().replace("ё", "е") for h in rows[0]]
    columns = {HEADINGS[h]: i for i, h in enumerate(header) if h in HEADINGS}
    if "file" not in columns:
        raise BulkImportError("в первой строке описи нет столбца «Файл»")
    out = []
    for line, row in enumerate(rows[1:], start=2):
        cells = {k: (row[i].strip() if i < len(row) else "") for k, i in columns.items()}
        if any(cells.values()):
            out.append((line, cells))
    return out


class _Source:
    """The files of a folder or a ZIP, by their names relative to its root."""

    def __init__(self, path: Path, max_bytes: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.zip: zipfile.ZipFile | None = None
        self.refused: dict[str, str] = {}
        self.names: list[str] = []
        if path.is_dir():
            self.names = sorted(
                p.relative_to(path).as_posix()
                for p in path.rglob("*")
                if p.is_file() and not p.is_symlink()
            )
            return
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise BulkImportError(f"{path.name}: не папка и не ZIP-архив ({exc})") from exc
        for info in self.zip.infolist():
            if info.is_dir():
                continue
            problem = member_problem(info, max_bytes)
            if problem is not None:
                self.refused[info.filename] = problem
            else:
                self.names.append(info.filename)
        self.names.sort()

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        if self.zip is not None:
            with self.zip.open(name) as fh:
                yield fh
        else:
            with (self.path / name).open("rb") as fh:
                yield fh

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


class BulkImportService:
    def __init__(self, archive: Archive, school_id: int | None = None) -> None:
        """`school_id`: whose records the files are (None: the archive's own school)."""
        self.archive = archive
        self.school_id = school_id
        self._kinds_of: dict[int | None, set[str]] = {}

    def run(self, path: Path, manifest: Path | None = None) -> BulkReport:
        source = _Source(path, self.archive.settings.limits.max_file_bytes)
        try:
            return self._run(source, manifest)
        finally:
            source.close()

    def _run(self, source: _Source, manifest: Path | None) -> BulkReport:
        report = BulkReport()
        manifest_name = next(
            (n for n in source.names if PurePosixPath(n).name.lower() in MANIFEST_NAMES), None
        )
        if manifest is not None:
            rows = _manifest_rows(manifest.read_bytes())
        elif manifest_name is not None:
            with source.open(manifest_name) as fh:
                rows = _manifest_rows(fh.read(4 * 1024 * 1024))
        else:
            rows = []
            report.problems.append("Описи нет: все файлы приняты без описания")
        for name, reason in source.refused.items():
            report.outcomes.append(IngestOutcome(name, REJECTED, error=reason))
        described: dict[str, CoverPayload | None] = {}
        school_of: dict[str, int | None] = {}
        schools = {s.name: s.id for s in SchoolService(self.archive).all()}
        by_name = {n.lower(): n for n in source.names}
        for line, cells in rows:
            listed = by_name.get(cells["file"].replace("\\", "/").lower())
            if listed is None:
                report.problems.append(f"строка {line}: файла «{cells['file']}» нет")
                continue
            school_id, problem = self.school_id, None
            if cells.get("school"):
                named = " ".join(cells["school"].split())
                if named not in schools:
                    problem = f"организации «{named}» нет"
                school_id = schools.get(named, self.school_id)
            school_of[listed] = school_id
            payload = None
            if problem is None:
                payload, problem = self._payload(cells, school_id)
            if problem:
                report.problems.append(f"строка {line} ({cells['file']}): {problem}")
            described[listed] = payload
        for name in source.names:
            if name == manifest_name:
                continue
            if name not in described and rows:
                report.problems.append(f"«{name}» нет в описи: принят без описания")
            payload = described.get(name)
            with source.open(name) as fh:
                service = IngestService(self.archive, school_of.get(name, self.school_id))
                report.outcomes.append(
                    service.ingest_stream(
                        fh,
                        PurePosixPath(name).name,
                        name,
                        cover_payload=payload.encode() if payload else None,
                    )
                )
        return report

    def _payload(
        self, cells: dict[str, str], school_id: int | None
    ) -> tuple[CoverPayload | None, str | None]:
        """The row's filing, checked against its school's nomenclature and pupils."""
        kind = cells.get("kind", "")
        if not kind:
            return None, None
        if kind not in self._kinds(school_id):
            return None, f"в номенклатуре нет статьи «{kind}»"
        year = cells.get("year") or None
        if year and normalize_school_year(year) is None:
            return None, f"учебный год «{year}» не понят"
        label = cells.get("class") or None
        if label and normalize_class(label) is None:
            return None, f"класс «{label}» не похож на «9Б»"
        when = cells.get("date") or None
        if when:
            parsed = _date(when)
            if parsed is None:
                return None, f"дата «{when}» не понята"
            when = parsed.isoformat()
        pupil_id = None
        if cells.get("pupil"):
            pupil_id, problem = self._pupil(cells["pupil"], school_id)
            if problem:
                return None, problem
        return (
            CoverPayload(
                kind=kind,
                pupil_id=pupil_id,
                school_year=normalize_school_year(year) if year else None,
                class_label=normalize_class(label) if label else None,
                title=cells.get("title") or None,
                document_date=when,
                subject=cells.get("subject") or None,
            ),
            None,
        )

    def _kinds(self, school_id: int | None) -> set[str]:
        """The nomenclature items of the school's current nomenclature (remembered per
        school: a manifest of a thousand rows reads each school's once)."""
        if school_id not in self._kinds_of:
            name = SchoolService(self.archive).name_of(school_id)
            items = NomenclatureService(self.archive).for_filing(name).items
            self._kinds_of[school_id] = {i.index for i in items}
        return self._kinds_of[school_id]

    def _pupil(self, full_name: str, school_id: int | None) -> tuple[str | None, str | None]:
        """The one pupil of this school with that name (a namesake elsewhere is not)."""
        wanted = [w.lower().replace("ё", "е") for w in full_name.split()]
        with self.archive.catalog.session() as s:
            school = school_id if school_id is not None else own_school_id(s)
            found = [
                p.id
                for p in s.scalars(pupils_of(s, school))
                if [
                    w.lower().replace("ё", "е")
                    for w in (p.surname, p.name, p.patronymic or "")
                    if w
                ][: len(wanted)]
                == wanted
            ]
        if not found:
            return None, f"обучающийся «{full_name}» не найден"
        if len(found) > 1:
            return None, f"обучающихся «{full_name}» несколько: укажите отчество"
        return found[0], None


def _date(text: str) -> date | None:
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None
