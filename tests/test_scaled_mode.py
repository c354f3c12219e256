"""The whole path in scaled mode, on the real servers: PostgreSQL catalog, MinIO objects,
Elasticsearch search and Celery on Redis, with several `archive worker` processes as a
district would run them on separate hosts (each with a data directory of its own)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.needs import require
from tests.pagegen import page_lines, render_page, save_pdf, scanned
from tests.services import elasticsearch_index, minio_bucket, postgres_database, redis_url

pytestmark = pytest.mark.usefixtures("tesseract")

PAGES = 6
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def scaled_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment of a scaled archive with a database, bucket, index and queue of its own."""
    import redis

    broker = redis_url().rsplit("/", 1)[0] + "/1"
    redis.Redis.from_url(broker).flushdb()
    with ExitStack() as stack:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_TEST_")}
        env.update(
            ARCHIVE_DATABASE_URL=stack.enter_context(postgres_database()),
            ARCHIVE_STORAGE_URL=stack.enter_context(minio_bucket()),
            ARCHIVE_SEARCH_URL=stack.enter_context(elasticsearch_index()),
            ARCHIVE_BROKER_URL=broker,
        )
        yield env
        redis.Redis.from_url(broker).flushdb()


def archive(env: dict[str, str], data: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "archive_service.cli", "--data-dir", str(data), *args]


def run_json(env: dict[str, str], data: Path, *args: str) -> Any:
    """A CLI command's --json answer, the command having succeeded."""
    done = subprocess.run(
        archive(env, data, *args, "--json"), env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def start_worker(env: dict[str, str], data: Path, queues: str) -> subprocess.Popen[bytes]:
    log = (data.parent / f"{data.name}.log").open("wb")
    return subprocess.Popen(
        archive(env, data, "worker", "--queues", queues, "--concurrency", "1"),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_ready(logs: list[Path], workers: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 90
    while not all(log.exists() and " ready." in log.read_text() for log in logs):
        dead = [w.args for w in workers if w.poll() is not None]
        assert not dead, f"a worker exited: {dead}"
        assert time.monotonic() < deadline, "workers did not get ready in 90 s"
        time.sleep(0.2)


def stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for w in workers:
        w.terminate()
    for w in workers:
        try:
            w.wait(60)
        except subprocess.TimeoutExpired:
            w.kill()


def succeeded(log: Path, task: str) -> int:
    return len(re.findall(rf"Task {re.escape(task)}\[[^\]]+\] succeeded", log.read_text()))


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


def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s in vain"
        time.sleep(0.2)


def services(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "scripts/services.sh"), *args], capture_output=True, text=True, timeout=300
    )


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
