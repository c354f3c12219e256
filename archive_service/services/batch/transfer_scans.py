"""The papers of a pupil's transfer taken in as scans: the parents' signed application
and the receiving school's notice of enrolment. Each is archived as a document of the
register's item (04-06, журнал выдачи личных дел) about the pupil, filed as soon as it
is read, and noted on the transfer it belongs to."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from archive_service.access import Policy
from archive_service.archive import Archive
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.records.transfers import (
    REGISTER_ITEM,
    TransferError,
    TransferService,
)
from intake.cover_sheet import CoverPayload

Paper = Literal["application", "notice"]
TITLES = {"application": "Заявление о переводе", "notice": "Уведомление о зачислении"}


def attach_scan(
    archive: Archive,
    transfer_id: int,
    scan: Path,
    filename: str,
    what: Paper,
    policy: Policy | None = None,
) -> str:
    """Take the paper in and note it on the transfer; returns the document's id (an
    earlier copy of the same file is the same document)."""
    transfers = TransferService(archive)
    info = transfers.get(transfer_id, policy)
    when = info.application_date if what == "application" else info.notice_on
    payload = CoverPayload(
        kind=REGISTER_ITEM,
        pupil_id=info.pupil_id,
        title=f"{TITLES[what]}: {info.pupil}",
        document_date=when.isoformat() if when else None,
    )
    outcome = IngestService(archive, transfers.school_of(transfer_id)).ingest_path(
        scan, given_as=filename, filename=filename, cover_payload=payload.encode()
    )
    if outcome.id is None:
        raise TransferError(f"Скан не принят: {outcome.error}")
    transfers.note_scan(transfer_id, what, outcome.id)
    return outcome.id
