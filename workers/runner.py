"""Starting workers: `archive worker` in the foreground, or a helper for `--wait`/`serve`.

In embedded mode nothing else would ever start a worker, so `ingest --wait` and `serve`
start one themselves when none is running on the data directory, and stop it after.
`ingest --wait` does not wait for its worker to exit: an idle worker still takes a second
or more to close its pool, which the person at the command line need not sit through.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from celery.signals import worker_shutting_down

from archive_service.archive import Archive
from archive_service.catalog.models import utcnow
from archive_service.config import Settings
from workers.celery_app import configure_celery, is_embedded_broker
from workers.liveness import (
    hold_worker_lock,
    queue_is_empty,
    stop_accepting,
    worker_accepting,
    worker_running,
)

log = logging.getLogger(__name__)

START_TIMEOUT = 60.0
STOP_TIMEOUT = 60.0


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
    if is_embedded_broker(settings):
        recover_lost_work(archive, recover_before or utcnow())
    hold_worker_lock(settings.run_dir)
    # A stop asked for (SIGTERM, Ctrl-C): take no more work from now on, so the next
    # command starts a worker of its own instead of waiting on this one.
    worker_shutting_down.connect(lambda **_: stop_accepting(), weak=False)
    app = configure_celery(settings)
    app.worker_main(
        [
            "worker",
            f"--loglevel={loglevel}",
            f"--concurrency={concurrency}",
            "-Q",
            queues,
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            f"--hostname=archive-{os.getpid()}@%h",
        ]
    )


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


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    run_dir: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_accepting(self) -> None:
        """Until the worker takes work; a worker that exits or hangs first is said."""
        log_path = self.run_dir / "worker.log"
        deadline = time.monotonic() + START_TIMEOUT
        while not worker_accepting(self.run_dir):
            if not self.alive():
                raise RuntimeError(f"Фоновый обработчик не запустился, см. {log_path}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Фоновый обработчик не запустился за минуту, см. {log_path}")
            time.sleep(0.1)

    def stop(self, timeout: float = 60.0, wait: bool = True) -> None:
        """Ask for a warm shutdown (current tasks finish); with `wait`, until it exits.
        Without, only until it takes no new work (milliseconds), then it exits by itself,
        even once this process is gone."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        if not wait:
            deadline = time.monotonic() + timeout
            while worker_accepting(self.run_dir) and self.alive() and time.monotonic() < deadline:
                time.sleep(0.01)
            return
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _stop_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGTERM it when its parent dies, so a
    killed `serve` or `ingest --wait` never leaves its worker running behind it."""
    if sys.platform != "linux":
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def ensure_worker(settings: Settings) -> WorkerProcess | None:
    """Start a worker on this data directory unless one takes work, and wait until it
    does; return it to stop later."""
    worker = start_worker(settings)
    if worker is not None:
        worker.wait_accepting()
    return worker


def start_worker(settings: Settings) -> WorkerProcess | None:
    """Start a worker on this data directory unless one takes work, without waiting for
    it (`WorkerProcess.wait_accepting`): it starts in ~1 s, which the caller may spend
    on its own work. One that is stopping is first let finish, so the new one finds
    anything it left behind to re-queue (`recover_lost_work` runs only when no worker
    lives)."""
    if not is_embedded_broker(settings) or worker_accepting(settings.run_dir):
        return None
    deadline = time.monotonic() + STOP_TIMEOUT
    while worker_running(settings.run_dir) and time.monotonic() < deadline:
        time.sleep(0.05)
    log_path = settings.run_dir / "worker.log"
    asked_at = utcnow()
    with log_path.open("ab") as log_file:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "archive_service.cli",
                "--data-dir",
                str(settings.data_dir),
                "worker",
                "--loglevel=WARNING",
                f"--recover-before={asked_at:%Y-%m-%dT%H:%M:%S.%f}",
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_stop_with_parent,
        )
    return WorkerProcess(proc, settings.run_dir)
