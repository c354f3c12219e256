"""Reading metadata proposals from an archived document's text and keeping them.

Runs once a document is archived (the text is final then). Proposals replace any
earlier ones for the document; the archivist's confirmation, not this service, files it:
on the document's page, or with «Подшить как предложено» in the queue to be filed,
which takes `filing`, the best proposal of each field.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from archive_service.archive import Archive
from archive_service.catalog import (
    Document,
    DocumentEvent,
    MetadataProposal,
    Page,
    Pupil,
    PupilClass,
    School,
)
from archive_service.domain import DocumentStatus
from archive_service.metadata.proposals import KindRule, KnownPupil, Proposal, propose
from archive_service.services.records.filing import Filing, FilingError, parse_iso_date
from archive_service.services.records.nomenclature import NomenclatureService


@dataclass(frozen=True)
class Stored:
    """A kept proposal as the queue shows it: the value filed, the label read, and the
    words it was read from (the first of them, with their sheet)."""

    value: str
    label: str
    words: str
    page: int
    doubt: str | None = None  # why it is only a guess


# The fields «Подшить как предложено» files by: a doubt on the best of any of them sends
# the document to its page instead.
FILED_FIELDS = {"kind": "вид", "date": "дата", "school_year": "учебный год", "class": "класс"}


def doubts_of(fields: dict[str, list[Stored]]) -> list[str]:
    """Why filing by these proposals would take a guess, field by field."""
    return [
        f"{name}: {fields[field][0].doubt}"
        for field, name in FILED_FIELDS.items()
        if fields.get(field) and fields[field][0].doubt
    ]


def pupils_of(s: Session, school_id: int | None) -> Select[Any]:
    """The pupils a document of this school may be about: its school's. An archive of
    one school whose class lists went in under another name (a second school, from
    before schools were a boundary) has no pupils in the documents' school: then every
    pupil, as before, rather than none."""
    if school_id is None:
        return select(Pupil)
    own = select(Pupil).where(Pupil.school_id == school_id)
    return own if s.scalar(own.limit(1)) is not None else select(Pupil)


class ProposalService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def refresh(self, document_id: str) -> list[Proposal]:
        """Proposals from the document's own school: its nomenclature's kinds and its
        pupils (in a district, a namesake in another school is not this pupil)."""
        with self.archive.catalog.session() as s:
            doc = s.get(Document, document_id)
            if doc is None:
                return []
            school_id = doc.school_id
            school = s.get(School, school_id) if school_id is not None else None
            school_name = school.name if school is not None else None
        spec = NomenclatureService(self.archive).for_filing(school_name)
        kinds = [KindRule(i.index, i.title, i.keywords) for i in spec.items]
        with self.archive.catalog.session() as s:
            of_school = pupils_of(s, school_id)
            pages = [
                (p.number, p.text)
                for p in s.scalars(
                    select(Page).where(Page.document_id == document_id).order_by(Page.number)
                )
            ]
            pupils = [
                KnownPupil(p.id, p.surname, p.name, p.patronymic) for p in s.scalars(of_school)
            ]
            classes: dict[str, set[str]] = defaultdict(set)
            listed = select(PupilClass.school_year, PupilClass.class_label).where(
                PupilClass.pupil_id.in_(of_school.with_only_columns(Pupil.id))
            )
            for school_year, label in s.execute(listed.distinct()):
                classes[school_year].add(label)
        proposals = propose(pages, kinds, pupils, classes)
        with self.archive.catalog.session() as s:
            s.execute(delete(MetadataProposal).where(MetadataProposal.document_id == document_id))
            for p in proposals:
                s.add(
                    MetadataProposal(
                        document_id=document_id,
                        field=p.field,
                        value=p.value[:500],
                        label=p.label[:500],
                        score=p.score,
                        doubt=p.doubt,
                        evidence=json.dumps(
                            [
                                {"page": e.page, "start": e.start, "end": e.end, "text": e.text}
                                for e in p.evidence
                            ],
                            ensure_ascii=False,
                        ),
                    )
                )
        return proposals

    def refresh_unfiled(self, school_id: int) -> int:
        """Read proposals again for the school's archived documents that wait to be
        filed: a class list imported after they were read brings pupils they name, who
        were not proposed then. Filed documents keep theirs (their filing is decided).
        Returns how many documents were read again."""
        with self.archive.catalog.session() as s:
            waiting = list(
                s.scalars(
                    select(Document.id).where(
                        Document.school_id == school_id,
                        Document.case_id.is_(None),
                        Document.status == DocumentStatus.ARCHIVED,
                    )
                )
            )
        for document_id in waiting:
            self.refresh(document_id)
        return len(waiting)

    def best(self, document_ids: list[str]) -> dict[str, dict[str, list[Stored]]]:
        """Each document's kept proposals by field, best first (the order `propose` gave
        and the ids keep): one query for a whole queue of documents."""
        found: dict[str, dict[str, list[Stored]]] = defaultdict(lambda: defaultdict(list))
        with self.archive.catalog.reading() as s:
            rows = s.scalars(
                select(MetadataProposal)
                .where(MetadataProposal.document_id.in_(document_ids))
                .order_by(MetadataProposal.id)
            )
            for row in rows:
                evidence: list[dict[str, Any]] = json.loads(row.evidence) or [{}]
                words, page = evidence[0].get("text", ""), int(evidence[0].get("page", 0))
                found[row.document_id][row.field].append(
                    Stored(row.value, row.label, words, page, row.doubt)
                )
        return {doc_id: dict(fields) for doc_id, fields in found.items()}

    def filing(self, document_id: str) -> Filing:
        """The filing the proposals make, as the document's form would send it untouched:
        the best kind, title, date, year and class, and every pupil named. Without a
        proposed kind there is nothing to file by, and the archivist must choose; one
        held back with a reason (a stack split wrongly, a cover sheet that did not fit)
        is looked at whole on its own page."""
        with self.archive.catalog.reading() as s:
            held = s.scalars(
                select(DocumentEvent.detail)
                .where(
                    DocumentEvent.document_id == document_id,
                    DocumentEvent.kind == "filing_failed",
                )
                .order_by(DocumentEvent.id.desc())
            ).first()
        if held is not None:  # a stack split wrongly, a cover sheet that did not fit
            raise FilingError(f"{held}; подшейте его на странице документа")
        fields = self.best([document_id]).get(document_id, {})

        def first(name: str) -> str | None:
            return fields[name][0].value if fields.get(name) else None

        kind = first("kind")
        if kind is None:
            raise FilingError("вид документа не предложен: выберите его на странице документа")
        doubts = doubts_of(fields)
        if doubts:
            raise FilingError(f"{'; '.join(doubts)} — проверьте на странице документа")
        return Filing(
            item_index=kind,
            title=first("title"),
            document_date=parse_iso_date(first("date")),
            school_year=first("school_year"),
            class_label=first("class"),
            pupil_ids=[p.value for p in fields.get("pupil", [])],
        )
