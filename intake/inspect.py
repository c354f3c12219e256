"""Open a sniffed file far enough to know it is whole and how many pages it has.

This is where damaged and hostile files are stopped: encrypted or truncated PDFs,
images that would decompress to more pixels than any scan has (decompression bombs),
TIFFs with thousands of frames. Everything is read through the same libraries the worker
uses later, so a file that passes here can be processed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
from PIL import Image, UnidentifiedImageError

from archive_service.config import Limits
from archive_service.domain import MediaType
from intake.errors import IntakeRejected

PDF_TAIL_BYTES = 2048


@dataclass(frozen=True)
class InspectedFile:
    media_type: MediaType
    page_count: int
    # An e-journal export: the PDF printed from it (its pages are the document's) and
    # the title it gives itself («Электронный журнал 9Б, Алгебра, 2024/2025»).
    rendered: bytes | None = None
    title: str | None = None


def inspect_file(
    path: Path, media_type: MediaType, limits: Limits, dpi: int = 300, school: str = ""
) -> InspectedFile:
    """`dpi`: the resolution a PDF page without text is rendered at for OCR, so that a
    page is refused when its picture would pass the pixel limit images are held to.
    `school`: the organisation an e-journal's printed copy names in its header."""
    if media_type.is_spreadsheet:
        return _journal(path, media_type, school)
    if media_type is MediaType.PDF:
        pages = _pdf_pages(path, limits, dpi)
    else:
        pages = _image_pages(path, limits)
    if pages < 1:
        raise IntakeRejected("В файле нет ни одной страницы")
    if pages > limits.max_pages:
        raise IntakeRejected(f"Слишком много страниц: {pages} (допустимо {limits.max_pages})")
    return InspectedFile(media_type=media_type, page_count=pages)


def _journal(path: Path, media_type: MediaType, school: str) -> InspectedFile:
    """An e-journal export read whole (a spreadsheet that is not one is refused here)
    and printed: the printed PDF is checked as any PDF would be."""
    from intake.ejournal import check_size, read_journal
    from intake.ejournal_pdf import render_journal

    check_size(path.stat().st_size)
    journal = read_journal(path.read_bytes())
    rendered = render_journal(journal, school)
    document = pdfium.PdfDocument(rendered)
    try:
        pages = len(document)
    finally:
        document.close()
    return InspectedFile(media_type, pages, rendered, journal.title)


def _pdf_pages(path: Path, limits: Limits, dpi: int) -> int:
    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - PDF_TAIL_BYTES))
        tail = fh.read()
    # PDFium silently rebuilds a cut-off file from what is left; an archive must not
    # accept half a journal as if it were whole, so a missing end marker is a refusal.
    if b"%%EOF" not in tail:
        raise IntakeRejected("Файл PDF обрезан или повреждён: нет признака конца файла")
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise IntakeRejected(
                "PDF зашифрован паролем: снимите защиту и загрузите снова"
            ) from exc
        raise IntakeRejected(f"Файл не является корректным PDF ({message})") from exc
    try:
        pages = len(pdf)
        for index in range(min(pages, limits.max_pages)):
            try:
                width, height = pdf.get_page_size(index)  # points, 1/72 inch
            except pdfium.PdfiumError as exc:
                raise IntakeRejected(f"Лист {index + 1} PDF повреждён: {exc}") from exc
            pixels = (width * dpi / 72) * (height * dpi / 72)
            if pixels > limits.max_image_pixels:
                raise IntakeRejected(
                    f"Лист {index + 1} слишком велик: {width / 72 * 25.4:.0f}×"
                    f"{height / 72 * 25.4:.0f} мм, при распознавании это "
                    f"{pixels / 1e6:.0f} млн точек (допустимо "
                    f"{limits.max_image_pixels / 1e6:.0f} млн)"
                )
    finally:
        pdf.close()
    if _has_scripts(path):
        raise IntakeRejected(
            "PDF содержит встроенные сценарии (JavaScript или автодействия): архив такие "
            "файлы не принимает; сохраните скан заново или распечатайте в PDF"
        )
    return pages


def _has_scripts(path: Path) -> bool:
    """JavaScript, a launch action or automatic actions (/AA) anywhere in the file.

    A viewer reaches an action from many places: the open action, the name tree, a
    page, an annotation (and the /Next chain after any action), an outline item, a
    form field. Following each of them leaves the next place out (a probe got scripts
    in through /Next chains, links, outlines and form fields), so every object in the
    file is looked at instead, and every dictionary inside it: a scan never needs an
    action, and an archive that hands files out must not pass one on.

    qpdf (which the worker reads pages with too) parses the objects in C++; content
    streams are not decoded, only their dictionaries looked at."""
    try:
        with pikepdf.open(path) as pdf:
            return any(_holds_script(obj, 0) for obj in pdf.objects)
    except Exception as exc:  # fail closed: a file the check cannot read is not accepted
        raise IntakeRejected(f"Файл PDF не удаётся проверить на сценарии ({exc})") from exc


SCRIPT_KEYS = ("/JS", "/AA", "/JavaScript")
SCRIPT_ACTIONS = (pikepdf.Name.JavaScript, pikepdf.Name.Launch)
MAX_NESTING = 32  # direct objects nest shallowly; a deeper one is itself suspicious


def _holds_script(obj: object, depth: int) -> bool:
    """This object, or a dictionary or array written inside it (not reached through a
    reference: every referenced object is looked at on its own), is or holds one."""
    if depth > MAX_NESTING:
        return True
    if isinstance(obj, pikepdf.Stream):
        obj = obj.stream_dict
    if isinstance(obj, pikepdf.Dictionary):
        if any(key in obj for key in SCRIPT_KEYS) or obj.get("/S") in SCRIPT_ACTIONS:
            return True
        children: object = obj.values()
    elif isinstance(obj, pikepdf.Array):
        children = obj
    else:
        return False
    return any(
        _holds_script(child, depth + 1)
        for child in children  # type: ignore[attr-defined]
        if isinstance(child, pikepdf.Object) and not child.is_indirect
    )


def _image_pages(path: Path, limits: Limits) -> int:
    """Count frames and refuse any whose declared size is over the pixel limit.

    Pillow reads a frame's size from its header without decoding it, so a bomb is
    refused before a single pixel is unpacked. Nothing global is changed (no
    Image.MAX_IMAGE_PIXELS, no warning filters): the web server checks uploads on
    several threads at once. Pillow's own bomb error stays as a second line.
    """
    try:
        with Image.open(path) as img:
            frames = int(getattr(img, "n_frames", 1))
            if frames > limits.max_pages:
                raise IntakeRejected(
                    f"Слишком много страниц: {frames} (допустимо {limits.max_pages})"
                )
            for index in range(frames):
                img.seek(index)
                width, height = img.size
                if width < 1 or height < 1:
                    raise IntakeRejected("Изображение без размеров")
                if width * height > limits.max_image_pixels:
                    raise IntakeRejected(_bomb_message(width, height))
            img.seek(0)
            img.load()  # decodes the first frame: catches truncated data
            return frames
    except Image.DecompressionBombError as exc:
        raise IntakeRejected(
            "Изображение слишком велико после распаковки (возможна «бомба распаковки»)"
        ) from exc
    except UnidentifiedImageError as exc:
        raise IntakeRejected("Файл не является корректным изображением") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise IntakeRejected(f"Изображение повреждено или обрезано ({exc})") from exc


def _bomb_message(width: int, height: int) -> str:
    return (
        f"Изображение {width}×{height} слишком велико после распаковки "
        "(возможна «бомба распаковки»)"
    )
