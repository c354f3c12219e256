"""Thin tasks: take ids, call one service, hand the next step to the queue.

Each runs again safely (the services are idempotent), so late acknowledgement and a
worker lost mid-task only cost repeated work, never a wrong state.

The services are imported inside the tasks: a client that only sends tasks (`archive
ingest` at every start) would otherwise load every reader, a third of a second. The
worker loads them once before forking its pool (`workers.warmup`).
"""

from __future__ import annotations

import logging

from archive_service.catalog import TRANSIENT_ERRORS
from archive_service.storage.port import StorageError, StoreUnavailable
from search.port import SearchError
from workers.celery_app import (
    CHECK_FIXITY,
    DEFAULT_QUEUE,
    DESTROY_ACT,
    FINALIZE_DOCUMENT,
    MIRROR_CATALOG,
    MOVE_SCHOOL,
    OCR_QUEUE,
    PROCESS_DOCUMENT,
    PROCESS_PAGES,
    PROTECT_ORIGINALS,
    RECOVER_STALLED,
    RELAY_INDEX,
    RENEW_LOCKS,
    SPLIT_STACK,
    app,
)
from workers.context import current_archive

log = logging.getLogger(__name__)

# The task runs again later instead of failing the document: the catalog's server or the
# object store went away for a moment, and nothing done so far is lost.
TRANSIENT = (*TRANSIENT_ERRORS, StoreUnavailable)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 12,
}


@app.task(name=PROCESS_DOCUMENT, **RETRY)
def process_document(document_id: str) -> None:
    from archive_service.services.pipeline.processing import DocumentGone, ProcessingService

    service = ProcessingService(current_archive())
    try:
        units = service.start(document_id)
    except DocumentGone:
        log.warning("document %s is gone; nothing to do", document_id)
        return
    except TRANSIENT:
        raise
    except Exception as exc:
        service.fail(document_id, f"Не удалось начать обработку: {exc}")
        raise
    if not units:
        service.finalize(document_id)
        return
    for unit in units:
        process_pages.apply_async(
            (document_id, unit.pages, unit.ocr),
            queue=OCR_QUEUE if unit.ocr else DEFAULT_QUEUE,
        )


@app.task(name=PROCESS_PAGES, **RETRY)
def process_pages(document_id: str, pages: list[int], ocr: bool) -> None:
    from archive_service.services.pipeline.processing import (
        DocumentGone,
        ProcessingService,
        WorkUnit,
    )

    service = ProcessingService(current_archive())
    try:
        service.process(document_id, WorkUnit(pages, ocr))
    except DocumentGone:
        return
    if service.claim_finalisation(document_id):
        finalize_document.apply_async((document_id,), queue=DEFAULT_QUEUE)


@app.task(name=FINALIZE_DOCUMENT, **RETRY)
def finalize_document(document_id: str) -> None:
    from archive_service.services.pipeline.processing import DocumentGone, ProcessingService

    try:
        ProcessingService(current_archive()).finalize(document_id)
    except DocumentGone:
        return


@app.task(name=RELAY_INDEX, **RETRY)
def relay_index() -> None:
    from archive_service.services.pipeline.indexing import IndexingService

    IndexingService(current_archive()).relay()


@app.task(name=PROTECT_ORIGINALS, **RETRY)
def protect_originals(case_ids: list[int]) -> None:
    from archive_service.services.disposal.protection import ProtectionService

    ProtectionService(current_archive()).protect_cases(case_ids)


# Destruction waits out a store or a search engine that is down: the act stays «в
# работе» and the task comes back (up to a day), then `archive disposal execute` again.
DESTROY_RETRY = {
    **RETRY,
    "autoretry_for": (*TRANSIENT, StorageError, SearchError),
    "retry_backoff_max": 600,
    "max_retries": 200,
}


@app.task(name=DESTROY_ACT, **DESTROY_RETRY)
def destroy_act(act_id: int) -> None:
    from archive_service.services.disposal.destruction import DestructionService

    DestructionService(current_archive()).run(act_id)


@app.task(name=CHECK_FIXITY, **RETRY)
def check_fixity() -> None:
    """The day's share of the archive; damage is logged and written to the audit log."""
    from archive_service.services.admin.audit import Actor, AuditService
    from archive_service.services.admin.fixity import FixityService

    archive = current_archive()
    report = FixityService(archive).check(everything=False)
    for problem in report.problems:
        log.error("fixity: %s %s: %s", problem.document_id, problem.key, problem.problem)
    AuditService(archive).record(
        Actor("worker", "worker", "worker"),
        "fixity",
        "archive",
        outcome="ok" if report.ok else "failed",
        detail=f"документов {report.documents}, файлов {report.files}, "
        f"повреждено {len(report.problems)}",
    )


@app.task(name=MIRROR_CATALOG, **RETRY)
def mirror_catalog() -> None:
    """The catalog's mirror in the store brought up to date (archive_service.mirror)."""
    from archive_service.mirror import CatalogMirror

    archive = current_archive()
    done = CatalogMirror(archive.store).write_all(archive.catalog.session_factory)
    log.info("mirror: %d checked, %d written", done.checked, done.written)


@app.task(name=RECOVER_STALLED, **RETRY)
def recover_stalled() -> None:
    """Scaled mode's beat: documents left without a message are queued again, once the
    queues are empty (a long backlog is work waiting, not work lost)."""
    from datetime import timedelta

    from archive_service.services.pipeline.processing import ProcessingService
    from workers.liveness import broker_queues_empty

    archive = current_archive()
    if not broker_queues_empty(app, (OCR_QUEUE, DEFAULT_QUEUE)):
        return
    after = timedelta(seconds=archive.settings.stalled_after_seconds)
    ProcessingService(archive).requeue_stalled(after)


@app.task(name=RENEW_LOCKS, **RETRY)
def renew_locks() -> None:
    from archive_service.services.disposal.protection import ProtectionService

    ProtectionService(current_archive()).renew()


@app.task(name=SPLIT_STACK, **RETRY)
def split_stack(stack_id: str) -> None:
    from archive_service.services.batch.stack_jobs import StackJobs

    jobs = StackJobs(current_archive())
    try:
        jobs.run(stack_id)
    except TRANSIENT:
        raise
    except Exception as exc:
        log.exception("stack %s failed", stack_id)
        jobs.fail(stack_id, f"Не удалось разделить пачку: {exc}")


@app.task(name=MOVE_SCHOOL, **RETRY)
def move_school(move_id: str) -> None:
    from archive_service.services.moving.school_moves import SchoolMoves

    moves = SchoolMoves(current_archive())
    try:
        moves.run(move_id)
    except TRANSIENT:
        raise
    except Exception as exc:
        log.exception("school move %s failed", move_id)
        moves.fail(move_id, f"Перенос не выполнен: {exc}")
