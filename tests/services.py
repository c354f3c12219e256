"""The scaled-mode servers, as tests meet them: each test gets a space of its own.

scripts/services.sh starts PostgreSQL, Redis, MinIO and Elasticsearch (9 and 8.19) on loopback and
writes their addresses to .services/env, which scripts/test exports. A test asks for a
server here; where its address is not set, or the server does not answer, `require`
fails the test under CI and skips it on a developer's machine.

Every test gets a fresh database, bucket or index prefix (named after a random id) and
the helper removes it afterwards, so tests never see each other's data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from tests.needs import require

if TYPE_CHECKING:
    from archive_service.storage.s3 import S3Store


def _env(name: str, what: str) -> str:
    value = os.environ.get(name, "")
    require(bool(value), f"{what} ({name}; run scripts/services.sh up)")
    return value


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh empty PostgreSQL database; yields its SQLAlchemy URL, drops it afterwards."""
    import psycopg

    base = _env("ARCHIVE_TEST_POSTGRES_URL", "PostgreSQL")
    parts = urlsplit(base)
    admin = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        require(False, f"PostgreSQL at {parts.netloc} ({exc})")
        raise
    name = unique("archive_test_")
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def minio_bucket() -> Iterator[str]:
    """A storage URL naming a fresh bucket; the bucket is emptied and removed afterwards."""
    from archive_service.storage.s3 import S3Store

    base = _env("ARCHIVE_TEST_MINIO_URL", "MinIO")
    parts = urlsplit(base)
    bucket = unique("archive-test-")
    url = urlunsplit((parts.scheme, parts.netloc, f"/{bucket}", parts.query, ""))
    try:
        yield url
    finally:
        destroy_bucket(S3Store.from_url(url, create_bucket=False))


# The Elasticsearch lines the archive supports: the current one, which every scaled test
# uses, and the 8.19 line, on which the search contract runs too.
ELASTICSEARCH_SERVERS = {
    "9": ("ARCHIVE_TEST_ELASTICSEARCH_URL", "Elasticsearch"),
    "8": ("ARCHIVE_TEST_ELASTICSEARCH8_URL", "Elasticsearch 8.19"),
}


def elasticsearch_url(prefix: str, line: str = "9") -> str:
    """A search URL whose indices and aliases all start with prefix."""
    base = _env(*ELASTICSEARCH_SERVERS[line])
    return f"{base.rstrip('/')}/{prefix}"


@contextmanager
def elasticsearch_index(line: str = "9") -> Iterator[str]:
    """A search URL with a fresh name prefix; its indices are deleted afterwards."""
    from search.elasticsearch import ElasticsearchIndex

    url = elasticsearch_url(unique("archive-test-"), line)
    try:
        yield url
    finally:
        index = ElasticsearchIndex.from_url(url)
        index.es.indices.delete(index=f"{index.prefix}-pages-*", ignore_unavailable=True)


def redis_url() -> str:
    url = _env("ARCHIVE_TEST_REDIS_URL", "Redis")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        require(False, f"Redis at {url} ({exc})")
    return url


def destroy_bucket(store: S3Store) -> None:
    """Remove every version of every object, then the bucket: a test's own bucket only."""
    from minio.deleteobjects import DeleteObject
    from minio.error import S3Error

    try:
        if not store.client.bucket_exists(store.bucket):
            return
    except S3Error:
        return
    versions = [
        o
        for o in store.client.list_objects(store.bucket, recursive=True, include_version=True)
        if o.object_name
    ]
    for o in versions:  # a test's hold left standing: the legal hold first, or nothing goes
        if not o.is_delete_marker and store.client.is_object_legal_hold_enabled(
            store.bucket, o.object_name, version_id=o.version_id
        ):
            store.client.disable_object_legal_hold(
                store.bucket, o.object_name, version_id=o.version_id
            )
    victims = [DeleteObject(o.object_name, o.version_id) for o in versions]
    for start in range(0, len(victims), 1000):
        batch = victims[start : start + 1000]
        errors = list(store.client.remove_objects(store.bucket, batch, bypass_governance_mode=True))
        assert not errors, errors
    store.client.remove_bucket(store.bucket)
