"""One Archive per worker process, opened on first use after the fork."""

from __future__ import annotations

import os

from archive_service.archive import Archive
from archive_service.config import load_settings
from workers.celery_app import configure_celery
from workers.dispatch import CeleryDispatcher

_archive: Archive | None = None
_pid: int | None = None


def current_archive() -> Archive:
    global _archive, _pid
    if _archive is None or _pid != os.getpid():
        settings = load_settings()
        configure_celery(settings)
        _archive = Archive.open(settings, CeleryDispatcher())
        _pid = os.getpid()
    return _archive


def bind_archive(archive: Archive) -> None:
    """Use this archive for tasks run in this process (eager mode in tests)."""
    global _archive, _pid
    _archive, _pid = archive, os.getpid()
