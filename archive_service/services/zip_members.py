"""The one check every ZIP the archive unpacks passes, member by member, before a byte
of it is written: a school's bag, a pupil's transfer package, a bulk import.

A ZIP is the user's file, so each member is judged on what its header says: a name
that leads out of the target folder (zip slip), a member larger than the archive takes
as one file, or one compressed beyond any scan (a ZIP bomb) is refused by name.
"""

from __future__ import annotations

import zipfile
from pathlib import PurePosixPath

MAX_RATIO = 200  # uncompressed / compressed: beyond this a member is a bomb, not a scan


def member_problem(info: zipfile.ZipInfo, max_bytes: int) -> str | None:
    """Why this member must not be unpacked, in words for the user; None if it may."""
    name = info.filename
    parts = PurePosixPath(name).parts
    if name.startswith("/") or ".." in parts or "\\" in name or ":" in name:
        return "имя файла выводит за пределы архива"
    if info.file_size > max_bytes:
        return "файл больше допустимого размера"
    if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
        return "подозрительно сильное сжатие (ZIP-бомба)"
    return None
