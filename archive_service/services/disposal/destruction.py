"""Destruction of every copy of an approved act's records, run by a worker.

Each document of the act's cases goes the same way, each step safe to repeat, so a
worker killed halfway, or MinIO or Elasticsearch down, leaves the act «в работе» and
the next run finishes it:

1. the catalog marks it destroyed under the act: from here on nothing shows it as
   intact (its page is a stub, it sends no file or sheet, it is no search hit);
2. its search entry goes, on whichever engine this archive runs;
3. every object under `documents/<id>/` goes from the store: original, page images,
   text with word boxes, page PDFs, searchable PDF, manifest, and in S3 every version
   (bypassing GOVERNANCE retention: the one path that may), with a worker's cached copy;
   a legal hold refuses it, whatever the checks above said;
4. its pages, proposals, pupils' links and events go from the catalog, one event saying
   when and under which act is added, and `destroyed_at` is set.

What stays is the stub: the document row (title, file name, case, dates, SHA-256) and
its case. The audit log is not touched. A case under a hold set after approval is not
destroyed: the act waits, saying which case holds it back, until the hold is lifted.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from archive_service.access import Policy
from archive_service.archive import Archive
from archive_service.catalog import (
    Case,
    DisposalAct,
    Document,
    DocumentEvent,
    DocumentPupil,
    JournalMark,
    MetadataProposal,
    OutboxEntry,
    Page,
)
from archive_service.catalog.models import utcnow
from archive_service.domain import DocumentStatus
from archive_service.services.admin.audit import Actor, AuditService
from archive_service.services.disposal.act_model import ActError, ActInfo, load_act
from archive_service.services.disposal.acts import ActService
from archive_service.services.disposal.holds import holds_on_case


class DestructionService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def start(self, act_id: int, by: str, policy: Policy | None = None) -> ActInfo:
        """Put an approved act to work (or back to work); a worker destroys its records.
        `by` is who destroyed, as the personal-data act names them."""
        acts = ActService(self.archive)
        with self.archive.catalog.session() as s:
            act = load_act(s, act_id, policy, lock=True)
            if act.status in ("draft", "reviewed"):
                raise ActError(f"Акт № {act.number} не утверждён: уничтожать по нему нельзя")
            if act.status == "executed":
                raise ActError(f"Акт № {act.number} уже исполнен")
            act.status = "executing"
            act.executed_by = act.executed_by or by
        self.archive.dispatcher.destroy_act(act_id)
        return acts.get(act_id, policy)

    def run(self, act_id: int) -> ActInfo:
        """Destroy what is left of the act's records; the act is executed once nothing
        is left. Safe to run again at any point."""
        with self.archive.catalog.session() as s:
            act = s.get(DisposalAct, act_id)
            if act is None or act.status not in ("executing", "executed"):
                raise ActError(f"Акт № {act_id} не в работе")
            case_ids = [row.case_id for row in act.cases]
        waiting = []
        for case_id in case_ids:  # a hold may come mid-run: each case is asked as it comes
            with self.archive.catalog.session() as s:
                case = s.get(Case, case_id)
                if case is not None and holds_on_case(s, case):
                    waiting.append(case_id)
                    continue
                docs = list(
                    s.scalars(
                        select(Document.id).where(
                            Document.case_id == case_id, Document.destroyed_at.is_(None)
                        )
                    )
                )
            for document_id in docs:
                self.destroy_document(document_id, act_id)
        finished = False
        with self.archive.catalog.session() as s:
            act = s.get(DisposalAct, act_id)
            assert act is not None
            actor = Actor(act.executed_by or "worker", "worker", "worker")
            if waiting:
                act.error = (
                    f"Под приостановкой уничтожения: дело № {', '.join(map(str, waiting))}; "
                    "акт будет исполнен, когда приостановку снимут"
                )
            else:
                act.error = None
                finished = act.status != "executed"
                act.status = "executed"
                act.executed_at = act.executed_at or utcnow()
        if finished:  # the last step of the act, in the log as every other
            AuditService(self.archive).record(actor, "change", f"act:{act_id}", detail="исполнен")
        return ActService(self.archive).get(act_id)

    def unfinished(self) -> list[int]:
        """Acts left «в работе», e.g. by a worker killed mid-destruction: the file broker
        dropped its message on receipt, so a worker starting queues them again."""
        with self.archive.catalog.session() as s:
            query = select(DisposalAct.id).where(DisposalAct.status == "executing")
            return list(s.scalars(query.order_by(DisposalAct.id)))

    def destroy_document(self, document_id: str, act_id: int) -> None:
        with self.archive.catalog.session() as s:
            doc = s.get(Document, document_id, with_for_update=True)
            if doc is None or doc.destroyed_at is not None:
                return
            if doc.status != DocumentStatus.DESTROYED:
                doc.status = DocumentStatus.DESTROYED
                doc.act_id = act_id
                s.add(OutboxEntry(document_id=document_id, operation="delete"))
        self.archive.index.delete_document(document_id)
        self.archive.store.delete_prefix(f"documents/{document_id}/")
        with self.archive.catalog.session() as s:
            doc = s.get(Document, document_id, with_for_update=True)
            if doc is None or doc.destroyed_at is not None:
                return
            s.execute(delete(Page).where(Page.document_id == document_id))
            s.execute(delete(MetadataProposal).where(MetadataProposal.document_id == document_id))
            s.execute(delete(DocumentPupil).where(DocumentPupil.document_id == document_id))
            s.execute(delete(JournalMark).where(JournalMark.document_id == document_id))
            s.execute(delete(DocumentEvent).where(DocumentEvent.document_id == document_id))
            s.execute(delete(OutboxEntry).where(OutboxEntry.document_id == document_id))
            act = s.get(DisposalAct, act_id)
            number = act.number if act else act_id
            doc.searchable_pdf_key = None
            doc.cover_payload = None
            doc.destroyed_at = utcnow()
            actor = Actor(act.executed_by or "worker", "worker", "worker") if act else None
            s.add(
                DocumentEvent(
                    document_id=document_id,
                    kind="destroyed",
                    detail=f"уничтожен по акту № {number}",
                )
            )
        if actor is not None:
            AuditService(self.archive).record(
                actor, "destroy", f"document:{document_id}", detail=f"акт № {number}"
            )
