"""Destruction meets real outages on the scaled servers: with MinIO or Elasticsearch
stopped (by scripts/services.sh, as a crash would stop them) the act stays «в работе»,
nothing half-destroyed looks intact, and once the server is back the act completes."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest
from celery.exceptions import Retry
from sqlalchemy import select

from archive_service.archive import Archive
from archive_service.catalog import Document
from archive_service.services.disposal.acts import ActService
from archive_service.services.disposal.destruction import DestructionService
from archive_service.services.pipeline.documents import DocumentService
from tests.needs import require

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
