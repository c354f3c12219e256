"""Starting a worker for `ingest --wait`, `serve` and the other commands that wait on one.

In embedded mode nothing else would ever start a worker, so those commands start one
themselves when none is running on the data directory, and stop it after. `ingest
--wait` does not wait for its worker to exit: an idle worker still takes a second or
more to close its pool, which the person at the command line need not sit through.

This module loads no Celery, SQLAlchemy or reader: `ingest --wait` starts its worker
first, and the worker's start (~1 s quick, ~2.5 s on a slow VM) runs on the other core
while the command itself loads the catalog and takes the files in.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from archive_service.config import Settings
from workers.liveness import worker_accepting, worker_running

START_TIMEOUT = 60.0
STOP_TIMEOUT = 60.0


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
    if not settings.embedded_broker or worker_accepting(settings.run_dir):
        return None
    deadline = time.monotonic() + STOP_TIMEOUT
    while worker_running(settings.run_dir) and time.monotonic() < deadline:
        time.sleep(0.05)
    log_path = settings.run_dir / "worker.log"
    asked_at = datetime.now(UTC).replace(tzinfo=None)  # as the catalog stores time
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
