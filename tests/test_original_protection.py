"""The store keeps each original as long as its case's keeping says, and a hold pins it
with the S3 legal hold (scaled mode, on the real MinIO); the embedded store has no lock
of its own and is told nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from archive_service.archive import Archive
from archive_service.catalog import Document, Pupil, School
from archive_service.services.disposal.holds import HoldService
from archive_service.services.disposal.protection import ProtectionService, lock_until
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.records.filing import Filing, FilingService
from archive_service.storage.port import StorageError
from retention.rules import Closing, RetentionKind, RetentionRule
from retention.schedule import CaseRetention
from tests.pagegen import born_digital_pdf
from tests.scaled_cluster import (
    run_json,
    start_beat,
    start_worker,
    stop,
    succeeded,
    wait_for,
    wait_ready,
)


def _ingest(archive: Archive, tmp_path: Path, name: str) -> tuple[str, str]:
    outcome = IngestService(archive).ingest_path(
        born_digital_pdf(tmp_path / f"{name}.pdf", [[name]])
    )
    assert outcome.id
    with archive.catalog.session() as s:
        doc = s.get(Document, outcome.id)
        assert doc is not None
        return doc.id, doc.storage_key


def test_a_lock_runs_to_the_day_after_the_last_day_of_keeping() -> None:
    five = RetentionRule(RetentionKind.YEARS, years=5)
    today = date(2026, 12, 5)
    closed = CaseRetention(five, date(2025, 8, 31), "")
    assert lock_until(closed, Closing.SCHOOL_YEAR, "2024/2025", today) == date(2031, 1, 1)
    # an open school year's case: at least as if it closed at its period's end
    still_open = CaseRetention(five, None, "")
    assert lock_until(still_open, Closing.SCHOOL_YEAR, "2026/2027", today) == date(2033, 1, 1)
    # an open personal file: at least as if the pupil left today
    assert lock_until(still_open, Closing.EVENT, "", today) == date(2032, 1, 1)
    permanent = CaseRetention(RetentionRule(RetentionKind.PERMANENT), None, "")
    assert lock_until(permanent, Closing.BOOK_CLOSED, "", today) is None  # a long lock, renewed


def test_filing_locks_the_original_for_its_case_and_a_hold_pins_it(
    archive: Archive, tmp_path: Path
) -> None:
    store = archive.store
    doc_id, key = _ingest(archive, tmp_path, "журнал 2024-2025")
    case_id = FilingService(archive).file(doc_id, Filing("02-01", school_year="2024/2025"))
    if not store.locks:  # embedded: read-only files, holds kept in the catalog
        assert store.protection(key) == (None, False)
        assert ProtectionService(archive).protect_cases([case_id]) == 0
        return
    until, held = store.protection(key)
    assert until == datetime(2031, 1, 1, tzinfo=UTC) and held is False
    hold = HoldService(archive).add(case_id=case_id, reason="запрос суда", by="офицер")
    assert store.protection(key)[1] is True
    with pytest.raises(StorageError):  # not even the bypass of governance removes it
        store.delete_prefix(f"documents/{doc_id}/original")
    assert store.exists(key)
    HoldService(archive).lift(hold, "решено", by="офицер")
    assert store.protection(key) == (datetime(2031, 1, 1, tzinfo=UTC), False)
    with archive.catalog.session() as s:
        row = s.get(Document, doc_id)
        assert row is not None and row.legal_hold is False
        assert row.locked_until == datetime(2031, 1, 1)


def test_a_hold_on_a_pupil_pins_a_record_filed_about_them_later(
    archive: Archive, tmp_path: Path
) -> None:
    with archive.catalog.session() as s:
        school = School(name="СОШ")
        s.add(school)
        s.flush()
        pupil = Pupil(school_id=school.id, surname="Кузнецов", name="Иван")
        s.add(pupil)
        s.flush()
        pupil_id = pupil.id
    HoldService(archive).add(pupil_id=pupil_id, reason="опека", by="офицер")
    doc_id, key = _ingest(archive, tmp_path, "личное дело")
    FilingService(archive).file(doc_id, Filing("04-01", pupil_ids=[pupil_id]))
    assert archive.store.protection(key)[1] is archive.store.locks


def test_two_holds_the_legal_hold_goes_only_with_the_last(archive: Archive, tmp_path: Path) -> None:
    doc_id, key = _ingest(archive, tmp_path, "протокол")
    case_id = FilingService(archive).file(doc_id, Filing("03-01", document_date=date(2025, 6, 1)))
    holds = HoldService(archive)
    first = holds.add(case_id=case_id, reason="первая", by="офицер")
    second = holds.add(item_index="03-01", reason="вторая", by="офицер")
    holds.lift(first, "снята", by="офицер")
    assert archive.store.protection(key)[1] is archive.store.locks
    holds.lift(second, "снята", by="офицер")
    assert archive.store.protection(key)[1] is False
    # renewing finds nothing to change: the catalog remembers what the store was told
    assert ProtectionService(archive).renew() == 0


def test_the_running_beat_brings_a_hold_the_store_missed_to_the_store(
    scaled_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hold whose call to the store was lost (the process died between the catalog's
    commit and MinIO's answer) stands in the catalog only; the daily renewal, run by a
    real `archive beat` and worker (ARCHIVE_DAILY_SECONDS shortens the day), pins the
    original with the legal hold without anyone asking."""
    from archive_service.catalog import Case, Hold
    from archive_service.config import load_settings
    from archive_service.services.disposal.holds import case_school

    for name, value in scaled_env.items():
        monkeypatch.setenv(name, value)
    host = tmp_path / "host-a"
    workers = [start_worker(scaled_env, host, "ocr,default")]
    try:
        wait_ready([tmp_path / "host-a.log"], workers)
        pdf = born_digital_pdf(tmp_path / "protocol.pdf", [["Протокол экзамена 2025"]])
        (done,) = [run_json(scaled_env, tmp_path / "host-web", "ingest", str(pdf), "--wait")]
        archive = Archive.open(load_settings(tmp_path / "host-web"))
        case_id = FilingService(archive).file(
            done["id"], Filing("03-01", document_date=date(2025, 6, 1))
        )
        worker_log = tmp_path / "host-a.log"
        ProtectionService(archive).protect_cases([case_id])  # as the filing's task does
        with archive.catalog.session() as s:  # the filing's lock is in; then the hold
            doc = s.get(Document, done["id"])
            assert doc is not None and doc.locked_until is not None
            key = doc.storage_key
            case = s.get(Case, case_id)
            assert case is not None
            s.add(Hold(school_id=case_school(case), case_id=case_id, reason="суд", set_by="x"))
        assert archive.store.protection(key)[1] is False  # the store never heard of it

        workers.append(start_beat(scaled_env | {"ARCHIVE_DAILY_SECONDS": "3"}, tmp_path))
        wait_for(lambda: archive.store.protection(key)[1] is True, 120)
    finally:
        stop(workers)
    assert "archive.renew_locks" in (tmp_path / "beat.log").read_text()
    assert succeeded(worker_log, "archive.renew_locks") >= 1
    with archive.catalog.session() as s:
        row = s.get(Document, done["id"])
        assert row is not None and row.legal_hold is True
