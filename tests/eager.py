"""An archive whose background work runs in-process through the real task code: what
the `archive` fixture gives, for tests that must open the archive on settings of their
own (a data folder on a small disk, say)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from archive_service.archive import Archive
from archive_service.config import Settings
from workers.celery_app import app as celery_app
from workers.celery_app import configure_celery
from workers.context import bind_archive
from workers.dispatch import CeleryDispatcher


@contextmanager
def eager_archive(settings: Settings) -> Iterator[Archive]:
    configure_celery(settings)
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    arch = Archive.open(settings, CeleryDispatcher())
    bind_archive(arch)
    try:
        yield arch
    finally:
        celery_app.conf.task_always_eager = False
        arch.close()
