"""Cover sheets to print: one per record, saying in words and in QR codes where it goes."""

from __future__ import annotations

from archive_service.archive import Archive
from archive_service.catalog import Case, Pupil, School
from archive_service.schools import own_school_id
from archive_service.services.records.filing import FilingError
from archive_service.services.records.nomenclature import NomenclatureService
from intake.class_list import normalize_class, normalize_school_year
from intake.cover_sheet import CoverPayload, CoverSheet, render_cover_sheets


class CoverSheetService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def render(
        self,
        kind: str,
        pupil_ids: list[str] | None = None,
        case_id: int | None = None,
        school_year: str | None = None,
        class_label: str | None = None,
        title: str | None = None,
        copies: int = 1,
        school_id: int | None = None,
    ) -> bytes:
        """A PDF of sheets: one per pupil given (or `copies` sheets with no pupil), for
        the records of `school_id` (the archive's own by default).

        Everything a sheet names is checked now, so a printed sheet never carries an
        unknown item, case or pupil: the school's nomenclature item, a case and pupils of
        that school (another school's are no case and no pupil here).
        """
        with self.archive.catalog.session() as s:
            school = school_id if school_id is not None else own_school_id(s)
            row = s.get(School, school)
            name = row.name if row is not None else None
        items = {i.index: i for i in NomenclatureService(self.archive).for_filing(name).items}
        if kind not in items:
            raise FilingError(f"В номенклатуре нет статьи «{kind}»")
        if school_year and normalize_school_year(school_year) is None:
            raise FilingError(f"Учебный год «{school_year}» не похож на «2024/2025»")
        if class_label and normalize_class(class_label) is None:
            raise FilingError(f"Класс «{class_label}» не похож на «9Б»")
        sheets: list[CoverSheet] = []
        with self.archive.catalog.session() as s:
            case_title = None
            if case_id is not None:
                case = s.get(Case, case_id)
                if case is None or case.item.nomenclature.school_id != school:
                    raise FilingError(f"Дела № {case_id} нет")
                case_title = case.title
            targets: list[Pupil | None] = []
            for pid in pupil_ids or []:
                pupil = s.get(Pupil, pid)
                if pupil is None or (school_id is not None and pupil.school_id != school):
                    raise FilingError("Среди обучающихся есть неизвестный")
                targets.append(pupil)
            if not targets:
                targets = [None] * max(1, min(copies, 500))
            for pupil in targets:
                lines = [f"Организация: {name}"] if name else []
                lines.append(f"Вид: {kind} {items[kind].title}")
                if case_title:
                    lines.append(f"Дело № {case_id}: {case_title}")
                if pupil is not None:
                    lines.append(f"Обучающийся: {pupil.full_name}")
                if school_year:
                    lines.append(f"Учебный год: {normalize_school_year(school_year)}")
                if class_label:
                    lines.append(f"Класс: {normalize_class(class_label)}")
                if title:
                    lines.append(f"Заголовок: {title}")
                payload = CoverPayload(
                    kind=kind,
                    case_id=case_id,
                    pupil_id=pupil.id if pupil is not None else None,
                    school_year=normalize_school_year(school_year) if school_year else None,
                    class_label=normalize_class(class_label) if class_label else None,
                    title=title or None,
                    school_id=school,
                )
                sheets.append(CoverSheet(payload, lines))
        return render_cover_sheets(sheets)
