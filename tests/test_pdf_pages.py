"""Going through a long scanned PDF page by page holds a few pages, not all of them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from archive_service.reading.pdf_pages import each_page
from tests.pagegen import born_digital_pdf

PROGRAM = """
import sys, threading, time
from pathlib import Path
import psutil
from archive_service.reading.planning import pages_with_text_layer

process = psutil.Process()
peak = [process.memory_info().rss]
before = peak[0]
def sample():
    while True:
        peak[0] = max(peak[0], process.memory_info().rss)
        time.sleep(0.005)
threading.Thread(target=sample, daemon=True).start()
flags = pages_with_text_layer(Path(sys.argv[1]))
time.sleep(0.05)
print(len(flags), sum(flags), (peak[0] - before) // 2**20)
"""


def test_every_page_comes_once_in_order(tmp_path: Path) -> None:
    path = born_digital_pdf(tmp_path / "p.pdf", [[f"Лист {n}"] for n in range(1, 24)])
    numbers = []
    for number, page in each_page(path):
        numbers.append(number)
        assert page.get_textpage().get_text_range().strip() == f"Лист {number}"
    assert numbers == list(range(1, 24))


def test_planning_a_long_scan_holds_a_few_pages_not_all(tmp_path: Path) -> None:
    # 40 pages of ~2.7 MB: noise does not compress, so each page's image is big
    noise = Image.frombytes("L", (1654, 2339), os.urandom(1654 * 2339))
    scan = tmp_path / "scan.pdf"
    noise.save(scan, format="PDF", save_all=True, append_images=[noise] * 39, resolution=200)
    assert scan.stat().st_size > 80 * 2**20
    out = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(scan)], capture_output=True, text=True, check=True
    )
    pages, with_text, grown_mb = map(int, out.stdout.split())
    assert (pages, with_text) == (40, 0)
    assert grown_mb < 45  # all 40 pages held would be over 100 MB
