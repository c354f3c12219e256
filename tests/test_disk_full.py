"""A full disk in embedded mode (issue 25, point 8), on a real small filesystem: a tmpfs
mounted for the test holds the whole data folder (catalog, objects, search, spool). A
file that does not fit is refused with a clear error; what was accepted before stays
whole; once space is freed, the archive takes the same file."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive_service.config import load_settings
from archive_service.services.admin.fixity import FixityService
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.pipeline.ingest import IngestService
from tests.eager import eager_archive
from tests.needs import require
from tests.pagegen import born_digital_pdf

DISK_MB = 48


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    require(done.returncode == 0, f"a tmpfs mount for the full disk ({done.stderr.strip()})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path) -> Path:
    """Take every free byte of the disk with one file, as a scanner's export would."""
    filler = disk / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (1024 * 1024, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_refuses_clearly_keeps_what_was_accepted_and_recovers(
    small_disk: Path, tmp_path: Path
) -> None:
    settings = load_settings(small_disk / "data")
    with eager_archive(settings) as archive:
        kept = IngestService(archive).ingest_path(
            born_digital_pdf(tmp_path / "kept.pdf", [["Протокол экзамена по истории"]])
        )
        assert kept.id is not None
        assert DocumentService(archive).get(kept.id)["status"] == "archived"
        late = born_digital_pdf(
            tmp_path / "late.pdf", [[f"Ведомость итоговых отметок, строка {n}"] for n in range(40)]
        )
        filler = _fill(small_disk)

        refused = IngestService(archive).ingest_path(late)

        assert refused.id is None
        assert refused.error is not None and "Нет места на диске" in refused.error
        assert DocumentService(archive).get(kept.id)["status"] == "archived"
        assert FixityService(archive).check(everything=True).ok
        objects = small_disk / "data" / "objects" / "documents"
        assert sorted(p.name for p in objects.iterdir()) == [kept.id]
        spool = [p for p in settings.tmp_dir.rglob("*") if p.is_file()]
        assert spool == []

        filler.unlink()
        assert [h.id for h in archive.index.search("истории").hits] == [kept.id]
        taken = IngestService(archive).ingest_path(late)

        assert taken.id is not None and taken.error is None
        assert DocumentService(archive).get(taken.id)["status"] == "archived"
        assert [h.id for h in archive.index.search("ведомость").hits] == [taken.id]
        assert FixityService(archive).check(everything=True).ok


def test_the_cli_says_the_disk_is_full_and_exits_non_zero(small_disk: Path, tmp_path: Path) -> None:
    data = small_disk / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    cli = [sys.executable, "-m", "archive_service.cli", "--data-dir", str(data)]
    first = born_digital_pdf(tmp_path / "a.pdf", [["Заявление о приёме в 1 класс"]])
    done = subprocess.run([*cli, "ingest", str(first), "--wait", "--json"], env=env,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    filler = _fill(small_disk)
    second = born_digital_pdf(tmp_path / "b.pdf", [["Приказ о зачислении"]])

    refused = subprocess.run([*cli, "ingest", str(second), "--json"], env=env,
                             capture_output=True, text=True, timeout=300, check=False)  # fmt: skip

    assert refused.returncode != 0
    assert "Нет места на диске" in refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr
    filler.unlink()
    again = subprocess.run([*cli, "ingest", str(second), "--wait", "--json"], env=env,
                           capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["status"] == "archived"
