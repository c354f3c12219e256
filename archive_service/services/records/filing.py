"""Filing a document into a case (дело) of the nomenclature, with the metadata the
archivist confirmed.

Which case: an item closed by an event (a pupil's личное дело) gets one case per pupil;
an item closed with the school year gets one case per school year; by calendar year,
one per year of the document's date; a register (книга, closed when full) has one open
case. The case is opened on first use. The document remembers the nomenclature item of
the version it was filed under, so a later version never changes where it was filed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from archive_service.archive import Archive
from archive_service.catalog import (
    Case,
    DisposalAct,
    DisposalActCase,
    Document,
    DocumentEvent,
    DocumentPupil,
    NomenclatureItem,
    OutboxEntry,
    Pupil,
    School,
)
from archive_service.catalog.models import utcnow
from archive_service.services.records import volumes
from archive_service.services.records.nomenclature import NomenclatureService, item_in_force
from intake.class_list import normalize_class, normalize_school_year
from intake.cover_sheet import HEADING, CoverPayload, CoverSheetError
from retention.rules import Closing

HEADING_KEY = re.sub(r"[^А-ЯЁ]", "", HEADING).replace("Ё", "Е")
HEADING_SIMILARITY = 85  # percent: one or two misread letters of the heading


class FilingError(ValueError):
    pass


@dataclass(frozen=True)
class Filing:
    item_index: str
    title: str | None = None
    document_date: date | None = None
    school_year: str | None = None
    class_label: str | None = None
    subject: str | None = None
    pupil_ids: list[str] = field(default_factory=list)
    case_id: int | None = None  # a named case (a cover sheet's); its item wins
    health_data: bool = False  # a ПМПК conclusion or other health data


def _reads_like_cover_sheet(text: str) -> bool:
    """OCR of our sheet's heading, allowing for a misread letter or a broken line.

    The best-matching stretch of the page's letters is compared with the heading
    (rapidfuzz's partial ratio, bit-parallel C++): a 300-page export is checked in
    milliseconds, where a window-by-window difflib scan took seconds.
    """
    folded = re.sub(r"[^А-ЯЁ]", "", text.upper()).replace("Ё", "Е")
    return fuzz.partial_ratio(HEADING_KEY, folded, score_cutoff=HEADING_SIMILARITY) > 0


def _same_school(owner: int | None, school_id: int | None) -> bool:
    """Whether a case's school is the document's (None: a document of no school, filed
    as the archive's own)."""
    return school_id is None or owner == school_id


def what_is_missing(
    closes: Closing,
    title: str,
    school_year: str | None,
    document_date: date | None,
    pupil_count: int,
) -> str | None:
    """What an item's cases need that a filing lacks, in words (None: nothing): the
    one rule filing refuses by and the queue warns by, before anyone presses a button."""
    if closes is Closing.EVENT and pupil_count != 1:
        return f"«{title}» ведётся на каждого обучающегося: укажите одного обучающегося"
    if closes is Closing.SCHOOL_YEAR and school_year is None:
        return f"Для «{title}» нужен учебный год"
    if closes is Closing.CALENDAR_YEAR and document_date is None:
        return f"Для «{title}» нужна дата документа"
    return None


def parse_iso_date(text: str | None) -> date | None:
    """A date as forms and sheets give it (YYYY-MM-DD); empty means none."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise FilingError(f"Дата «{text}» не похожа на дату") from exc


class FilingService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def file_from_cover(self, document_id: str) -> int | None:
        """Apply the document's cover-sheet filing; a problem leaves it in the queue to be
        filed by hand, with the reason recorded as an event.

        A page that reads like a cover sheet («ТИТУЛЬНЫЙ ЛИСТ АРХИВА») means a sheet
        whose QR codes could not be read was taken for a record page: the stack was split
        wrongly there, so nothing is filed automatically and the archivist is told where.
        """
        with self.archive.catalog.session() as s:
            doc = s.get(Document, document_id)
            if doc is None or doc.case_id is not None:
                return None
            encoded = doc.cover_payload
            stray = [p.number for p in doc.pages if _reads_like_cover_sheet(p.text)]
        if stray:
            self._unfiled(
                document_id,
                f"Лист {', '.join(map(str, stray))} похож на титульный лист, но его QR-код не "
                "прочитан: документ нужно разделить и подшить вручную",
            )
            return None
        if not encoded:
            return None
        try:
            payload = CoverPayload.decode(encoded)
            if payload is None:
                raise FilingError("титульный лист не прочитан")
            return self.file(
                document_id,
                Filing(
                    item_index=payload.kind,
                    title=payload.title,
                    document_date=parse_iso_date(payload.document_date),
                    subject=payload.subject,
                    school_year=payload.school_year,
                    class_label=payload.class_label,
                    pupil_ids=[payload.pupil_id] if payload.pupil_id else [],
                    case_id=payload.case_id,
                ),
            )
        except (FilingError, CoverSheetError) as exc:
            self._unfiled(document_id, f"По титульному листу не подшит: {exc}")
            return None

    def _unfiled(self, document_id: str, reason: str) -> None:
        with self.archive.catalog.session() as s:
            s.add(DocumentEvent(document_id=document_id, kind="filing_failed", detail=reason))

    def file(self, document_id: str, filing: Filing) -> int:
        """File the document; returns its case id. Refiling moves it and its metadata."""
        school_year = None
        if filing.school_year:
            school_year = normalize_school_year(filing.school_year)
            if school_year is None:
                raise FilingError(f"Учебный год «{filing.school_year}» не похож на «2024/2025»")
        class_label = None
        if filing.class_label:
            class_label = normalize_class(filing.class_label)
            if class_label is None:
                raise FilingError(f"Класс «{filing.class_label}» не похож на «9Б»")
        school = self._school_of(document_id)
        # the school's nomenclature (the default, until it loads its own) exists first
        NomenclatureService(self.archive).current(school.name if school else None)
        school_id = school.id if school else None
        with self.archive.catalog.session() as s:
            doc = s.get(Document, document_id)
            if doc is None:
                raise FilingError("Документ не найден")
            pupils = [s.get(Pupil, pid) for pid in dict.fromkeys(filing.pupil_ids)]
            if any(p is None for p in pupils):
                raise FilingError("Среди обучающихся есть неизвестный")
            if filing.case_id is not None:
                named = s.get(Case, filing.case_id)
                if named is None or not _same_school(
                    named.item.nomenclature.school_id, school_id
                ):  # another school's case is no case for this document
                    raise FilingError(f"Дела № {filing.case_id} нет")
                volumes.take_turn(s, named.item)  # not into a volume closing meanwhile
                s.refresh(named)
                if named.closed_on is not None:
                    raise FilingError(f"Дело № {filing.case_id} закрыто")
                case, item = named, named.item
            else:
                current = self._current_item(s, filing.item_index, school_id)
                case = self._case_for(s, current, filing, school_year, [p for p in pupils if p])
                item = case.item  # an open volume keeps the version it was opened under
            in_act = s.scalar(
                select(DisposalAct.number)
                .join(DisposalActCase, DisposalActCase.act_id == DisposalAct.id)
                .where(DisposalActCase.case_id == case.id)
                .limit(1)
            )
            if in_act is not None:  # its contents are what the act states
                raise FilingError(
                    f"Дело № {case.id} включено в акт № {in_act}: в него не подшивают"
                )
            left = doc.case_id if doc.case_id != case.id else None
            doc.nomenclature_item_id = item.id
            doc.case_id = case.id
            if filing.title:
                doc.title = filing.title.strip()[:500]
            doc.document_date = filing.document_date
            doc.school_year = school_year
            doc.class_label = class_label
            doc.subject = (filing.subject or "").strip() or None
            doc.health_data = filing.health_data
            doc.filed_at = utcnow()
            s.execute(delete(DocumentPupil).where(DocumentPupil.document_id == document_id))
            for pupil in pupils:
                assert pupil is not None
                s.add(DocumentPupil(document_id=document_id, pupil_id=pupil.id))
            s.add(
                DocumentEvent(
                    document_id=document_id,
                    kind="filed",
                    detail=f"{item.index} {case.title}",
                )
            )
            s.add(OutboxEntry(document_id=document_id, operation="index"))
            if left is not None:
                s.flush()
                volumes.drop_if_left_empty(s, left)
            case_id = case.id
        self.archive.dispatcher.relay_index()
        if self.archive.store.locks:  # the original's lock follows its case's keeping
            self.archive.dispatcher.protect_originals([case_id])
        return case_id

    def _school_of(self, document_id: str) -> School | None:
        """The document's school: its own nomenclature, cases and pupils are the ones it
        is filed among (None: a document of no school, filed as the archive's own)."""
        with self.archive.catalog.session() as s:
            doc = s.get(Document, document_id)
            if doc is None:
                raise FilingError("Документ не найден")
            if doc.school_id is None:
                return None
            school = s.get(School, doc.school_id)
            if school is not None:
                s.expunge(school)
            return school

    @staticmethod
    def _current_item(s: Session, index: str, school_id: int | None = None) -> NomenclatureItem:
        row = item_in_force(s, index, school_id)
        if row is None:
            raise FilingError(f"В номенклатуре нет статьи «{index}»")
        return row

    @staticmethod
    def _case_for(
        s: Session,
        item: NomenclatureItem,
        filing: Filing,
        school_year: str | None,
        pupils: list[Pupil],
    ) -> Case:
        closes = Closing(item.closes)
        missing = what_is_missing(
            closes, item.title, school_year, filing.document_date, len(pupils)
        )
        if missing is not None:
            raise FilingError(missing)
        pupil: Pupil | None = None
        if closes is Closing.EVENT:
            pupil = pupils[0]
            period = ""
            title = f"{item.title}: {pupil.surname} {pupil.name}"
        elif closes is Closing.SCHOOL_YEAR:
            assert school_year is not None
            period, title = school_year, f"{item.title}, {school_year} учебный год"
        elif closes is Closing.CALENDAR_YEAR:
            assert filing.document_date is not None
            year = str(filing.document_date.year)
            period, title = year, f"{item.title}, {year} год"
        else:
            period, title = "", item.title
        pupil_id = pupil.id if pupil else None
        volumes.take_turn(s, item)
        existing = volumes.open_volume(s, item, period, pupil_id)
        if existing is not None:
            return existing
        return volumes.add_volume(s, item, title, period, pupil_id)
