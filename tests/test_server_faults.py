"""Servers that go away mid-batch on a scaled archive (issue 25, point 7), stopped and
started by scripts/services.sh as a crash and a restart would: MinIO, Elasticsearch and
Redis. Accepted documents are never lost, the work goes on by itself once the server is
back, the index catches up without anyone's help, and `ingest --wait` says what it
waits for."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.needs import require
from tests.pagegen import page_lines, render_page, save_pdf, scanned
from tests.scaled_cluster import (
    archive,
    archived,
    run_json,
    services,
    start_beat,
    start_ingest,
    start_worker,
    stop,
    succeeded,
    wait_for,
    wait_ready,
)


def _scans(tmp_path: Path, documents: int, pages: int) -> list[Path]:
    return [
        save_pdf(
            [scanned(render_page(page_lines(10 * d + i)), seed=d) for i in range(pages)],
            tmp_path / f"ведомость-{d}.pdf",
        )
        for d in range(documents)
    ]


def test_minio_stopped_mid_batch_loses_nothing_and_the_batch_ends_by_itself(
    scaled_env: dict[str, str], tmp_path: Path
) -> None:
    require(services("status", "minio").returncode == 0, "the MinIO of scripts/services.sh")
    files = _scans(tmp_path, documents=3, pages=3)
    host = tmp_path / "host-a"
    workers = [start_worker(scaled_env, host, "ocr,default")]
    web = tmp_path / "host-web"
    log = tmp_path / "host-a.log"
    try:
        wait_ready([log], workers)
        ingest = start_ingest(scaled_env, web, files)
        workers.append(ingest)  # stopped with them if the wait is cut short
        wait_for(lambda: succeeded(log, "archive.process_pages") >= 1, 180)
        down = services("down", "minio")
        assert down.returncode == 0, down.stderr
        try:  # down until a page task has met it and waits to run again
            wait_for(lambda: "retry: Retry in" in log.read_text(), 120)
        finally:
            up = services("up", "minio")
            assert up.returncode == 0, up.stderr
        out, err = ingest.communicate(timeout=900)
    finally:
        stop(workers)
    outcomes = archived(ingest, out, err, 3)
    assert "Ждём:" in err and "хранилище недоступно" in err  # said what it waited for
    for outcome in outcomes:
        shown = run_json(scaled_env, web, "show", outcome["id"])
        assert shown["pages_done"] == shown["page_count"] == 3
        assert [p["number"] for p in shown["pages"]] == [1, 2, 3]  # one set of pages
    found = run_json(scaled_env, web, "search", "классного журнала")
    assert {h["id"] for h in found["hits"]} == {o["id"] for o in outcomes}
    checked = run_json(scaled_env, web, "fixity", "check", "--all")
    assert checked["damaged"] == [] and checked["missing"] == []


def _born_digital(tmp_path: Path, documents: int) -> list[Path]:
    from tests.pagegen import born_digital_pdf

    return [
        born_digital_pdf(
            tmp_path / f"протокол-{d}.pdf",
            [[f"Протокол заседания педагогического совета номер {d}"]] * 2,
        )
        for d in range(documents)
    ]


def test_elasticsearch_stopped_mid_batch_the_index_catches_up_by_itself(
    scaled_env: dict[str, str], tmp_path: Path
) -> None:
    """The documents are archived while the engine is down; `ingest --wait` says the
    index waits for it; once it is back, the beat's relay writes them, with nobody's
    help, and search finds every one."""
    require(
        services("status", "elasticsearch").returncode == 0,
        "the Elasticsearch of scripts/services.sh",
    )
    files = _born_digital(tmp_path, 3)
    host = tmp_path / "host-a"
    workers = [start_worker(scaled_env, host, "ocr,default")]
    workers.append(start_beat(scaled_env, tmp_path))
    web = tmp_path / "host-web"
    try:
        wait_ready([tmp_path / "host-a.log"], workers[:1])
        down = services("down", "elasticsearch")
        assert down.returncode == 0, down.stderr
        try:
            ingest = start_ingest(scaled_env, web, files)
            workers.append(ingest)  # stopped with them if the wait is cut short
            out, err = ingest.communicate(timeout=600)
        finally:
            up = services("up", "elasticsearch")
            assert up.returncode == 0, up.stderr
        outcomes = archived(ingest, out, err, 3)
        assert "Elasticsearch недоступен" in out + err  # what the index waits for

        def all_found() -> bool:
            done = subprocess.run(
                archive(scaled_env, web, "search", "педагогического совета", "--json"),
                env=scaled_env, capture_output=True, text=True, check=False,
            )  # fmt: skip
            if done.returncode != 0:
                return False
            hits = {h["id"] for h in json.loads(done.stdout)["hits"]}
            return hits == {o["id"] for o in outcomes}

        wait_for(all_found, 180)  # the beat relays every minute
    finally:
        stop(workers)


def test_a_redis_restart_mid_batch_loses_no_accepted_document(
    scaled_env: dict[str, str], tmp_path: Path
) -> None:
    """Redis keeps its queue across a restart (appendonly, as docker-compose runs it);
    the page task a worker held when it went away stays unacknowledged in Redis for an
    hour, so the beat queues a document nothing has touched meanwhile again
    (ARCHIVE_STALLED_AFTER_SECONDS, 20 min by default, 20 s here)."""
    require(services("status", "redis").returncode == 0, "the Redis of scripts/services.sh")
    env = scaled_env | {"ARCHIVE_STALLED_AFTER_SECONDS": "20"}
    files = _scans(tmp_path, documents=3, pages=2)
    host = tmp_path / "host-a"
    log = tmp_path / "host-a.log"
    workers = [start_worker(env, host, "ocr,default"), start_beat(env, tmp_path)]
    web = tmp_path / "host-web"
    try:
        wait_ready([log], workers[:1])
        ingest = start_ingest(env, web, files)
        workers.append(ingest)  # stopped with them if the wait is cut short
        wait_for(lambda: succeeded(log, "archive.process_pages") >= 1, 180)
        restarted = services("down", "redis")
        assert restarted.returncode == 0, restarted.stderr
        restarted = services("up", "redis")
        assert restarted.returncode == 0, restarted.stderr
        out, err = ingest.communicate(timeout=900)
    finally:
        stop(workers)
    outcomes = archived(ingest, out, err, 3)
    for outcome in outcomes:
        shown = run_json(env, web, "show", outcome["id"])
        assert [p["number"] for p in shown["pages"]] == [1, 2]  # one set of pages
    found = run_json(env, web, "search", "классного журнала")
    assert {h["id"] for h in found["hits"]} == {o["id"] for o in outcomes}
