"""The hot folder: files a scanner drops are taken once completely written, for the
folder's school, and moved to done/ or rejected/ with the reason beside them; a file
still being written waits; a restart between intake and move takes nothing twice; a
stack with cover sheets is split as usual."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from archive_service.archive import Archive
from archive_service.schools import SchoolService
from archive_service.services.batch.cover_sheets import CoverSheetService
from archive_service.services.batch.hot_folder import HotFolder
from archive_service.services.pipeline.documents import DocumentService
from tests.pagegen import born_digital_pdf, page_lines, render_page, save_pdf, scanned


def _aged(path: Path, seconds: float = 60) -> Path:
    """As if the scanner finished writing it a minute ago."""
    past = time.time() - seconds
    os.utime(path, (past, past))
    return path


def test_files_are_taken_once_written_for_the_folders_school(
    archive: Archive, tmp_path: Path
) -> None:
    schools = SchoolService(archive)
    schools.id_of(None)
    lyceum = schools.add("Лицей № 2")
    folder = tmp_path / "сканер"
    folder.mkdir()
    _aged(born_digital_pdf(folder / "протокол.pdf", [["Протокол экзамена"]]))
    (folder / "записка.txt").write_text("не скан")
    _aged(folder / "записка.txt")
    writing = born_digital_pdf(folder / "пишется.pdf", [["Ещё пишется"]])  # fresh mtime

    hot = HotFolder(archive, folder, lyceum, settle=5)
    results = {r.file: r for r in hot.scan_once()}

    assert set(results) == {"протокол.pdf", "записка.txt"}
    assert writing.exists()  # left for the next look
    (doc_id,) = results["протокол.pdf"].document_ids
    assert DocumentService(archive).access_of(doc_id)[2] == lyceum
    assert (folder / "done" / "протокол.pdf").exists()
    assert (folder / "rejected" / "записка.txt").exists()
    reason = (folder / "rejected" / "записка.txt.txt").read_text()
    assert "Неподдерживаемый тип файла" in reason


def test_a_restart_between_intake_and_move_takes_nothing_twice(
    archive: Archive, tmp_path: Path
) -> None:
    folder = tmp_path / "сканер"
    folder.mkdir()
    pdf = _aged(born_digital_pdf(folder / "журнал.pdf", [["Классный журнал 5А"]]))
    kept = pdf.read_bytes()
    first = HotFolder(archive, folder, settle=1).scan_once()
    pdf.write_bytes(kept)  # the move was lost: a restart finds the file again
    _aged(pdf)

    again = HotFolder(archive, folder, settle=1).scan_once()

    assert first[0].status == "queued" and again[0].status == "duplicate"
    assert again[0].document_ids == first[0].document_ids
    assert sum(DocumentService(archive).status_counts().values()) == 1
    assert (folder / "done" / "журнал (2).pdf").exists()


def test_a_stack_dropped_in_the_folder_is_split_at_its_cover_sheets(
    archive: Archive, tmp_path: Path
) -> None:
    import pypdfium2 as pdfium

    folder = tmp_path / "сканер"
    folder.mkdir()
    sheets = tmp_path / "листы.pdf"
    sheets.write_bytes(CoverSheetService(archive).render("02-01", copies=2))
    document = pdfium.PdfDocument(sheets)
    try:
        covers = [document[n].render(scale=300 / 72).to_pil().convert("L") for n in range(2)]
    finally:
        document.close()
    pages = [render_page(page_lines(n)) for n in range(2)]
    stack = [scanned(covers[0], 1), scanned(pages[0], 2), scanned(covers[1], 3)]
    stack.append(scanned(pages[1], 4))
    _aged(save_pdf(stack, folder / "пачка.pdf"))

    (result,) = HotFolder(archive, folder, settle=1).scan_once()

    assert result.status == "queued" and len(result.document_ids) == 2


def test_the_cli_watches_a_folder_once(tmp_path: Path) -> None:
    folder = tmp_path / "сканер"
    folder.mkdir()
    _aged(born_digital_pdf(folder / "приказ.pdf", [["Приказ о зачислении"]]))
    embedded = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    done = subprocess.run(
        [sys.executable, "-m", "archive_service.cli", "--data-dir", str(tmp_path / "data"),
         "watch", str(folder), "--once", "--json"],
        capture_output=True, text=True, timeout=300, check=False, env=embedded,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    assert json.loads(line)["status"] == "queued"
    assert (folder / "done" / "приказ.pdf").exists()


def test_archive_serve_watches_the_hot_folder_of_its_settings(tmp_path: Path) -> None:
    import signal

    from tests.test_cli import free_port

    folder = tmp_path / "сканер"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    env["ARCHIVE_HOT_FOLDER"] = str(folder)
    proc = subprocess.Popen(
        [sys.executable, "-m", "archive_service.cli", "--data-dir", str(tmp_path / "data"),
         "serve", "--port", str(free_port())],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not folder.is_dir() and time.monotonic() < deadline:
            time.sleep(0.2)
        pdf = born_digital_pdf(tmp_path / "приказ.pdf", [["Приказ о зачислении"]])
        os.replace(pdf, folder / "приказ.pdf")  # the scanner's file appears whole
        _aged(folder / "приказ.pdf")
        while not (folder / "done" / "приказ.pdf").exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert (folder / "done" / "приказ.pdf").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
