"""Destruction of every copy, end to end in each mode: documents of past years filed,
the act drafted, reviewed, approved and executed; then no object, version, index entry
or cached copy of them remains (looked up in the store and the index themselves), the
stubs and the act do, and the audit log is whole. A hold set after approval makes the
act wait; a run killed halfway is finished by the next."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive_service.archive import Archive
from archive_service.catalog import Document, DocumentEvent, Page
from archive_service.services.admin.audit import AuditService
from archive_service.services.disposal.acts import ActError, ActService
from archive_service.services.disposal.destruction import DestructionService
from archive_service.services.disposal.holds import HoldService
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.records.cases import CaseService
from archive_service.services.records.filing import Filing, FilingError, FilingService
from archive_service.storage.port import StorageError
from archive_service.storage.s3 import S3Store
from tests.disposal_world import file_document


def _approved(archive: Archive) -> int:
    acts = ActService(archive)
    act = acts.draft(2026, by="officer")
    acts.review(act.id, "4", date(2026, 11, 20), by="officer")
    return acts.approve(act.id, by="director").id


def _documents_of(archive: Archive, case_ids: list[int]) -> list[str]:
    with archive.catalog.session() as s:
        query = select(Document.id).where(Document.case_id.in_(case_ids)).order_by(Document.id)
        return list(s.scalars(query))


def _versions_left(archive: Archive, document_id: str) -> list[str]:
    store = archive.store
    if isinstance(store, S3Store):  # every version and delete marker, not only the newest
        return [
            str(o.object_name)
            for o in store.client.list_objects(
                store.bucket, prefix=f"documents/{document_id}/", recursive=True,
                include_version=True,
            )
        ]  # fmt: skip
    return list(store.list(f"documents/{document_id}/"))


def test_an_executed_act_leaves_stubs_and_no_copy_of_anything(
    archive: Archive, cases: dict[str, int]
) -> None:
    due_cases = [cases["old_journal"], cases["protocol"], cases["personal"]]
    doomed = _documents_of(archive, due_cases)
    kept = _documents_of(archive, [cases["new_journal"], cases["book"]])
    assert len(doomed) == 3 and all(_versions_left(archive, d) for d in doomed)
    assert set(doomed) <= archive.index.document_ids()
    cached = []
    if isinstance(archive.store, S3Store):  # a worker's cached copies of the originals
        for document_id in doomed:
            with archive.store.local_path(f"documents/{document_id}/original.pdf") as copy:
                cached.append(copy)
        assert all(copy.exists() for copy in cached)
    audit_before = AuditService(archive).verify()

    act_id = _approved(archive)
    draft = ActService(archive).draft(2026, by="x", with_commission=frozenset({cases["portfolio"]}))
    with pytest.raises(ActError, match="не утверждён"):
        DestructionService(archive).start(draft.id, by="officer")
    # the worker runs it (eagerly, in this process, here)
    finished = DestructionService(archive).start(act_id, by="officer")
    assert ActService(archive).get(act_id).status == "executed", finished

    for document_id in doomed:
        assert _versions_left(archive, document_id) == []
        shown = DocumentService(archive).get(document_id)
        assert shown["status"] == "destroyed" and shown["act_id"] == act_id
        assert shown["pages"] == [] and shown["destroyed_at"]
        assert [e["kind"] for e in shown["events"]] == ["destroyed"]
    assert not set(doomed) & archive.index.document_ids()
    assert archive.index.search("журнал ж2019").total == 0
    assert archive.index.search("пр2018").total == 0
    assert [copy for copy in cached if copy.exists()] == []
    with archive.catalog.session() as s:
        pages = s.scalar(select(func.count()).select_from(Page).where(Page.document_id.in_(doomed)))
        assert pages == 0
    # the records kept are whole, the act and its PDF are there, the case shows the stub
    for document_id in kept:
        assert _versions_left(archive, document_id)
        assert DocumentService(archive).get(document_id)["status"] == "archived"
    act = ActService(archive).get(act_id)
    assert act.pdf_document_id and _versions_left(archive, act.pdf_document_id)
    _, entries = CaseService(archive).get(cases["old_journal"])
    assert entries and entries[0].title  # the stub keeps its title in the case
    audit = AuditService(archive).verify()
    assert audit.broken_at is None and audit.rows >= audit_before.rows
    with pytest.raises(FilingError, match="включено в акт"):
        FilingService(archive).file(kept[0], Filing("02-01", school_year="2019/2020"))


def test_a_hold_set_after_approval_makes_the_act_wait(
    archive: Archive, cases: dict[str, int]
) -> None:
    act_id = _approved(archive)
    hold = HoldService(archive).add(case_id=cases["protocol"], reason="запрос суда", by="o")
    DestructionService(archive).start(act_id, by="officer")
    act = ActService(archive).get(act_id)
    assert act.status == "executing" and "приостановкой" in (act.error or "")
    protocol_doc = _documents_of(archive, [cases["protocol"]])[0]
    assert DocumentService(archive).get(protocol_doc)["status"] == "archived"
    assert _versions_left(archive, protocol_doc)
    HoldService(archive).lift(hold, "решено", by="o")
    DestructionService(archive).start(act_id, by="officer")
    assert ActService(archive).get(act_id).status == "executed"
    assert _versions_left(archive, protocol_doc) == []


def test_a_run_killed_halfway_is_finished_by_the_next(
    archive: Archive, cases: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store fails in the middle of a document (as a killed worker or MinIO going
    away would leave it): the document already shows as destroyed, nothing looks intact,
    and the act completes when the work is run again."""
    act_id = _approved(archive)
    real = archive.store.delete_prefix
    calls = {"n": 0}

    def dies_on_the_second(prefix: str) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise archive_storage_error()
        return real(prefix)

    monkeypatch.setattr(archive.store, "delete_prefix", dies_on_the_second)
    from celery.exceptions import Retry

    with pytest.raises(Retry):  # the task will come back; run here eagerly, it says so
        DestructionService(archive).start(act_id, by="officer")
    act = ActService(archive).get(act_id)
    assert act.status == "executing"
    with archive.catalog.session() as s:
        half = s.scalars(
            select(Document).where(Document.status == "destroyed", Document.destroyed_at.is_(None))
        ).all()
        assert len(half) == 1  # shows as destroyed, not as intact
        assert half[0].id not in archive.index.document_ids()
    monkeypatch.setattr(archive.store, "delete_prefix", real)
    DestructionService(archive).start(act_id, by="officer")
    assert ActService(archive).get(act_id).status == "executed"
    with archive.catalog.session() as s:
        left = s.scalars(select(DocumentEvent.kind).where(DocumentEvent.document_id == half[0].id))
        assert list(left) == ["destroyed"]


def archive_storage_error() -> Exception:
    return StorageError("Хранилище недоступно")


def test_the_personal_data_act_names_the_people_with_their_event_log(
    archive: Archive, cases: dict[str, int], tmp_path: Path
) -> None:
    from archive_service.services.admin.audit import Actor
    from archive_service.services.disposal.forms import (
        PD_COLUMNS,
        inventory_pdf,
        pd_act_pdf,
        pd_act_xlsx,
    )
    from archive_service.services.disposal.inventory import InventoryService
    from archive_service.services.disposal.personal_data import PersonalDataService
    from tests.test_disposal_acts import pdf_text

    personal_doc = _documents_of(archive, [cases["personal"]])[0]
    ledger = file_document(
        archive, tmp_path, "книга аттестатов 2019", Filing("04-03", document_date=date(2019, 6, 25))
    )
    AuditService(archive).record(
        Actor("secretary", "director", "10.0.0.5"), "view", f"document:{personal_doc}"
    )
    act_id = _approved(archive)
    DestructionService(archive).start(act_id, by="officer")
    people = PersonalDataService(archive).subjects(act_id)
    assert [p.full_name for p in people] == ["Выбывший Иван"]
    assert people[0].sheets == 1 and "04-01" in people[0].cases
    events = PersonalDataService(archive).event_log(act_id)
    assert ("secretary", "view", f"document:{personal_doc}") in [
        (e.actor, e.action, e.target) for e in events
    ]
    from archive_service.schools import SchoolService

    schools = SchoolService(archive)
    schools.set_address(schools.id_of(None), "420021, г. Казань,  ул. Школьная, д. 1")
    act = ActService(archive).get(act_id)
    text = " ".join(pdf_text(pd_act_pdf(act, people, events, "05.12.2026")).split())
    for words in (
        "об уничтожении персональных данных",
        "Оператор: СОШ № 1; адрес: 420021, г. Казань, ул. Школьная, д. 1",
        "Выбывший Иван",
        "Способ уничтожения",
        "Причина уничтожения: истечение сроков хранения; акт о выделении к уничтожению № 1",
        "Уничтожение провёл(а): officer",
        "secretary",
    ):
        assert words in text, words
    for heading, _ in PD_COLUMNS:
        assert " ".join(heading.split()) in text
    book = pd_act_xlsx(act, people, events)
    import io

    from openpyxl import load_workbook

    sheets = load_workbook(io.BytesIO(book)).sheetnames
    assert sheets == ["Акт ПДн", "Журнал событий"]
    # the опись of permanent cases for the act's years (2018–2021): the 2019 ledger only
    info, rows = InventoryService(archive).for_act(act_id)
    assert [(r.position, r.index, r.dates, r.sheets) for r in rows] == [(1, "04-03", "2019", 1)]
    assert rows[0].title.startswith("Книги учёта и выдачи аттестатов") and ledger
    paper = " ".join(pdf_text(inventory_pdf(info, rows)).split())
    assert "дел постоянного хранения за 2018–2021 годы" in paper
    assert "В данную опись внесено 1 дело" in paper


def test_a_destroyed_file_taken_in_again_is_refused_in_words(
    archive: Archive, cases: dict[str, int], tmp_path: Path
) -> None:
    from archive_service.services.pipeline.ingest import IngestService
    from tests.pagegen import born_digital_pdf

    pdf = born_digital_pdf(tmp_path / "снова.pdf", [["Протокол, который уничтожат"]])
    first = IngestService(archive).ingest_path(pdf)
    FilingService(archive).file(first.id or "", Filing("03-01", document_date=date(2018, 5, 5)))
    act_id = _approved(archive)
    DestructionService(archive).start(act_id, by="officer")
    again = IngestService(archive).ingest_path(pdf)
    assert again.status == "rejected" and again.id is None
    assert again.error == "Этот файл был уничтожен по акту и повторно не принимается"
