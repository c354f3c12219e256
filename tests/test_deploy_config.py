"""docker-compose.yml cannot run here (no Docker engine), so keep it honest by checking
it against what does run: the pinned versions scripts/services.sh uses, the settings the
code reads, and the client libraries installed."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def versions() -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in (ROOT / "servers/versions.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    return {k.strip(): v.strip() for k, v in pairs}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_every_part_of_the_scaled_mode(compose: dict[str, Any]) -> None:
    assert {
        "web",
        "worker-ocr",
        "worker",
        "beat",
        "postgres",
        "redis",
        "minio",
        "elasticsearch",
    } <= set(compose["services"])


def test_every_server_has_a_health_check_and_a_volume(compose: dict[str, Any]) -> None:
    for name in ("postgres", "redis", "minio", "elasticsearch", "web"):
        service = compose["services"][name]
        assert "healthcheck" in service, name
        assert service.get("volumes"), name


def test_compose_follows_the_versions_the_tests_run(compose: dict[str, Any]) -> None:
    es = compose["services"]["elasticsearch"]["image"]
    assert es.startswith("docker.elastic.co/elasticsearch/elasticsearch:${ELASTICSEARCH_VERSION")
    minio = compose["services"]["minio"]["build"]["args"]["MINIO_VERSION"]
    assert minio.startswith("${MINIO_VERSION")


def test_python_client_major_matches_the_elasticsearch_server() -> None:
    server_major = versions()["ELASTICSEARCH_VERSION"].split(".")[0]
    assert version("elasticsearch").split(".")[0] == server_major
    # The 8.19 line, still supported, through the 8.x client published as elasticsearch8.
    previous_major = versions()["ELASTICSEARCH8_VERSION"].split(".")[0]
    assert previous_major == "8"
    assert version("elasticsearch8").split(".")[0] == previous_major


def test_compose_sets_only_settings_the_code_reads(compose: dict[str, Any]) -> None:
    config = (ROOT / "archive_service/config.py").read_text()
    config += (ROOT / "archive_service/storage/s3.py").read_text()
    read = set(re.findall(r'"(ARCHIVE_[A-Z0-9_]+)"', config))
    env = compose["x-archive"]["environment"]
    assert set(env) <= read, set(env) - read
    for name in ("web", "worker-ocr", "worker", "beat"):
        assert compose["services"][name]["environment"] == env
