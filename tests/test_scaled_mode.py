"""The whole path in scaled mode, on the real servers: PostgreSQL catalog, MinIO objects,
Elasticsearch search and Celery on Redis, with several `archive worker` processes as a
district would run them on separate hosts (each with a data directory of its own)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.needs import require
from tests.pagegen import page_lines, render_page, save_pdf, scanned
from tests.scaled_cluster import (
    archive,
    run_json,
    services,
    start_worker,
    stop,
    succeeded,
    wait_for,
    wait_ready,
)

pytestmark = pytest.mark.usefixtures("tesseract")

PAGES = 6
ROOT = Path(__file__).resolve().parents[1]


def test_several_workers_share_one_long_document(
    scaled_env: dict[str, str], tmp_path: Path
) -> None:
    scan = save_pdf(
        [scanned(render_page(page_lines(i)), seed=i) for i in range(PAGES)],
        tmp_path / "журнал-большой.pdf",
    )
    housekeeping = tmp_path / "host-default"
    web = tmp_path / "host-web"
    ocr_hosts = [tmp_path / "host-ocr-1", tmp_path / "host-ocr-2"]
    workers = [start_worker(scaled_env, housekeeping, "default")]
    workers += [start_worker(scaled_env, host, "ocr") for host in ocr_hosts]
    try:
        # Every worker connected first, so the pages can spread over both OCR hosts.
        wait_ready([tmp_path / f"{h.name}.log" for h in [housekeeping, *ocr_hosts]], workers)
        ingest = subprocess.run(
            archive(scaled_env, web, "ingest", str(scan), "--wait", "--json", "--timeout", "300"),
            env=scaled_env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        stop(workers)
    assert ingest.returncode == 0, ingest.stderr
    (outcome,) = [json.loads(line) for line in ingest.stdout.splitlines()]
    assert outcome["status"] == "archived"

    ocr_counts = [succeeded(tmp_path / f"{h.name}.log", "archive.process_pages") for h in ocr_hosts]
    assert sum(ocr_counts) == PAGES
    assert all(n > 0 for n in ocr_counts), f"pages were not spread: {ocr_counts}"
    default_log = tmp_path / "host-default.log"
    assert succeeded(default_log, "archive.process_pages") == 0  # OCR stays on its queue
    assert succeeded(default_log, "archive.finalize_document") == 1

    doc = run_json(scaled_env, web, "show", outcome["id"])
    assert [p["source"] for p in doc["pages"]] == ["ocr"] * PAGES
    result = run_json(scaled_env, web, "search", "классного журнала")
    assert [h["id"] for h in result["hits"]] == [outcome["id"]]
    assert len(result["hits"][0]["pages"]) == PAGES


def test_a_postgresql_restart_mid_batch_loses_no_document(
    scaled_env: dict[str, str], tmp_path: Path
) -> None:
    require(
        services("status", "postgres").returncode == 0,
        "the PostgreSQL of scripts/services.sh (this test restarts it)",
    )
    files = [
        save_pdf(
            [scanned(render_page(page_lines(10 * d + i)), seed=d) for i in range(3)],
            tmp_path / f"протокол-{d}.pdf",
        )
        for d in range(2)
    ]
    hosts = [tmp_path / "host-a", tmp_path / "host-b"]
    workers = [start_worker(scaled_env, h, "ocr,default") for h in hosts]
    web = tmp_path / "host-web"
    try:
        wait_ready([tmp_path / f"{h.name}.log" for h in hosts], workers)
        ingest = subprocess.Popen(
            archive(scaled_env, web, "ingest", *map(str, files), "--wait", "--json"),
            env=scaled_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        logs = [tmp_path / f"{h.name}.log" for h in hosts]
        wait_for(lambda: any(succeeded(log, "archive.process_pages") for log in logs), 120)
        restarted = services("down", "postgres")
        assert restarted.returncode == 0, restarted.stderr
        # The catalog stays down until a worker has met it dead and scheduled a retry.
        wait_for(lambda: any("retry: Retry in" in log.read_text() for log in logs), 60)
        restarted = services("up", "postgres")
        assert restarted.returncode == 0, restarted.stderr
        out, err = ingest.communicate(timeout=600)
    finally:
        stop(workers)
    assert ingest.returncode == 0, err
    outcomes = [json.loads(line) for line in out.splitlines()]
    assert [o["status"] for o in outcomes] == ["archived", "archived"]
    assert "не находит" not in err  # every index write went through
    found = run_json(scaled_env, web, "search", "классного журнала")
    assert {h["id"] for h in found["hits"]} == {o["id"] for o in outcomes}
