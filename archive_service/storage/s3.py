"""Object store on MinIO or any S3: the scaled mode.

The bucket is created with object lock, which also turns versioning on: an overwrite
keeps the earlier version, and an original written with ``retain_until`` cannot be
deleted before then by anyone without the governance-bypass permission. Only the
archive's own deletion path (taking back a half-done intake) bypasses it, and it
removes every version, so "deleted" means gone.

Every write is verified by reading the object back and hashing it. Files go up with
multipart upload straight from disk, so a large scan is never held in memory. Workers
need random access to originals (PDFium, Pillow): ``local_path`` downloads once into a
small per-machine cache keyed by the object's ETag, so a 300-page scan split over many
page tasks is fetched once per machine, not once per page.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, cast
from urllib.parse import parse_qs, unquote, urlsplit

import urllib3
from minio import Minio
from minio.commonconfig import ENABLED, GOVERNANCE
from minio.deleteobjects import DeleteObject
from minio.error import MinioException, S3Error
from minio.retention import Retention

from archive_service.domain import NO_SPACE, is_disk_full
from archive_service.storage.port import (
    IntegrityError,
    ObjectNotFound,
    StorageError,
    StoreUnavailable,
    check_key,
)

CHUNK = 1024 * 1024
PART_SIZE = 16 * 1024 * 1024
CACHE_LIMIT_BYTES = 4 * 1024 * 1024 * 1024

_ACCESS_DENIED = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}
_NOT_FOUND = {"NoSuchKey", "NoSuchVersion"}


# What a MinIO starting, restarting or overloaded answers: it will answer again.
_BUSY = frozenset({"ServiceUnavailable", "SlowDown", "XMinioServerNotInitialized"})


def _explain(exc: Exception, what: str) -> StorageError:
    """One Russian sentence for each way S3 says no; the code is kept for the log."""
    if isinstance(exc, S3Error):
        if exc.code in _ACCESS_DENIED:
            return StorageError(
                f"{what}: хранилище отказало в доступе ({exc.code}); "
                "проверьте ARCHIVE_S3_ACCESS_KEY и ARCHIVE_S3_SECRET_KEY"
            )
        if exc.code == "NoSuchBucket":
            return StorageError(f"{what}: корзина {exc.bucket_name!r} не найдена")
        if "Quota" in (exc.code or "") or exc.code in {"EntityTooLarge", "XMinioStorageFull"}:
            return StorageError(f"{what}: в хранилище нет места ({exc.code})")
        if exc.code in _BUSY:
            return StoreUnavailable(f"{what}: хранилище временно не отвечает ({exc.code})")
        return StorageError(f"{what}: {exc.code}: {exc.message}")
    if is_disk_full(exc):  # the local cache's disk, not the server: a person must act
        return StorageError(f"{what}: {NO_SPACE}")
    if isinstance(exc, urllib3.exceptions.HTTPError | OSError):
        return StoreUnavailable(f"{what}: хранилище недоступно ({exc})")
    return StorageError(f"{what}: {exc}")


class _ObjectStream(io.RawIOBase):
    """A readable object body that returns its connection to the pool when closed."""

    def __init__(self, response: Any) -> None:
        self._response = response

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._response.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._response.close()
            self._response.release_conn()
        super().close()


class S3Store:
    def __init__(
        self,
        client: Minio,
        bucket: str,
        cache_dir: Path | None = None,
        create_bucket: bool = True,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.cache_dir = Path(cache_dir or Path(tempfile.gettempdir()) / "archive-s3-cache")
        if create_bucket:
            self._ensure_bucket()

    @classmethod
    def from_url(
        cls, url: str, cache_dir: Path | None = None, create_bucket: bool = True
    ) -> S3Store:
        """s3://[KEY:SECRET@]HOST[:PORT]/BUCKET[?secure=false&region=R].

        Without credentials in the URL, ARCHIVE_S3_ACCESS_KEY and ARCHIVE_S3_SECRET_KEY
        are used, so secrets need not sit in a URL that gets logged.
        """
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.hostname:
            raise StorageError(f"Неверный адрес S3: {url!r} (ожидается s3://ХОСТ:ПОРТ/КОРЗИНА)")
        bucket = parts.path.strip("/")
        if not bucket or "/" in bucket:
            raise StorageError(f"В адресе S3 не указана корзина: {url!r}")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        access = unquote(parts.username or "") or os.environ.get("ARCHIVE_S3_ACCESS_KEY", "")
        secret = unquote(parts.password or "") or os.environ.get("ARCHIVE_S3_SECRET_KEY", "")
        endpoint = parts.hostname + (f":{parts.port}" if parts.port else "")
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5, read=120),
            retries=urllib3.Retry(total=3, backoff_factor=0.5, status_forcelist=[500, 502, 503]),
            maxsize=8,
        )
        client = Minio(
            endpoint,
            access_key=access,
            secret_key=secret,
            secure=query.get("secure", "true").lower() not in ("false", "0", "no"),
            region=query.get("region"),
            http_client=http,
        )
        return cls(client, bucket, cache_dir, create_bucket)

    # -- bucket -----------------------------------------------------------------------

    def _ensure_bucket(self) -> None:
        try:
            if not self.client.bucket_exists(self.bucket):
                try:
                    self.client.make_bucket(self.bucket, object_lock=True)
                except S3Error as exc:
                    # Several workers starting at once: another one created it first.
                    if exc.code != "BucketAlreadyOwnedByYou":
                        raise
            lock = self.client.get_object_lock_config(self.bucket)
        except S3Error as exc:
            if exc.code == "ObjectLockConfigurationNotFoundError":
                raise StorageError(
                    f"Корзина {self.bucket!r} создана без блокировки объектов (object lock); "
                    "архиву нужна корзина с блокировкой и версиями"
                ) from exc
            raise _explain(exc, f"Корзина {self.bucket}") from exc
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise _explain(exc, f"Корзина {self.bucket}") from exc
        if lock is None:
            raise StorageError(f"Корзина {self.bucket!r} без блокировки объектов (object lock)")
        versioning = self.client.get_bucket_versioning(self.bucket)
        if versioning.status != ENABLED:
            raise StorageError(f"В корзине {self.bucket!r} выключено хранение версий")

    # -- writing ----------------------------------------------------------------------

    def _retention(self, retain_until: datetime | None) -> Retention | None:
        if retain_until is None:
            return None
        if retain_until.tzinfo is None:  # the catalog keeps naive UTC
            retain_until = retain_until.replace(tzinfo=UTC)
        return Retention(GOVERNANCE, retain_until)

    def _verify(self, key: str, version_id: str | None, expected: str | None) -> str:
        """Hash what the store now holds; on a mismatch remove that version and refuse."""
        digest = hashlib.sha256()
        response = self.client.get_object(self.bucket, key, version_id=version_id)
        try:
            for chunk in response.stream(CHUNK):
                digest.update(chunk)
        finally:
            response.close()
            response.release_conn()
        actual = digest.hexdigest()
        if expected is not None and actual != expected:
            self._remove_versions(key, exact=True)
            raise IntegrityError(f"Контрольная сумма {key} не совпала после записи")
        return actual

    def put_file(
        self,
        key: str,
        source: Path,
        sha256: str | None = None,
        retain_until: datetime | None = None,
    ) -> str:
        check_key(key)
        try:
            result = self.client.fput_object(
                self.bucket,
                key,
                str(source),
                part_size=PART_SIZE,
                retention=self._retention(retain_until),
            )
            return self._verify(key, result.version_id, sha256)
        except IntegrityError:
            raise
        except (MinioException, urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
            raise _explain(exc, f"Не удалось записать {key}") from exc

    def put_bytes(self, key: str, data: bytes) -> str:
        check_key(key)
        try:
            result = self.client.put_object(self.bucket, key, io.BytesIO(data), len(data))
            return self._verify(key, result.version_id, hashlib.sha256(data).hexdigest())
        except IntegrityError:
            raise
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise _explain(exc, f"Не удалось записать {key}") from exc

    # -- reading ----------------------------------------------------------------------

    def open(self, key: str) -> BinaryIO:
        check_key(key)
        try:
            response = self.client.get_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in _NOT_FOUND:
                raise ObjectNotFound(key) from exc
            raise _explain(exc, f"Не удалось прочитать {key}") from exc
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise _explain(exc, f"Не удалось прочитать {key}") from exc
        return cast(BinaryIO, io.BufferedReader(_ObjectStream(response), CHUNK))

    def get_bytes(self, key: str) -> bytes:
        with self.open(key) as fh:
            return fh.read()

    def _stat(self, key: str) -> Any:
        check_key(key)
        try:
            return self.client.stat_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in _NOT_FOUND or exc.code == "NoSuchObject":
                raise ObjectNotFound(key) from exc
            raise _explain(exc, f"Не удалось прочитать {key}") from exc
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise _explain(exc, f"Не удалось прочитать {key}") from exc

    @contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        stat = self._stat(key)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        cached = self._cached(key, stat.etag)
        if not cached.exists():
            fd, tmp_name = tempfile.mkstemp(dir=self.cache_dir, prefix=".tmp-")
            os.close(fd)
            try:
                self.client.fget_object(self.bucket, key, tmp_name, version_id=stat.version_id)
                os.replace(tmp_name, cached)
            except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
                Path(tmp_name).unlink(missing_ok=True)
                raise _explain(exc, f"Не удалось прочитать {key}") from exc
            self._trim_cache(keep=cached)
        os.utime(cached)  # most recently used survives trimming
        yield cached

    def _cached(self, key: str, etag: str) -> Path:
        """Where this machine keeps its copy of the object's version with that ETag."""
        etag = etag.strip('"')
        name = hashlib.sha256(f"{self.bucket}/{key}@{etag}".encode()).hexdigest()
        return self.cache_dir / name

    def _trim_cache(self, keep: Path) -> None:
        """Forget the least recently used downloads beyond the cache's size limit."""
        files = sorted(
            (p for p in self.cache_dir.iterdir() if p.is_file() and not p.name.startswith(".")),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        total = 0
        for path in files:
            total += path.stat().st_size
            if total > CACHE_LIMIT_BYTES and path != keep:
                path.unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        try:
            self._stat(key)
        except ObjectNotFound:
            return False
        return True

    def size(self, key: str) -> int:
        return int(self._stat(key).size)

    def list(self, prefix: str) -> Iterator[str]:
        check_key(prefix.rstrip("/"))
        try:
            names = [
                o.object_name
                for o in self.client.list_objects(self.bucket, prefix=prefix, recursive=True)
                if o.object_name is not None
            ]
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise _explain(exc, f"Не удалось перечислить {prefix}") from exc
        yield from sorted(names)

    # -- object lock ------------------------------------------------------------------

    locks = True

    def protect(self, key: str, retain_until: datetime, legal_hold: bool) -> None:
        """Extend the GOVERNANCE retention of the current version to retain_until (an
        earlier date is left as it is: shortening would need the bypass permission,
        which only destruction has) and set or clear its legal hold."""
        check_key(key)
        until = retain_until if retain_until.tzinfo else retain_until.replace(tzinfo=UTC)
        try:
            current = self.client.get_object_retention(self.bucket, key)
            held_until = current.retain_until_date if current is not None else None
            if held_until is None or held_until < until:
                self.client.set_object_retention(self.bucket, key, Retention(GOVERNANCE, until))
            if legal_hold:
                self.client.enable_object_legal_hold(self.bucket, key)
            else:
                self.client.disable_object_legal_hold(self.bucket, key)
        except S3Error as exc:
            if exc.code in _NOT_FOUND or exc.code == "NoSuchObject":
                raise ObjectNotFound(key) from exc
            raise _explain(exc, f"Не удалось защитить {key}") from exc
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise _explain(exc, f"Не удалось защитить {key}") from exc

    def protection(self, key: str) -> tuple[datetime | None, bool]:
        check_key(key)
        try:
            current = self.client.get_object_retention(self.bucket, key)
            held = self.client.is_object_legal_hold_enabled(self.bucket, key)
        except S3Error as exc:
            if exc.code in _NOT_FOUND or exc.code == "NoSuchObject":
                raise ObjectNotFound(key) from exc
            if exc.code == "NoSuchObjectLockConfiguration":
                return None, False
            raise _explain(exc, f"Не удалось прочитать {key}") from exc
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise _explain(exc, f"Не удалось прочитать {key}") from exc
        return (current.retain_until_date if current is not None else None), bool(held)

    # -- deleting ---------------------------------------------------------------------

    def delete_prefix(self, prefix: str) -> int:
        """Every version under prefix, and this machine's cached copies of them."""
        check_key(prefix.rstrip("/"))
        try:
            objects = list(self.client.list_objects(self.bucket, prefix=prefix, recursive=True))
            current = len(objects)
            for o in objects:
                if o.object_name is not None and o.etag is not None:
                    self._cached(o.object_name, o.etag).unlink(missing_ok=True)
            self._remove_versions(prefix)
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise _explain(exc, f"Не удалось удалить {prefix}") from exc
        return current

    def _remove_versions(self, prefix: str, exact: bool = False) -> None:
        """Every version and delete marker under prefix, bypassing governance retention."""
        victims = [
            DeleteObject(o.object_name, o.version_id)
            for o in self.client.list_objects(
                self.bucket, prefix=prefix or None, recursive=True, include_version=True
            )
            if o.object_name is not None and (not exact or o.object_name == prefix)
        ]
        for start in range(0, len(victims), 1000):
            errors = list(
                self.client.remove_objects(
                    self.bucket, victims[start : start + 1000], bypass_governance_mode=True
                )
            )
            if errors:
                first = errors[0]
                raise StorageError(f"Не удалось удалить {first.name}: {first.code} {first.message}")
