"""Reading metadata proposals from an archived document's text and keeping them.

Runs once a document is archived (the text is final then). Proposals replace any
earlier ones for the document; the archivist's confirmation, not this service, files it.
"""

from __future__ import annotations

import json

from sqlalchemy import delete, select

from archive_service.archive import Archive
from archive_service.catalog import Document, MetadataProposal, Page, Pupil
from archive_service.metadata.proposals import KindRule, KnownPupil, Proposal, propose
from archive_service.services.nomenclature import NomenclatureService


class ProposalService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def refresh(self, document_id: str) -> list[Proposal]:
        spec = NomenclatureService(self.archive).for_filing()
        kinds = [KindRule(i.index, i.title, i.keywords) for i in spec.items]
        with self.archive.catalog.session() as s:
            if s.get(Document, document_id) is None:
                return []
            pages = [
                (p.number, p.text)
                for p in s.scalars(
                    select(Page).where(Page.document_id == document_id).order_by(Page.number)
                )
            ]
            pupils = [
                KnownPupil(p.id, p.surname, p.name, p.patronymic) for p in s.scalars(select(Pupil))
            ]
        proposals = propose(pages, kinds, pupils)
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
