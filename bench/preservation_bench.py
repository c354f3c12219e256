"""Benchmark: preservation work on an embedded archive — fixity check of every stored
file, backup while nothing else runs, restore (with the index rebuilt), and the catalog
and index rebuilt from storage alone — against the peer a school would use instead:
`cp -a` of the data folder and `sha256sum` of every file, timed in the same run on the
same files; the fixity check and its peer warm and from a cold page cache, the rebuild
cold (its peer is the restore from a backup).

The archive is filled with born-digital PDFs of three kinds a school scans (a dense
journal grid, a light form, a blank back), read by the real pipeline in-process.

Run: .venv/bin/python bench/preservation_bench.py [--documents 600]
Prints a table and writes bench/results/preservation-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import workers.tasks  # noqa: E402, F401  (registers the tasks eager mode runs)
from archive_service.archive import Archive  # noqa: E402
from archive_service.config import load_settings  # noqa: E402
from archive_service.services.admin.backup import backup, restore  # noqa: E402
from archive_service.services.admin.fixity import FixityService  # noqa: E402
from archive_service.services.admin.rebuild import StorageRebuild  # noqa: E402
from archive_service.services.pipeline.indexing import IndexingService  # noqa: E402
from archive_service.services.pipeline.ingest import IngestService  # noqa: E402
from tests.pagegen import born_digital_pdf  # noqa: E402
from workers.celery_app import app, configure_celery  # noqa: E402
from workers.context import bind_archive  # noqa: E402
from workers.dispatch import CeleryDispatcher  # noqa: E402

KINDS = {
    "dense": [[f"{n:02d}. Кузнецов Иван 5 4 5 5 4 3 5 4 5 5 4 5 5 4" for n in range(40)]],
    "light": [["Заявление о приёме", "Прошу принять моего сына в 1 класс", "Подпись"]],
    "blank": [[" "]],
}


def fill(archive: Archive, folder: Path, documents: int) -> None:
    kinds = list(KINDS)
    for n in range(documents):
        kind = kinds[n % len(kinds)]
        pages = [[*KINDS[kind][0], f"документ {n}"]]
        pdf = born_digital_pdf(folder / f"{kind}-{n}.pdf", pages)
        IngestService(archive).ingest_path(pdf)


def drop_page_cache() -> bool:
    """A cold start: the kernel forgets the files it cached (root only)."""
    subprocess.run(["sync"], check=True)
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


def timed(step) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = step()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=600)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = load_settings(root / "data")
        configure_celery(settings)
        app.conf.task_always_eager = True
        archive = Archive.open(settings, CeleryDispatcher())
        bind_archive(archive)
        (root / "pdf").mkdir()
        fill_s, _ = timed(lambda: fill(archive, root / "pdf", args.documents))
        fixity_s, report = timed(lambda: FixityService(archive).check())
        backup_s, made = timed(lambda: backup(settings, root / "copy"))
        peer_copy_s, _ = timed(
            lambda: subprocess.run(["cp", "-a", str(root / "data"), str(root / "peer")], check=True)
        )
        peer_hash_s, _ = timed(
            lambda: subprocess.run(
                f"find {root / 'data' / 'objects'} -type f -print0 | xargs -0 sha256sum",
                shell=True, check=True, capture_output=True,
            )
        )  # fmt: skip
        cold = drop_page_cache()
        fixity_cold_s, _ = timed(lambda: FixityService(archive).check())
        drop_page_cache()
        peer_hash_cold_s, _ = timed(
            lambda: subprocess.run(
                f"find {root / 'data' / 'objects'} -type f -print0 | xargs -0 sha256sum",
                shell=True, check=True, capture_output=True,
            )
        )  # fmt: skip
        archive.close()
        # The catalog and the index lost: a new, empty pair over the same store.
        lost = replace(
            settings,
            database_url=f"sqlite:///{root / 'lost' / 'catalog.sqlite3'}",
            search_url=f"sqlite:///{root / 'lost' / 'search.sqlite3'}",
        )
        (root / "lost").mkdir()
        rebuilt_archive = Archive.open(lost)
        drop_page_cache()
        rebuild_cold_s, rebuilt = timed(lambda: StorageRebuild(rebuilt_archive).run())
        rebuilt_archive.close()
        restored = load_settings(root / "restored")
        restore_s, _ = timed(lambda: restore(restored, root / "copy"))
        again = Archive.open(restored)
        reindex_s, indexed = timed(lambda: IndexingService(again).rebuild())
        again.close()
    files = report.files  # type: ignore[attr-defined]
    result = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "documents": args.documents,
        "files": files,
        "bytes": made.bytes,  # type: ignore[attr-defined]
        "fill_s": round(fill_s, 2),
        "fixity_s": round(fixity_s, 2),
        "fixity_files_per_s": round(files / fixity_s, 1),
        "peer_sha256sum_s": round(peer_hash_s, 2),
        "backup_s": round(backup_s, 2),
        "peer_cp_s": round(peer_copy_s, 2),
        "restore_s": round(restore_s, 2),
        "reindex_s": round(reindex_s, 2),
        "indexed": indexed,
        "cold": cold,  # the page cache was dropped before each *_cold_s figure
        "fixity_cold_s": round(fixity_cold_s, 2),
        "fixity_cold_files_per_s": round(files / fixity_cold_s, 1),
        "peer_sha256sum_cold_s": round(peer_hash_cold_s, 2),
        "rebuild_from_storage_cold_s": round(rebuild_cold_s, 2),
        "rebuilt_documents": rebuilt.documents,  # type: ignore[attr-defined]
        "rebuilt_indexed": rebuilt.indexed,  # type: ignore[attr-defined]
        "rebuild_problems": len(rebuilt.problems),  # type: ignore[attr-defined]
    }
    out = ROOT / "bench" / "results" / f"preservation-{datetime.now():%Y%m%d-%H%M}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    for key, value in result.items():
        print(f"{key:>22}: {value}")


if __name__ == "__main__":
    main()
