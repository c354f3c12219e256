"""Waiting for documents (`ingest --wait`): until archived and indexed, and never on an
index write the search engine refuses, which may go on for hours."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from archive_service.archive import Archive
from archive_service.catalog import OutboxEntry
from archive_service.config import Settings
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.pipeline.indexing import IndexingService
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.pipeline.waiting import WaitTimeout, wait_until_final
from search.elasticsearch import ElasticsearchIndex
from tests.pagegen import born_digital_pdf
from workers.liveness import worker_accepting
from workers.spawn import ensure_worker


def archived(archive: Archive, tmp_path: Path, words: str) -> str:
    pdf = born_digital_pdf(tmp_path / "протокол.pdf", [[words]])
    outcome = IngestService(archive).ingest_path(pdf, given_as=pdf.name)
    assert outcome.id is not None
    return outcome.id


def test_waiting_lasts_until_the_index_write_was_tried_and_reports_its_refusal(
    archive: Archive, tmp_path: Path
) -> None:
    document = archived(archive, tmp_path, "Протокол экзамена по литературе")
    assert wait_until_final(archive, [document], timeout=5) == {}

    # An index write queued and not yet tried: the document is not findable yet.
    with archive.catalog.session() as s:
        s.add(OutboxEntry(document_id=document, operation="index"))
    with pytest.raises(WaitTimeout):
        wait_until_final(archive, [document], timeout=0.5)

    # Tried and refused: the relay keeps it for later; the waiter is told why, now.
    with archive.catalog.session() as s:
        s.execute(update(OutboxEntry).values(attempts=1, last_error="индекс только для чтения"))
    assert wait_until_final(archive, [document], timeout=5) == {
        document: "индекс только для чтения"
    }


def test_a_catalog_gone_while_asking_what_documents_wait_for_is_waited_out(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL restarting just as the waiter asks what the documents wait for (a
    rehearsal met it for real, in tests/test_scaled_mode.py): the wait goes on, as it
    does when the statuses cannot be read. Faked: the instant cannot be hit at will."""
    document = archived(archive, tmp_path, "Протокол педагогического совета")
    asked: list[int] = []
    real = DocumentService.waits

    def restarting(self: DocumentService, ids: list[str]) -> set[str]:
        asked.append(1)
        if len(asked) == 1:
            cause = Exception("terminating connection due to administrator command")
            raise OperationalError("SELECT document_events.detail", {}, cause)
        return real(self, ids)

    monkeypatch.setattr(DocumentService, "waits", restarting)
    told: list[set[str]] = []
    assert wait_until_final(archive, [document], timeout=30, waiting=told.append) == {}
    assert len(asked) == 2, "asked again once the catalog answered"


@pytest.mark.parametrize("settings", ["scaled"], indirect=True)
def test_an_index_refusing_writes_is_reported_and_the_write_is_kept_for_later(
    archive: Archive, tmp_path: Path
) -> None:
    index = archive.index
    assert isinstance(index, ElasticsearchIndex)
    index.ensure()
    blocked = {"index.blocks.write": True}
    index.es.indices.put_settings(index=index.write_alias, settings=blocked)
    try:
        document = archived(archive, tmp_path, "Ведомость выдачи аттестатов")
        refused = wait_until_final(archive, [document], timeout=30)
        assert set(refused) == {document}
        assert "blocked" in refused[document]
        assert archive.index.search("аттестат").total == 0
    finally:
        unblocked = {"index.blocks.write": None}
        index.es.indices.put_settings(index=index.write_alias, settings=unblocked)

    assert IndexingService(archive).relay().indexed == 1
    assert wait_until_final(archive, [document], timeout=5) == {}
    assert [hit.id for hit in archive.index.search("аттестатов").hits] == [document]


@pytest.mark.parametrize("settings", ["embedded"], indirect=True)
def test_a_worker_asked_to_stop_takes_no_new_work_and_the_next_command_starts_its_own(
    archive: Archive, settings: Settings, tmp_path: Path
) -> None:
    """`ingest --wait` leaves its idle worker to exit by itself (closing its pool takes
    a second or more); the next command must not lean on that worker, and starts its
    own once it has gone (so whatever it left is re-queued)."""
    cli = [sys.executable, "-m", "archive_service.cli", "--data-dir", str(settings.data_dir)]

    def ingest(name: str) -> subprocess.CompletedProcess[str]:
        pdf = born_digital_pdf(tmp_path / f"{name}.pdf", [[f"Ведомость {name}"]])
        return subprocess.run(
            [*cli, "ingest", str(pdf), "--wait", "--json"],
            capture_output=True,
            text=True,
            timeout=180,
        )

    first = ensure_worker(settings)
    assert first is not None
    second = None
    try:
        done = ingest("первая")  # leans on the first worker, which does it
        assert json.loads(done.stdout)["status"] == "archived", done.stderr
        first.stop(wait=False)
        assert not worker_accepting(settings.run_dir)
        second = ensure_worker(settings)
        assert second is not None, "leaned on a worker that was stopping"
        assert second.process.pid != first.process.pid
        assert first.process.wait(60) == 0, "the stopped worker did not exit by itself"
        assert worker_accepting(settings.run_dir)

        done = ingest("вторая")  # leans on the new worker, which does it
        assert json.loads(done.stdout)["status"] == "archived", done.stderr
        assert second.alive()
    finally:
        first.stop()
        if second is not None:
            second.stop()
