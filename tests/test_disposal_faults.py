"""Destruction meets real outages on the scaled servers: with MinIO or Elasticsearch
stopped (by scripts/services.sh, as a crash would stop them) the act stays «в работе»,
nothing half-destroyed looks intact, and once the server is back the act completes."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import date
from pathlib import Path

import pytest
from celery.exceptions import Retry
from sqlalchemy import func, select

from archive_service.archive import Archive, NoDispatch
from archive_service.catalog import Document
from archive_service.config import Settings
from archive_service.services.disposal.acts import ActService
from archive_service.services.disposal.destruction import DestructionService
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.records.filing import Filing, FilingService
from tests.needs import require
from tests.pagegen import born_digital_pdf
from workers.spawn import ensure_worker

ROOT = Path(__file__).resolve().parents[1]


def services(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "scripts/services.sh"), *args], capture_output=True, text=True, timeout=300
    )


def _approved_act(archive: Archive) -> int:
    acts = ActService(archive)
    act = acts.draft(2026, by="officer")
    acts.review(act.id, "1", date(2026, 11, 20), by="officer")
    return acts.approve(act.id, by="director").id


def _doomed(archive: Archive, case_id: int) -> str:
    with archive.catalog.session() as s:
        return s.scalars(select(Document.id).where(Document.case_id == case_id)).one()


@pytest.mark.parametrize("settings", ["scaled"], indirect=True)
@pytest.mark.parametrize("server", ["minio", "elasticsearch"])
def test_a_server_down_mid_destruction_delays_the_act_and_loses_nothing(
    archive: Archive, cases: dict[str, int], server: str
) -> None:
    require(services("status", server).returncode == 0, f"the {server} of scripts/services.sh")
    act_id = _approved_act(archive)
    doomed = _doomed(archive, cases["old_journal"])
    stopped = services("down", server)
    assert stopped.returncode == 0, stopped.stderr
    try:
        with pytest.raises(Retry):  # the worker's task would come back later
            DestructionService(archive).start(act_id, by="officer")
        act = ActService(archive).get(act_id)
        assert act.status == "executing"
        shown = DocumentService(archive).get(doomed)
        assert shown["status"] == "destroyed" and shown["destroyed_at"] is None
    finally:
        started = services("up", server)
        assert started.returncode == 0, started.stderr
    DestructionService(archive).start(act_id, by="officer")
    assert ActService(archive).get(act_id).status == "executed"
    assert doomed not in archive.index.document_ids()
    assert list(archive.store.list(f"documents/{doomed}/")) == []
    assert DocumentService(archive).get(doomed)["destroyed_at"] is not None


@pytest.mark.parametrize("settings", ["embedded"], indirect=True)
def test_a_worker_killed_mid_destruction_leaves_the_act_in_work_and_the_next_one_ends_it(
    archive: Archive, settings: Settings, tmp_path: Path
) -> None:
    """A real worker process, SIGKILLed while it destroys an act's records: the act stays
    «в работе», each record is either destroyed or whole (never half), and the next
    worker started on the archive finds the act and finishes it."""
    doomed = [
        _doomed_document(archive, tmp_path, n) for n in range(DOOMED)
    ]  # one case of 2019/2020 journals, due in 2026
    act_id = _approved_act(archive)
    quiet = Archive.open(settings, NoDispatch())  # no message: as if sent and lost
    try:
        DestructionService(quiet).start(act_id, by="officer")
    finally:
        quiet.close()

    worker = ensure_worker(settings)  # finds the act «в работе» and queues it again
    assert worker is not None
    destroyed = 0
    deadline = time.monotonic() + 120
    while destroyed == 0 and time.monotonic() < deadline:
        destroyed = _destroyed_count(archive, doomed)
        time.sleep(0.01)
    os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait(30)

    left = _destroyed_count(archive, doomed)
    assert 0 < left < DOOMED, "the kill came before or after the destruction"
    assert ActService(archive).get(act_id).status == "executing"
    indexed = archive.index.document_ids()
    with archive.catalog.session() as s:
        rows = [
            (d.id, d.status, d.storage_key)
            for d in s.scalars(select(Document).where(Document.id.in_(doomed)))
        ]
    for document_id, status, key in rows:  # whole, or shown as destroyed and no hit
        if status == "destroyed":
            assert DocumentService(archive).get(document_id)["status"] == "destroyed"
            continue
        assert archive.store.exists(key) and document_id in indexed, document_id

    again = ensure_worker(settings)
    assert again is not None
    try:
        deadline = time.monotonic() + 120
        while ActService(archive).get(act_id).status != "executed":
            assert time.monotonic() < deadline, "the act was not finished"
            time.sleep(0.2)
    finally:
        again.stop()
    assert _destroyed_count(archive, doomed) == DOOMED
    for document_id in doomed:
        assert list(archive.store.list(f"documents/{document_id}/")) == []
        assert document_id not in archive.index.document_ids()


DOOMED = 80


def _doomed_document(archive: Archive, tmp_path: Path, n: int) -> str:
    pdf = born_digital_pdf(tmp_path / f"ж{n}.pdf", [[f"Классный журнал 5А, лист {n}"]])
    outcome = IngestService(archive).ingest_path(pdf)
    assert outcome.id
    FilingService(archive).file(outcome.id, Filing("02-01", school_year="2019/2020"))
    return outcome.id


def _destroyed_count(archive: Archive, ids: list[str]) -> int:
    with archive.catalog.session() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(Document)
                .where(Document.id.in_(ids), Document.status == "destroyed")
            )
            or 0
        )
