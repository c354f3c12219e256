"""The name a file is archived under: what the archivist sees, never a path."""

from __future__ import annotations

import unicodedata

from intake.errors import IntakeRejected


def clean_filename(name: str, max_length: int = 255) -> str:
    """Refuse names that carry a path or control characters; keep Cyrillic as it is.

    A name like ``../../etc/passwd`` or ``C:\\x\\y.pdf`` is refused rather than trimmed:
    silently dropping the folders would archive the file under a name nobody gave it.
    """
    name = unicodedata.normalize("NFC", name).strip()
    if not name:
        raise IntakeRejected("Не указано имя файла")
    if "/" in name or "\\" in name:
        raise IntakeRejected("Имя файла не должно содержать пути (символы / или \\)")
    if name in (".", "..") or any(unicodedata.category(c) == "Cc" for c in name):
        raise IntakeRejected("Недопустимое имя файла")
    if len(name) > max_length:
        raise IntakeRejected(f"Имя файла длиннее {max_length} символов")
    return name
