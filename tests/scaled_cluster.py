"""A scaled archive's servers and processes for the tests that run them: a database,
bucket, index and queue of the test's own, `archive worker` processes as separate hosts
would run them, and scripts/services.sh to stop and start a server. The `scaled_env`
fixture is registered in conftest.py."""

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

from tests.services import elasticsearch_index, minio_bucket, postgres_database, redis_url

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


def start_beat(env: dict[str, str], tmp_path: Path) -> subprocess.Popen[bytes]:
    """`archive beat`, its log in tmp_path/beat.log."""
    return subprocess.Popen(
        archive(env, tmp_path / "host-beat", "beat", "--loglevel", "INFO"),
        env=env,
        stdout=(tmp_path / "beat.log").open("wb"),
        stderr=subprocess.STDOUT,
    )


def start_ingest(env: dict[str, str], data: Path, files: list[Path]) -> subprocess.Popen[str]:
    """`archive ingest FILES --wait --json`, its answer to read with communicate()."""
    return subprocess.Popen(
        archive(env, data, "ingest", *map(str, files), "--wait", "--json"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def archived(ingest: subprocess.Popen[str], out: str, err: str, count: int) -> list[Any]:
    """The outcomes of an `ingest --wait --json` that ended well, each archived."""
    assert ingest.returncode == 0, err
    outcomes = [json.loads(line) for line in out.splitlines()]
    assert [o["status"] for o in outcomes] == ["archived"] * count
    return outcomes


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


def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s in vain"
        time.sleep(0.2)


def services(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "scripts/services.sh"), *args], capture_output=True, text=True, timeout=300
    )
