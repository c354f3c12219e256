"""A worker loads what its tasks use once, before it forks its pool, so that no pool
process pays for it on its first document.

The tasks import their services lazily, so that clients which only send tasks (`archive
ingest` at every start) stay quick to start; imported here, in the worker's main
process, every pool process inherits them. The Russian morphology dictionary behind
metadata proposals (~0.1 s to load) is loaded here too: loaded lazily, the first
document after each worker start paid it in the finishing step that `archive ingest
--wait` waits for. Forked pool processes share its pages.
"""

from __future__ import annotations

import archive_service.services.pipeline.indexing
import archive_service.services.pipeline.processing  # noqa: F401  (imported for the forks)
from archive_service.metadata.proposals import load_morphology

load_morphology()
