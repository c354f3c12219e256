"""A worker loads what its tasks use once, before it forks its pool, so that no pool
process pays for it on its first document.

The tasks import their services lazily, so that clients which only send tasks (`archive
ingest` at every start) stay quick to start; imported here, in the worker's main
process, every pool process inherits them. The Russian morphology dictionary behind
metadata proposals (~0.1 s to load) is loaded here too: loaded lazily, the first
document after each worker start paid it in the finishing step that `archive ingest
--wait` waits for. Forked pool processes share its pages.


Tesseract's engines are loaded by `archive worker` before the fork too, on a thread
while it loads the rest (workers/runner.py), and each pool process inherits them. A
worker started another way (`celery worker`) has each pool process load its own as it
starts instead: either way a running worker reads its first page with its models
loaded, as it reads every later one.
"""

from __future__ import annotations

from celery import signals

import archive_service.services.pipeline.indexing
import archive_service.services.pipeline.processing  # noqa: F401  (imported for the forks)
from archive_service.config import load_settings
from archive_service.metadata.proposals import load_morphology
from archive_service.reading.ocr import preload_engines

load_morphology()


def _load_ocr_engines(**_: object) -> None:
    """In a pool process: nothing when it inherited the engines."""
    preload_engines(load_settings().ocr_languages)


signals.worker_process_init.connect(_load_ocr_engines, weak=False)
