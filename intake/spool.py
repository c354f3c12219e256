"""Copy an upload to a temporary file while hashing and counting it, stopping at the limit.

Streaming keeps memory flat for a 500 MB scan and lets the size limit refuse a file
before all of it has been read.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from archive_service.domain import NO_SPACE, is_disk_full
from intake.errors import IntakeRejected
from intake.sniff import HEAD_BYTES

CHUNK = 1024 * 1024


@dataclass
class SpooledUpload:
    path: Path
    sha256: str
    size: int
    head: bytes

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def spool(stream: IO[bytes], tmp_dir: Path, max_bytes: int) -> SpooledUpload:
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
    path = Path(name)
    digest = hashlib.sha256()
    size = 0
    head = b""
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise IntakeRejected(
                        f"Файл больше допустимого размера ({max_bytes // (1024 * 1024)} МБ)"
                    )
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                digest.update(chunk)
                out.write(chunk)
    except BaseException as exc:
        path.unlink(missing_ok=True)
        if is_disk_full(exc):
            raise IntakeRejected(NO_SPACE) from exc
        raise
    if size == 0:
        path.unlink(missing_ok=True)
        raise IntakeRejected("Файл пустой")
    return SpooledUpload(path=path, sha256=digest.hexdigest(), size=size, head=head)
