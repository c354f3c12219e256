"""Real Tesseract on generated scans: orientation, noise, skew, word boxes, confidence."""

from __future__ import annotations

import threading

import pytest
from PIL import Image, ImageDraw

from archive_service.reading.ocr import detect_rotation, recognise, upright
from tests.pagegen import A4_300DPI, font, page_lines, render_page, scanned

pytestmark = pytest.mark.usefixtures("tesseract")


@pytest.mark.parametrize("turned", [0, 90, 180, 270])
def test_turned_page_is_detected_and_read_upright(turned: int) -> None:
    page = scanned(render_page(page_lines(7)), seed=turned, skew=0.7, rotate=turned)
    rotation = detect_rotation(page)
    assert rotation == turned
    out = recognise(upright(page, rotation), 300, "rus+eng")
    assert "Классный журнал" in out.text
    assert out.confidence is not None and out.confidence > 80


SMALL_PRINT = [  # a dense journal page in 8-point type, as scanners see most of them
    f"{n}. Протокол итогового собеседования обучающихся девятого класса по русскому языку"
    for n in range(1, 31)
]


@pytest.mark.parametrize("turned", [90, 270])
def test_sideways_page_of_small_print_is_turned_upright(turned: int) -> None:
    """Reduced too far, OSD names the right turn with too little confidence to act on,
    and the page is read sideways as noise."""
    page = scanned(render_page(SMALL_PRINT, font_size=32), seed=turned + 3, skew=0.5, rotate=turned)
    assert detect_rotation(page) == turned


def test_noisy_skewed_page_keeps_words_boxes_and_confidence() -> None:
    page = scanned(render_page(page_lines(2)), seed=5, skew=2.0, noise=0.05)
    out = recognise(upright(page, detect_rotation(page)), 300, "rus+eng")
    assert "учебного" in out.text
    word = next(w for w in out.words if w.text == "учебного")
    assert 0 < word.left < page.width and 0 < word.top < page.height
    assert word.width > 50 and word.height > 10
    assert 0 <= word.confidence <= 100
    assert out.text_pdf.startswith(b"%PDF")


def test_blank_page_has_no_text_and_no_confidence() -> None:
    page = scanned(render_page([]), seed=1)
    assert detect_rotation(page) == 0
    out = recognise(page, 300, "rus+eng")
    assert out.text == "" and out.confidence is None


def test_ocr_text_has_no_latin_look_alikes_in_russian_words() -> None:
    from archive_service.reading.homoglyphs import fold_text

    assert fold_text("КНИГА ВЫДАЧИ ATTECTATOB, 9 «A» класс; Report card; OK") == (
        "КНИГА ВЫДАЧИ АТТЕСТАТОВ, 9 «A» класс; Report card; OK"
    )
    assert fold_text("учeт") == "учет"  # a Latin «e» inside a Russian word


def _read_in_child(turned: int) -> tuple[int, str]:
    """In a forked process, where loading an engine of its own is an error."""
    import tesserocr

    def refused(*_: object, **__: object) -> None:
        raise AssertionError("an engine was loaded again after the fork")

    tesserocr.PyTessBaseAPI = refused
    page = scanned(render_page(page_lines(7)), seed=turned, skew=0.7, rotate=turned)
    rotation = detect_rotation(page)
    return rotation, recognise(upright(page, rotation), 300, "rus+eng").text


def test_a_forked_pool_process_reads_with_the_engines_loaded_before_the_fork() -> None:
    """`archive worker` loads Tesseract's engines before its pool forks: each pool
    process turns and reads pages with the copy it inherits, not loading its own (~0.35
    s on the first page of a cold `ingest --wait`). A lock a thread of the parent held
    at the fork does not hold the child up: it gets fresh ones."""
    import multiprocessing

    from archive_service.reading import ocr

    ocr.load_engines("rus+eng")
    held, release = threading.Event(), threading.Event()

    def hold_the_engine() -> None:
        with ocr._ocr_lock:
            held.set()
            release.wait(60)

    holder = threading.Thread(target=hold_the_engine)
    holder.start()
    held.wait(60)
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            release.set()  # the child was forked while the lock was held
            readings = pool.map_async(_read_in_child, [180, 270]).get(timeout=120)
    finally:
        release.set()
        holder.join()
    assert [rotation for rotation, _ in readings] == [180, 270]
    assert all("Классный журнал" in text for _, text in readings)


LEDGER = [
    ("Иванов Алексей", "аттестат 2301"),
    ("Петрова Мария", "аттестат 2302"),
    ("Смирнов Дмитрий", "аттестат 2303"),
    ("Кузнецова Анна", "аттестат 2304"),
    ("Попов Сергей", "аттестат 2305"),
    ("Васильева Елена", "аттестат 2306"),
]


def test_ledger_rows_read_across_the_page_not_column_by_column() -> None:
    """Tesseract puts each column of a ledger in a block of its own; read block by
    block, every name came before every certificate, and no row held both."""
    img = Image.new("L", A4_300DPI, 255)
    draw = ImageDraw.Draw(img)
    draw.text((220, 250), "Книга учёта выданных аттестатов", font=font(40), fill=0)
    for n, (name, certificate) in enumerate(LEDGER):
        y = 400 + n * 90
        draw.text((220, y), str(n + 1), font=font(40), fill=0)
        draw.text((420, y), name, font=font(40), fill=0)
        draw.text((1700, y), certificate, font=font(40), fill=0)
    out = recognise(scanned(img, seed=3, skew=0.5), 300, "rus+eng")
    lines = out.text.splitlines()
    for n, (name, certificate) in enumerate(LEDGER):
        assert f"{n + 1} {name} {certificate}" in lines
    # the word boxes follow the text's order, for highlights and the text layer
    assert [w.text for w in out.words] == out.text.split()
