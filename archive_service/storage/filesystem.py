"""Object store on a local directory: the embedded default.

Writes go to a temporary file in the same directory, are fsynced, read back and hashed,
then renamed into place, so a crash or a full disk never leaves a half-written object
under its real key.

An original (written with `retain_until`, as the object lock of S3 keeps it) is written
once: it is linked into place only if nothing is there (the store refuses to write over
it, where S3 would keep both versions) and left read-only on disk, so neither the
archive nor a slip of someone's hand on the server changes it in place.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from archive_service.domain import NO_SPACE, is_disk_full
from archive_service.storage.port import (
    IntegrityError,
    ObjectNotFound,
    StorageError,
    check_key,
)

CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class FileSystemStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key))

    def _write_atomic(
        self, key: str, fill: Callable[[BinaryIO], object], once: bool = False
    ) -> str:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                fill(out)
                out.flush()
                os.fsync(out.fileno())
            digest = sha256_of(tmp)
            if once:
                tmp.chmod(0o444)
                os.link(tmp, target)  # fails if something is already there: no overwrite
                tmp.unlink()
            else:
                os.replace(tmp, target)
            return digest
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def put_file(
        self,
        key: str,
        source: Path,
        sha256: str | None = None,
        retain_until: datetime | None = None,
    ) -> str:
        # A directory has no object lock: an original is written once and read-only; how
        # long it is kept is the services' rule.
        def fill(out: BinaryIO) -> None:
            with source.open("rb") as src:
                shutil.copyfileobj(src, out, CHUNK)

        try:
            digest = self._write_atomic(key, fill, once=retain_until is not None)
        except FileExistsError as exc:
            raise StorageError(f"{key} уже записан: оригинал не перезаписывается") from exc
        except OSError as exc:
            raise StorageError(_write_failed(key, exc)) from exc
        if sha256 is not None and digest != sha256:
            self._path(key).unlink(missing_ok=True)
            raise IntegrityError(f"Контрольная сумма {key} не совпала после записи")
        return digest

    def put_bytes(self, key: str, data: bytes) -> str:
        try:
            digest = self._write_atomic(key, lambda out: out.write(data))
        except OSError as exc:
            raise StorageError(_write_failed(key, exc)) from exc
        if digest != hashlib.sha256(data).hexdigest():
            self._path(key).unlink(missing_ok=True)
            raise IntegrityError(f"Контрольная сумма {key} не совпала после записи")
        return digest

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc

    def get_bytes(self, key: str) -> bytes:
        with self.open(key) as fh:
            return fh.read()

    @contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(key)
        yield path

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc

    def list(self, prefix: str) -> Iterator[str]:
        base = self._path(prefix.rstrip("/"))
        if not base.exists():
            return
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.name.startswith(".tmp-"):
                yield path.relative_to(self.root).as_posix()

    def delete_prefix(self, prefix: str) -> int:
        base = self._path(prefix.rstrip("/"))
        if not base.exists():
            return 0
        count = sum(1 for p in base.rglob("*") if p.is_file())
        shutil.rmtree(base)
        return count

    # No lock service of its own: see ObjectStore.locks.
    locks = False

    def protect(self, key: str, retain_until: datetime, legal_hold: bool) -> None:
        """Nothing to set: a file on disk has no retention date or legal hold."""

    def protection(self, key: str) -> tuple[datetime | None, bool]:
        return None, False


def _write_failed(key: str, exc: OSError) -> str:
    if is_disk_full(exc):
        return NO_SPACE
    return f"Не удалось записать {key}: {exc.strerror or exc}"
