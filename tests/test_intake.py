"""Intake refuses bad files with a clear reason and keeps what it accepts exactly."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pytest
from PIL import Image

from archive_service.config import Limits
from archive_service.domain import MediaType
from intake import IntakeRejected, inspect_file, sniff_media_type, spool
from intake.filenames import clean_filename
from tests.pagegen import born_digital_pdf, png_bytes, render_page, save_tiff


def test_type_is_sniffed_from_bytes_not_extension(tmp_path: Path) -> None:
    png = png_bytes(Image.new("L", (20, 20), 255))
    assert sniff_media_type(png[:64]) is MediaType.PNG
    assert sniff_media_type(b"%PDF-1.7\n...") is MediaType.PDF
    assert sniff_media_type(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00") is MediaType.JPEG
    assert sniff_media_type(b"II*\x00\x08\x00\x00\x00" + b"\x00" * 16) is MediaType.TIFF


def test_pdf_with_junk_before_header_is_still_a_pdf() -> None:
    assert sniff_media_type(b"\r\n\r\n%PDF-1.4\n") is MediaType.PDF


def test_text_file_named_pdf_is_refused() -> None:
    with pytest.raises(IntakeRejected, match="Неподдерживаемый тип"):
        sniff_media_type(b"hello, I am not a PDF at all")


def test_zip_is_refused_with_its_type_named() -> None:
    with pytest.raises(IntakeRejected, match="ZIP-архив"):
        sniff_media_type(b"PK\x03\x04" + b"\x00" * 60)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IntakeRejected, match="пустой"):
        spool(io.BytesIO(b""), tmp_path, 1000)
    assert list(tmp_path.iterdir()) == []


def test_file_over_size_limit_is_refused_and_leaves_no_temp(tmp_path: Path) -> None:
    with pytest.raises(IntakeRejected, match="больше допустимого"):
        spool(io.BytesIO(b"x" * 5000), tmp_path, 4096)
    assert list(tmp_path.iterdir()) == []


def test_spool_hashes_while_streaming(tmp_path: Path) -> None:
    import hashlib

    data = b"%PDF-" + b"a" * 3_000_000
    up = spool(io.BytesIO(data), tmp_path, 10_000_000)
    assert up.sha256 == hashlib.sha256(data).hexdigest()
    assert up.size == len(data)
    assert up.path.read_bytes() == data


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/b.pdf", "C:\\scans\\x.pdf", "..", ""])
def test_names_with_paths_are_refused(name: str) -> None:
    with pytest.raises(IntakeRejected):
        clean_filename(name)


def test_cyrillic_name_is_kept() -> None:
    assert clean_filename("Протокол 9Б.pdf") == "Протокол 9Б.pdf"


def test_truncated_pdf_is_refused(tmp_path: Path) -> None:
    whole = born_digital_pdf(tmp_path / "w.pdf", [["Журнал"]] * 3).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(IntakeRejected, match="обрезан"):
        inspect_file(cut, MediaType.PDF, Limits())


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    plain = born_digital_pdf(tmp_path / "p.pdf", [["Секрет"]])
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="школа", owner_password="директор")
    enc = tmp_path / "enc.pdf"
    with enc.open("wb") as fh:
        writer.write(fh)
    with pytest.raises(IntakeRejected, match="зашифрован"):
        inspect_file(enc, MediaType.PDF, Limits())


def test_garbage_after_pdf_header_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\nthis is not a pdf body\n%%EOF\n")
    with pytest.raises(IntakeRejected, match="не является корректным PDF"):
        inspect_file(bad, MediaType.PDF, Limits())


def _png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG that claims a huge white image (a decompression bomb)."""
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = zlib.compress(b"\x00" + b"\xff" * (width // 8 + 1), 9)
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def test_decompression_bomb_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_bomb(50_000, 50_000))
    assert bomb.stat().st_size < 1000
    with pytest.raises(IntakeRejected, match="бомба распаковки"):
        inspect_file(bomb, MediaType.PNG, Limits())


def test_truncated_image_is_refused(tmp_path: Path) -> None:
    data = png_bytes(render_page(["Лист"], size=(600, 800)))
    cut = tmp_path / "cut.png"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(IntakeRejected, match="повреждено"):
        inspect_file(cut, MediaType.PNG, Limits())


def test_multipage_tiff_pages_are_counted(tmp_path: Path) -> None:
    pages = [render_page([f"Лист {i}"], size=(400, 500)) for i in range(4)]
    tiff = save_tiff(pages, tmp_path / "t.tiff")
    assert inspect_file(tiff, MediaType.TIFF, Limits()).page_count == 4


def test_page_limit_is_enforced(tmp_path: Path) -> None:
    pdf = born_digital_pdf(tmp_path / "many.pdf", [["x"]] * 5)
    with pytest.raises(IntakeRejected, match="Слишком много страниц"):
        inspect_file(pdf, MediaType.PDF, Limits(max_pages=4))


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_image_over_the_pixel_limit_is_refused_before_decoding(tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(_png_bomb(12_000, 12_000))  # 144 Mpx: under Pillow's own error level
    with pytest.raises(IntakeRejected, match="12000×12000"):
        inspect_file(big, MediaType.PNG, Limits(max_image_pixels=120_000_000))


def test_a_word_document_is_refused_in_words_not_by_its_mime_type() -> None:
    """A secretary uploads the protocol as typed (.docx): the refusal names it as she
    would, and says what is taken instead."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as docx:
        docx.writestr("[Content_Types].xml", "<Types/>")
        docx.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(IntakeRejected) as refused:
        sniff_media_type(buffer.getvalue()[:8192])
    assert "документ Word (.docx)" in str(refused.value)
    assert "application/" not in str(refused.value) and "PDF, TIFF, JPEG, PNG" in str(refused.value)
