"""Keep pool processes small between pages, so a long scan stays in the same memory as
a short one.

A page image is tens of megabytes (an A4 page at 300 dpi, grey, plus its upright copy).
glibc raises its mmap threshold after such a block is freed, so the next page's buffers
come from the heap and stay there when freed: each pool process kept ~20 MB more after
its first page. A fixed threshold of 4 MB makes the page-sized buffers (8.7 MB) go
back to the system as soon as they are freed, and a trim after every task returns what
smaller frees left behind. Elsewhere than glibc (musl, macOS) this does nothing.

Why 4 MB: the halved page (2.2 MB) and the masks the rules are found on are made and
dropped by the hundred a ruled page; at 256 KB, as before, each was a fresh mmap whose
every page the kernel zeroed on first touch, ~45 ms of a framed cover page's 0.41 s
and ~55 ms of a journal grid's 1.04 s. At 4 MB they are reused from the heap
(in-process, cover 0.41 → 0.37 s, grid 1.04 → 0.98). The worker's peak on a 300-page
dense scan rose from 425.9 to 456.5 MB (bench/results/pipeline-20261207-1026.json;
388.1 MB while dense print was read halved, `pipeline-20261207-1232.json`, and 442.2 MB
since it is read as scanned again, `pipeline-20261207-1627.json`). A
threshold of 32 MB (the page-sized buffers reused too) read a light page 3 % faster
but raised the worker's peak on a long scan by ~30 MB (461 against 432 MB on 40 dense
pages), too near the 500 MB the worker must stay under.

Everything the worker loaded before forking (Celery, SQLAlchemy, the readers, the
morphology dictionary: ~90 000 objects) is frozen out of the garbage collector just
before each pool process is forked, as the `gc.freeze` documentation advises for
pre-fork servers. Otherwise every full collection in a pool process walks all of it
again: a text-layer page allocates a dict per character, collections run every few
pages, and they cost ~6 ms of a journal page's ~20 ms. Walking the objects also writes
to them, which unshares the pages the fork shared.

In a pool process the youngest generation is collected far less often than the default
(every 700 new objects). A text-layer page makes a dict per character and per word, some
2 000 a journal page, nearly all freed by reference counting when the page is done; the
collector ran three times a page for no garbage, ~0.5 ms of a 14 ms page with the
cache misses it causes. The older generations keep their thresholds, so cyclic garbage
is still found, only after 10 000 new objects instead of 700.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
from typing import Any

from celery import signals

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # mallopt parameter number in glibc's <malloc.h>
MMAP_THRESHOLD = 4 * 1024 * 1024  # bytes: a full page's buffer (8.7 MB) is larger
YOUNG_GENERATION_THRESHOLD = 10_000

_libc: Any = None


def _glibc() -> Any:
    global _libc
    if _libc is None:
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _libc = libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else False
        except OSError:
            _libc = False
    return _libc


def return_big_buffers_at_once() -> None:
    libc = _glibc()
    if libc and libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) != 1:
        log.warning("mallopt(M_MMAP_THRESHOLD) refused; memory may grow between pages")


def trim() -> None:
    libc = _glibc()
    if libc:
        libc.malloc_trim(0)


def _before_fork(**_: object) -> None:
    gc.freeze()


def collect_young_objects_less_often() -> None:
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, older, oldest)


def _on_process_init(**_: object) -> None:
    return_big_buffers_at_once()
    collect_young_objects_less_often()


def _after_task(**_: object) -> None:
    trim()


# worker_init comes once the included modules are loaded and before the pool forks, in
# either pool; the asynchronous one (Redis) also signals each fork of a replacement.
signals.worker_init.connect(_before_fork, weak=False)
signals.worker_before_create_process.connect(_before_fork, weak=False)
signals.worker_process_init.connect(_on_process_init, weak=False)
signals.task_postrun.connect(_after_task, weak=False)
