"""A pool process gives a page's buffers back once the page is done, so a long scan
stays in the memory of a short one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PIL import Image

PROGRAM = """
import io, sys
from pathlib import Path
import psutil
from archive_service.domain import MediaType
from archive_service.reading.images import load_page_image, preview_jpeg
from archive_service.reading.ocr import upright
from workers import memory

pdf, mode = Path(sys.argv[1]), sys.argv[2]
if mode == "tuned":
    memory.return_big_buffers_at_once()  # what each pool process does at start
process = psutil.Process()
before = process.memory_info().rss
# A page as the worker handles it: rendered at 300 dpi, turned, previewed, saved for
# Tesseract; then what Tesseract hands back.
image, _ = load_page_image(pdf, MediaType.PDF, 1, 300)
image = upright(image, 90)
preview_jpeg(image)
image.save(io.BytesIO(), format="JPEG", quality=80)
page_pdf = bytes(1_100_000)
del image, page_pdf
if mode == "tuned":
    memory.trim()  # what each pool process does after a task
print((process.memory_info().rss - before) // 2**20)
"""


def kept_after_one_page_mb(pdf: Path, mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(pdf), mode],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


def test_a_pages_buffers_go_back_to_the_system_once_it_is_done(tmp_path: Path) -> None:
    pdf = tmp_path / "page.pdf"
    Image.new("L", (2480, 3508), 255).save(pdf, format="PDF", resolution=300)
    # Untuned, glibc keeps ~18 MB of such a page in the heap after the first page.
    assert kept_after_one_page_mb(pdf, "tuned") < 6


FORK_PROGRAM = """
import gc
from celery import signals
import workers.memory  # noqa: F401  (connects the worker's signal handlers)
import workers.warmup  # noqa: F401  (what a worker loads before forking)

loaded = len(gc.get_objects())
signals.worker_init.send(sender=None)  # sent by both pools before they fork
print(gc.get_freeze_count(), loaded)
"""


def test_what_the_worker_loaded_is_frozen_out_of_the_collector_before_a_pool_fork() -> None:
    out = subprocess.run(
        [sys.executable, "-c", FORK_PROGRAM], capture_output=True, text=True, check=True
    )
    frozen, loaded = (int(n) for n in out.stdout.split())
    # Every object tracked before the fork is frozen, so no pool process's collection
    # walks the modules again.
    assert frozen >= loaded > 10_000


INIT_PROGRAM = """
import gc
from celery import signals
import workers.memory  # noqa: F401

before = gc.get_threshold()
signals.worker_process_init.send(sender=None)  # sent in each pool process after the fork
print(*before, *gc.get_threshold())
"""


def test_a_pool_process_collects_its_young_objects_less_often_and_keeps_the_rest() -> None:
    out = subprocess.run(
        [sys.executable, "-c", INIT_PROGRAM], capture_output=True, text=True, check=True
    )
    young, older, oldest, young_after, older_after, oldest_after = (
        int(n) for n in out.stdout.split()
    )
    assert young_after == 10_000 > young
    assert (older_after, oldest_after) == (older, oldest)
