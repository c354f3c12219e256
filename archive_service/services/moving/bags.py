"""BagIt bags (RFC 8493), written and checked by the Library of Congress's `bagit`.

A bag is a folder: the payload under data/, a SHA-256 manifest of every payload file,
and bag-info.txt naming the source organisation. The receiving side validates every
checksum before it reads a byte of the payload, so a bag damaged on the way (a copied
USB stick, a cut download) is refused whole, never half taken in.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import bagit

from archive_service.catalog.models import utcnow
from archive_service.services.zip_members import member_problem

CHECKSUMS = ["sha256"]
# Scans and PDFs are compressed already: deflating them again costs time and wins nothing.
STORED_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".xlsx", ".xlsm", ".zip"}


class BagError(ValueError):
    pass


def make_bag(folder: Path, source: str, description: str) -> bagit.Bag:
    """Turn a folder of payload into a bag in place (its files move under data/)."""
    info = {
        "Source-Organization": source,
        "External-Description": description,
        "Bagging-Date": utcnow().date().isoformat(),
        "Bag-Software-Agent": "school-archive",
    }
    return bagit.make_bag(str(folder), info, checksums=CHECKSUMS)


def open_bag(folder: Path) -> bagit.Bag:
    """A bag whose every file is present and matches its manifest, or a BagError that
    says in Russian what is wrong (the first few problems, by file)."""
    if not folder.is_dir():
        raise BagError(f"«{folder}» — не папка пакета BagIt")
    try:
        bag = bagit.Bag(str(folder))
        bag.validate(processes=1)
    except bagit.BagValidationError as exc:
        named = _files_that_differ(bag) or [str(d) for d in exc.details or []] or [exc.message]
        raise BagError(f"Пакет повреждён: {'; '.join(named[:5])}") from exc
    except bagit.BagError as exc:
        raise BagError(f"«{folder}» — не пакет BagIt: {exc}") from exc
    return bag


def _files_that_differ(bag: bagit.Bag) -> list[str]:
    """The payload files gone or changed against the manifest, by name: bagit's first
    complaint may be the total size (Payload-Oxum), which names no file."""
    import hashlib

    root = Path(bag.path)
    named = []
    for name, digests in bag.payload_entries().items():
        path = root / name
        if not path.is_file():
            named.append(f"файла {name} нет")
            continue
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            while chunk := fh.read(1024 * 1024):
                digest.update(chunk)
        if digests.get("sha256") not in (None, digest.hexdigest()):
            named.append(f"файл {name} изменён")
    return named


def fresh_folder(target: Path) -> None:
    """The bag's folder, new or empty: a bag is never written over other files."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BagError(f"Папка «{target}» не пуста: укажите новую")
    target.mkdir(parents=True, exist_ok=True)


def written_whole(target: Path, write: Callable[[], None]) -> None:
    """Write a bag; on any failure the half-written folder is removed, not left to be
    mistaken for a bag."""
    try:
        write()
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise


def zip_bag(root: Path, target: Path) -> None:
    """The bag folder `root` as one ZIP at `target`, written beside it under another name
    and renamed only when whole: never a half-written package under the asked name."""
    partial = target.with_name(target.name + ".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                method = (
                    zipfile.ZIP_STORED
                    if path.suffix.lower() in STORED_SUFFIXES
                    else zipfile.ZIP_DEFLATED
                )
                zf.write(path, path.relative_to(root).as_posix(), compress_type=method)
    partial.replace(target)


def unzip_bag(path: Path, root: Path, max_member_bytes: int) -> None:
    """Unpack a zipped bag into `root`, refusing names that lead out of it, members over
    the archive's file limit and compression bombs before a byte is written."""
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                problem = member_problem(info, max_member_bytes)
                if problem is not None:
                    raise BagError(f"Пакет повреждён: «{info.filename}» — {problem}")
            zf.extractall(root)
    except zipfile.BadZipFile as exc:
        raise BagError(f"«{path.name}» — не ZIP-архив ({exc})") from exc
