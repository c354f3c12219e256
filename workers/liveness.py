"""Is a worker running on this data directory? Answered with a file lock, not a server.

Each worker holds a shared lock on run/worker.lock while it lives; anyone can test for
it by trying an exclusive lock. The kernel drops the lock when the process dies, so a
crashed worker never leaves a stale "running" behind (unlike a pid file).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from celery import Celery
from kombu.exceptions import ChannelError

LOCK_NAME = "worker.lock"
_held: list[IO[bytes]] = []


def hold_worker_lock(run_dir: Path) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    fh = (run_dir / LOCK_NAME).open("ab")
    fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
    _held.append(fh)


def worker_running(run_dir: Path) -> bool:
    path = run_dir / LOCK_NAME
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
