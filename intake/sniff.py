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
    found = f" (распознан как {kind.mime})" if kind is not None else ""
    raise IntakeRejected(
        "Неподдерживаемый тип файла" + found + ": принимаются PDF, TIFF, JPEG и PNG"
    )
