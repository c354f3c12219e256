"""One Archive per worker process, opened on first use after the fork."""

from __future__ import annotations

import os

from archive_service.archive import Archive
from archive_service.config import load_settings
from workers.dispatch import CeleryDispatcher

_archive: Archive | None = None
_pid: int | None = None


def current_archive() -> Archive:
    global _archive, _pid
    if _archive is None or _pid != os.getpid():
        _archive = Archive.open(load_settings(), CeleryDispatcher())
        _pid = os.getpid()
    return _archive
