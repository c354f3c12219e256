"""Is a worker running on this data directory? Answered with a file lock, not a server.

Each worker holds a shared lock on run/worker.lock while it lives; anyone can test for
it by trying an exclusive lock. The kernel drops the lock when the process dies, so a
crashed worker never leaves a stale "running" behind (unlike a pid file).

A second lock, run/worker.accepting.lock, is held only while the worker takes new work:
it lets go the moment a stop is asked for, though finishing its last tasks and closing
its pool still take a second or more. So a command can leave its worker to exit by
itself, and the next command knows not to hand work to one on its way out.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # Celery is loaded where a broker is asked, not to test a lock
    from celery import Celery

LOCK_NAME = "worker.lock"
ACCEPTING_NAME = "worker.accepting.lock"
_held: dict[str, IO[bytes]] = {}


def hold_worker_lock(run_dir: Path) -> None:
    """Say, for as long as this process (and its pool) lives, that a worker runs here and
    takes work."""
    run_dir.mkdir(parents=True, exist_ok=True)
    for name in (LOCK_NAME, ACCEPTING_NAME):
        fh = (run_dir / name).open("ab")
        fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
        _held[name] = fh


def stop_accepting() -> None:
    """Stop saying this worker takes work (it is stopping); it still says it runs. The
    pool's children share the lock's open file, so one unlock here lets go for all."""
    fh = _held.pop(ACCEPTING_NAME, None)
    if fh is not None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()


def worker_running(run_dir: Path) -> bool:
    """A worker lives on this data directory, perhaps finishing its last tasks."""
    return _locked(run_dir / LOCK_NAME)


def worker_accepting(run_dir: Path) -> bool:
    """A worker lives on this data directory and takes new work."""
    return _locked(run_dir / ACCEPTING_NAME)


def _locked(path: Path) -> bool:
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def queue_is_empty(broker_dir: Path) -> bool:
    queue = broker_dir / "queue"
    return not queue.exists() or not any(queue.iterdir())


def broker_queues_empty(app: Celery, queues: tuple[str, ...]) -> bool:
    """No message waits in any of these queues (asked of the broker itself: Redis's list
    lengths). Messages a worker holds are not counted: they are being worked on."""
    from kombu.exceptions import ChannelError

    with app.connection_for_read() as conn:
        channel = conn.default_channel
        for name in queues:
            try:
                _, waiting, _ = channel.queue_declare(queue=name, passive=True)
            except ChannelError:  # Redis drops an emptied list: no such queue is none
                continue
            if waiting:
                return False
    return True
