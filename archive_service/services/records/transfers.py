"""A pupil's transfer to another school (Приказ Минпросвещения № 240 от 06.04.2023).

The parents apply (заявление: who applies, the document proving they may, where the
pupil goes); the school orders the pupil out (приказ об отчислении в порядке перевода,
within three working days); it hands the parents the original personal file and writes
the issue into the register of issued personal files (журнал выдачи личных дел). One
`issue` does all of it here: the transfer is recorded, the leaving event closes the
personal file (its retention counts from the order's date), every document of the file
says «выдано родителям», and the file is printed as one PDF, its internal inventory
first, for the parents. The electronic copy stays in the archive under the retention
of departed pupils' files, so disposal destroys it in time.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive_service.access import PERSONAL_FILE_ITEM, Policy
from archive_service.archive import Archive
from archive_service.catalog import (
    Case,
    Document,
    DocumentEvent,
    NomenclatureItem,
    Pupil,
    PupilClass,
    PupilTransfer,
)
from archive_service.services.records.cases import CaseService
from archive_service.services.records.pupils import PupilEventError, record_event

ORDER_WITHIN_WORKING_DAYS = 3
REGISTER_ITEM = "04-06"  # Журнал выдачи личных дел: the transfer's papers are kept here


class TransferError(ValueError):
    """A transfer that cannot be recorded; the message says why, in Russian."""


class TransferNotFound(TransferError):
    """No such pupil or transfer, or not one this person sees."""


@dataclass(frozen=True)
class Application:
    application_date: date
    applicant: str
    applicant_document: str
    destination: str
    order_number: str
    order_date: date


@dataclass(frozen=True)
class TransferInfo:
    id: int
    pupil_id: str
    pupil: str
    class_label: str
    year: int
    number: int
    application_date: date
    applicant: str
    applicant_document: str
    destination: str
    order_number: str
    order_date: date
    issued_at: str
    issued_by: str
    documents: int
    sheets: int
    warning: str | None = None
    application_document_id: str | None = None
    notice_on: date | None = None
    notice: str | None = None
    notice_document_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["issue_id"] = out.pop("id")
        out["application_date"] = self.application_date.isoformat()
        out["order_date"] = self.order_date.isoformat()
        out["notice_on"] = self.notice_on.isoformat() if self.notice_on else None
        return out


def working_days_between(start: date, end: date) -> int:
    """Working days (Monday to Friday) after `start` up to and including `end`. Public
    holidays are not known to the archive: the warning errs on the side of silence."""
    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days += 1
    return days


def personal_file_cases(s: Session, pupil_id: str) -> list[Case]:
    """The volumes of the pupil's personal file, in order."""
    return list(
        s.scalars(
            select(Case)
            .join(NomenclatureItem, NomenclatureItem.id == Case.item_id)
            .where(Case.pupil_id == pupil_id, NomenclatureItem.index == PERSONAL_FILE_ITEM)
            .order_by(Case.volume)
        )
    )


def _clean(text: str, what: str, limit: int) -> str:
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise TransferError(f"Укажите {what}")
    return cleaned[:limit]


def _info(s: Session, row: PupilTransfer, warning: str | None = None) -> TransferInfo:
    pupil = s.get(Pupil, row.pupil_id)
    name = pupil.full_name if pupil else ""
    latest = s.scalars(
        select(PupilClass.class_label)
        .where(PupilClass.pupil_id == row.pupil_id)
        .order_by(PupilClass.school_year.desc())
    ).first()
    return TransferInfo(
        id=row.id,
        pupil_id=row.pupil_id,
        pupil=name,
        class_label=latest or "",
        year=row.year,
        number=row.number,
        application_date=row.application_date,
        applicant=row.applicant,
        applicant_document=row.applicant_document,
        destination=row.destination,
        order_number=row.order_number,
        order_date=row.order_date,
        issued_at=row.issued_at.isoformat(timespec="seconds"),
        issued_by=row.issued_by,
        documents=row.documents,
        sheets=row.sheets,
        warning=warning,
        application_document_id=row.application_document_id,
        notice_on=row.notice_on,
        notice=row.notice,
        notice_document_id=row.notice_document_id,
    )


class TransferService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def issue(
        self, pupil_id: str, application: Application, by: str, policy: Policy | None = None
    ) -> TransferInfo:
        """Record the transfer and the issue of the personal file to the parents."""
        applicant = _clean(application.applicant, "заявителя (ФИО)", 300)
        document = _clean(application.applicant_document, "документ заявителя", 300)
        destination = _clean(application.destination, "куда переводится обучающийся", 500)
        order = _clean(application.order_number, "номер приказа", 32)
        if application.order_date < application.application_date:
            raise TransferError("Приказ не может быть раньше заявления")
        late = working_days_between(application.application_date, application.order_date)
        warning = None
        if late > ORDER_WITHIN_WORKING_DAYS:
            warning = (
                f"Приказ издан через {late} рабочих дней после заявления: "
                f"по порядку перевода — не позже {ORDER_WITHIN_WORKING_DAYS}"
            )
        with self.archive.catalog.session() as s:
            pupil = s.get(Pupil, pupil_id)
            if pupil is None or (policy is not None and not policy.sees_school(pupil.school_id)):
                raise TransferNotFound("Обучающийся не найден")
            cases = personal_file_cases(s, pupil_id)
            docs = list(
                s.scalars(
                    select(Document)
                    .where(Document.case_id.in_([c.id for c in cases]))
                    .order_by(Document.case_id, Document.filed_at, Document.id)
                )
            )
            if not docs:
                raise TransferError(
                    "У обучающегося нет личного дела в архиве: подшейте его документы "
                    f"в статью {PERSONAL_FILE_ITEM}, затем выдавайте"
                )
            school_id = pupil.school_id
        basis = f"приказ № {order} от {application.order_date:%d.%m.%Y}"
        try:
            record_event(self.archive, pupil_id, "transferred_out", application.order_date, basis)
        except PupilEventError as exc:
            if "уже записано" not in str(exc):
                raise TransferError(str(exc)) from exc
        with self.archive.catalog.session() as s:
            year = application.order_date.year
            number = (
                s.scalar(
                    select(func.max(PupilTransfer.number)).where(
                        PupilTransfer.school_id == school_id, PupilTransfer.year == year
                    )
                )
                or 0
            ) + 1
            row = PupilTransfer(
                school_id=school_id,
                pupil_id=pupil_id,
                year=year,
                number=number,
                application_date=application.application_date,
                applicant=applicant,
                applicant_document=document,
                destination=destination,
                order_number=order,
                order_date=application.order_date,
                issued_by=by,
                documents=len(docs),
                sheets=sum(d.page_count for d in docs),
            )
            s.add(row)
            s.flush()
            for doc in docs:
                s.add(
                    DocumentEvent(
                        document_id=doc.id,
                        kind="issued",
                        detail=f"выдано родителям {row.issued_at:%d.%m.%Y} ({applicant})",
                    )
                )
            return _info(s, row, warning)

    def note_scan(self, transfer_id: int, what: str, document_id: str) -> None:
        """Note the document that is the transfer's application or notice scan."""
        with self.archive.catalog.session() as s:
            row = s.get(PupilTransfer, transfer_id)
            if row is None:
                raise TransferNotFound(f"Выдачи № {transfer_id} нет")
            if what == "application":
                row.application_document_id = document_id
            else:
                row.notice_document_id = document_id

    def school_of(self, transfer_id: int) -> int:
        with self.archive.catalog.session() as s:
            row = s.get(PupilTransfer, transfer_id)
            if row is None:
                raise TransferNotFound(f"Выдачи № {transfer_id} нет")
            return row.school_id

    def record_notice(
        self, transfer_id: int, on: date, text: str, policy: Policy | None = None
    ) -> TransferInfo:
        """The receiving school's notice of enrolment, as it came (date and words)."""
        notice = _clean(text, "что сказано в уведомлении (школа, приказ о зачислении)", 2000)
        with self.archive.catalog.session() as s:
            row = s.get(PupilTransfer, transfer_id)
            if row is None or (policy is not None and not policy.sees_school(row.school_id)):
                raise TransferNotFound(f"Выдачи № {transfer_id} нет")
            if on < row.order_date:
                raise TransferError("Уведомление не может быть раньше приказа об отчислении")
            row.notice_on, row.notice = on, notice
            s.flush()
            return _info(s, row)

    def get(self, transfer_id: int, policy: Policy | None = None) -> TransferInfo:
        with self.archive.catalog.session() as s:
            row = s.get(PupilTransfer, transfer_id)
            if row is None or (policy is not None and not policy.sees_school(row.school_id)):
                raise TransferNotFound(f"Выдачи № {transfer_id} нет")
            return _info(s, row)

    def of_pupil(self, pupil_id: str) -> list[TransferInfo]:
        with self.archive.catalog.session() as s:
            rows = s.scalars(
                select(PupilTransfer)
                .where(PupilTransfer.pupil_id == pupil_id)
                .order_by(PupilTransfer.id)
            )
            return [_info(s, r) for r in rows]

    def register(self, year: int, policy: Policy | None = None) -> list[TransferInfo]:
        """The year's register of issued personal files, of the schools the policy sees."""
        query = select(PupilTransfer).where(PupilTransfer.year == year)
        if policy is not None and policy.schools is not None:
            query = query.where(PupilTransfer.school_id.in_(sorted(policy.schools)))
        with self.archive.catalog.session() as s:
            return [
                _info(s, r)
                for r in s.scalars(query.order_by(PupilTransfer.school_id, PupilTransfer.number))
            ]

    def personal_file_pdf(self, pupil_id: str, policy: Policy | None = None) -> bytes:
        """The whole personal file as one PDF: each volume's internal inventory, then its
        documents' pages in filing order."""
        import pikepdf  # qpdf: pages appended without re-rendering them

        with self.archive.catalog.session() as s:
            pupil = s.get(Pupil, pupil_id)
            if pupil is None or (policy is not None and not policy.sees_school(pupil.school_id)):
                raise TransferNotFound("Обучающийся не найден")
            volumes = [
                (
                    case.id,
                    [
                        (d.searchable_pdf_key or d.storage_key, d.media_type, d.title)
                        for d in s.scalars(
                            select(Document)
                            .where(Document.case_id == case.id)
                            .order_by(Document.filed_at, Document.id)
                        )
                    ],
                )
                for case in personal_file_cases(s, pupil_id)
            ]
        if not any(docs for _, docs in volumes):
            raise TransferError("У обучающегося нет личного дела в архиве")
        out = pikepdf.Pdf.new()
        opened = []
        for case_id, docs in volumes:
            inventory = pikepdf.Pdf.open(
                io.BytesIO(CaseService(self.archive).inventory_pdf(case_id))
            )
            opened.append(inventory)
            out.pages.extend(inventory.pages)
            for key, media_type, title in docs:
                if not key.endswith(".pdf") and media_type != "application/pdf":
                    raise TransferError(
                        f"Документ «{title}» ещё не обработан: PDF для печати появится после"
                    )
                part = pikepdf.Pdf.open(io.BytesIO(self.archive.store.get_bytes(key)))
                opened.append(part)
                out.pages.extend(part.pages)
        buffer = io.BytesIO()
        out.save(buffer)
        for pdf in opened:
            pdf.close()
        return buffer.getvalue()
