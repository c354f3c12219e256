"""Waiting for documents to reach a final state and their index entries to be written."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from archive_service.archive import Archive
from archive_service.catalog import TRANSIENT_ERRORS
from archive_service.domain import DocumentStatus
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.pipeline.indexing import IndexingService

POLL_SECONDS = 0.05  # two indexed queries, ~1 ms: `ingest --wait` returns promptly
WAITS_EVERY_SECONDS = 1.0  # what a document waits for changes in seconds, not in ms
log = logging.getLogger(__name__)


class WaitTimeout(Exception):
    pass


def wait_until_final(
    archive: Archive,
    document_ids: list[str],
    timeout: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    alive: Callable[[], bool] | None = None,
    waiting: Callable[[set[str]], None] | None = None,
) -> dict[str, str]:
    """Return once every document is archived or failed and its index write was made.

    An index write the search engine refused stays in the outbox for the relay to try
    again later (a minute on scaled mode's beat), perhaps much later: waiting for it
    would hang the caller for as long as the engine says no. Such documents are returned
    with the refusal, for the caller to tell the user, instead. `alive` lets the caller
    report a worker that died: waiting on would never end. `waiting` is told what the
    documents wait for whenever that changes (a store that does not answer; nothing).
    """
    documents, indexing = DocumentService(archive), IndexingService(archive)
    deadline = None if timeout is None else time.monotonic() + timeout
    last = -1
    done = 0
    said: set[str] = set()
    asked = float("-inf")
    while True:
        try:
            statuses = documents.statuses(document_ids)
            pending = indexing.pending_for(document_ids)
            reasons = None
            if waiting is not None and time.monotonic() - asked >= WAITS_EVERY_SECONDS:
                reasons = documents.waits(document_ids)
        except TRANSIENT_ERRORS:
            # The catalog's server restarts or fails over: keep waiting, the work is safe.
            log.warning("catalog unreachable while waiting; retrying")
            if deadline is not None and time.monotonic() > deadline:
                raise WaitTimeout(f"обработано {done} из {len(document_ids)}") from None
            time.sleep(1.0)
            continue
        done = sum(1 for s in statuses.values() if DocumentStatus(s).is_final)
        if waiting is not None and reasons is not None:
            asked = time.monotonic()
            if reasons != said:
                waiting(reasons)
                said = reasons
        if progress is not None and done != last:
            progress(done, len(document_ids))
            last = done
        if done == len(document_ids) and None not in pending.values():
            return {doc: str(error) for doc, error in pending.items()}
        if alive is not None and not alive():
            raise WaitTimeout("фоновый обработчик остановился")
        if deadline is not None and time.monotonic() > deadline:
            raise WaitTimeout(f"обработано {done} из {len(document_ids)}")
        time.sleep(POLL_SECONDS)
