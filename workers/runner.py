"""Running a worker: `archive worker` in the foreground, and the work a killed one left.

Starting one for `ingest --wait` or `serve` is `workers.spawn`'s, which loads none of
this."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from celery.signals import worker_init, worker_shutting_down
from celery.utils.nodenames import default_nodename, host_format

from archive_service.archive import Archive
from archive_service.catalog.models import utcnow
from archive_service.reading.ocr import preload_engines
from workers.celery_app import configure_celery
from workers.liveness import hold_worker_lock, queue_is_empty, stop_accepting, worker_running

log = logging.getLogger(__name__)


def run_worker(
    archive: Archive,
    concurrency: int,
    queues: str,
    loglevel: str,
    recover_before: datetime | None = None,
) -> None:
    """`recover_before`: the moment the command that started this worker asked for it
    (see `recover_lost_work`); now, when a person starts it."""
    settings = archive.settings
    # Tesseract's models load (~0.35 s) while the worker loads the rest, and the pool
    # processes forked below inherit them (reading/ocr.py `load_engines`).
    engines = threading.Thread(
        target=preload_engines, args=(settings.ocr_languages,), name="ocr-engines"
    )
    engines.start()
    if settings.embedded_broker:
        recover_lost_work(archive, recover_before or utcnow())
    hold_worker_lock(settings.run_dir)
    # A stop asked for (SIGTERM, Ctrl-C): take no more work from now on, so the next
    # command starts a worker of its own instead of waiting on this one.
    worker_shutting_down.connect(lambda **_: stop_accepting(), weak=False)
    # Joined once the worker has loaded its tasks' modules (warmup), before its pool
    # forks: no thread is left then, and every pool process inherits the engines.
    worker_init.connect(lambda **_: engines.join(), weak=False)
    app = configure_celery(settings)
    # The worker itself, not `app.worker_main`: that parses a command line with Celery's
    # own click CLI, which loads every Celery command (the REPL and AMQP shell too,
    # ~0.2 s of a cold `ingest --wait`) to start this one.
    app.Worker(
        hostname=host_format(default_nodename(f"archive-{os.getpid()}@%h")),
        loglevel=loglevel,
        concurrency=concurrency,
        queues=queues.split(","),
        without_mingle=True,
        without_gossip=True,
        without_heartbeat=True,
    ).start()


def recover_lost_work(archive: Archive, created_before: datetime) -> None:
    """Re-queue documents, stacks, acts in destruction and school moves a killed worker
    left behind (the file broker drops a message as soon as it is received). Only when
    no worker runs and nothing is queued, so nothing is queued twice while its first
    message still waits; and only documents and stacks created before `created_before`,
    when this worker was asked for: `ingest --wait` starts its worker before it takes the
    files in, and the documents it creates meanwhile have their messages on the way, not
    lost (re-queued too, each would be read twice)."""
    settings = archive.settings
    if worker_running(settings.run_dir) or not queue_is_empty(settings.broker_dir):
        return
    # Imported here, when there is work to recover: processing loads every reader, and the
    # CLI imports this module at each start.
    from archive_service.services.batch.stack_jobs import StackJobs
    from archive_service.services.disposal.destruction import DestructionService
    from archive_service.services.moving.school_moves import SchoolMoves
    from archive_service.services.pipeline.processing import ProcessingService

    dispatcher = archive.dispatcher
    lost: list[tuple[str, Iterable[Any], Callable[[Any], None]]] = [
        (
            "document",
            ProcessingService(archive).unfinished(created_before),
            dispatcher.process_document,
        ),
        ("stack", StackJobs(archive).unfinished(created_before), dispatcher.split_stack),
        ("destruction of act", DestructionService(archive).unfinished(), dispatcher.destroy_act),
        ("school move", SchoolMoves(archive).unfinished(), dispatcher.move_school),
    ]
    for kind, unfinished, requeue in lost:
        for work_id in unfinished:
            log.warning("re-queueing unfinished %s %s", kind, work_id)
            requeue(work_id)
