"""Which kind of file this is, from its first bytes: the name's extension is never trusted."""

from __future__ import annotations

import filetype

from archive_service.domain import MediaType
from intake.errors import IntakeRejected

HEAD_BYTES = 8192

_ACCEPTED = {m.value: m for m in MediaType}


def sniff_media_type(head: bytes) -> MediaType:
    """Return the media type of a file from its head, or refuse it.

    A PDF may carry a few bytes of junk before ``%PDF-`` (readers accept up to 1 KiB),
    which the generic matcher does not allow for, so that case is checked here.
    """
    if not head:
        raise IntakeRejected("Файл пустой")
    kind = filetype.guess(head)
    if kind is not None and kind.mime in _ACCEPTED:
        return _ACCEPTED[kind.mime]
    if b"%PDF-" in head[:1024]:
        return MediaType.PDF
    if kind is None and _looks_like_csv(head):
        return MediaType.CSV  # the e-journal reader decides whether it is a journal
    found = f" ({_in_words(kind.extension)})" if kind is not None else ""
    raise IntakeRejected(
        "Неподдерживаемый тип файла" + found + ": принимаются PDF, TIFF, JPEG, PNG "
        "и выгрузки электронного журнала (CSV, XLSX)"
    )


# What a person calls the files a school most often sends by mistake.
KNOWN_KINDS = {
    "docx": "документ Word (.docx)",
    "doc": "документ Word (.doc)",
    "odt": "документ OpenDocument (.odt)",
    "rtf": "документ RTF",
    "xls": "таблица Excel (.xls)",
    "ods": "таблица OpenDocument (.ods)",
    "pptx": "презентация PowerPoint (.pptx)",
    "zip": "ZIP-архив: его принимает «archive import» или страница пакетов",
    "rar": "архив RAR",
    "7z": "архив 7z",
    "gif": "рисунок GIF",
    "bmp": "рисунок BMP",
    "webp": "рисунок WebP",
    "heic": "фото HEIC с телефона",
    "djvu": "документ DjVu",
    "mp4": "видео",
    "mp3": "звукозапись",
    "exe": "программа",
}


def _in_words(extension: str) -> str:
    """A file kind as a person names it, never its MIME type."""
    return KNOWN_KINDS.get(extension, f"файл .{extension}")


def _looks_like_csv(head: bytes) -> bool:
    """Text (UTF-8 or Windows-1251, no NUL) of several lines sharing a separator."""
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "cp1251"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError as exc:
            if exc.start > len(head) - 4:  # a character cut by the head's end
                text = head[: exc.start].decode(encoding)
                break
    else:
        return False
    lines = [line for line in text.splitlines() if line.strip()][:10]
    return len(lines) >= 2 and any(
        sum(sep in line for line in lines) >= 2 for sep in (";", ",", "\t")
    )
