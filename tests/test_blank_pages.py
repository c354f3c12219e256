"""Blank pages, the backs of sheets scanned duplex (issue 26, point 4): seen from the image
in a fraction of an OCR pass, kept as «пустой лист» with no text, and never taken in as a
document of their own when a stack is split."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from PIL import Image, ImageFilter

from archive_service.archive import Archive
from archive_service.reading.blank import INK_LEVEL, MAX_INK_SHARE, ink_share, is_blank
from archive_service.services.batch.cover_sheets import CoverSheetService
from archive_service.services.batch.stacks import StackService
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.pipeline.ingest import IngestService
from tests.pagegen import A4_300DPI, page_lines, render_page, save_pdf, scanned, show_through
from tests.test_stacks import sheet_images

pytestmark = pytest.mark.usefixtures("tesseract")


def _blank_back(seed: int) -> Image.Image:
    """An empty side, as a scanner gives it: speckle, blur, a slight skew."""
    return scanned(render_page([]), seed=seed, noise=0.05, skew=0.4)


@pytest.mark.parametrize(
    ("lines", "blank"),
    [
        ([], True),
        (["5"], True),  # a page number alone
        (["12"], True),
        (["Заявление"], False),  # a single word is text
        (["Протокол", "Подпись"], False),
    ],
)
def test_a_page_is_blank_only_without_a_word_on_it(lines: list[str], blank: bool) -> None:
    page = scanned(render_page(lines), seed=len(lines), noise=0.05)
    assert is_blank(page) is blank, ink_share(page) / MAX_INK_SHARE


@pytest.mark.parametrize("strength", [0.15, 0.3, 0.45])
def test_a_back_showing_its_front_through_the_paper_is_blank(strength: float) -> None:
    """Thin paper shows the front's print, mirrored and grey, on the back: that is no
    ink of the back's own, and the back is still an empty side."""
    front = render_page(page_lines(3), font_size=34)
    back = scanned(show_through(front, strength), seed=3, noise=0.05, skew=0.4)
    assert is_blank(back), ink_share(back) / MAX_INK_SHARE
    assert not is_blank(scanned(front, seed=3)), "the front itself is text"


@pytest.mark.parametrize("darkness", [0.5, 0.7])
def test_a_page_of_faint_print_is_read_not_taken_for_blank(darkness: float) -> None:
    """A faded copy or a pale printer's page: its print at half or 70 % of black's
    darkness is still text to read."""
    front = render_page(page_lines(4), font_size=34)
    faint = front.point(lambda v: round(255 - (255 - v) * darkness))
    assert not is_blank(scanned(faint, seed=4)), ink_share(faint) / MAX_INK_SHARE


@pytest.mark.parametrize(("lines", "blank"), [([], True), (["Заявление"], False)])
def test_a_page_is_judged_alike_at_any_resolution(lines: list[str], blank: bool) -> None:
    """The page is judged reduced to 800 px (what keeps it to milliseconds, measured in
    bench/page_kinds_bench.py), so a 600-dpi scan of it is judged as its 300-dpi one."""
    width, height = A4_300DPI
    at_600 = scanned(render_page(lines, (width * 2, height * 2), font_size=88), seed=5)
    at_300 = scanned(render_page(lines, font_size=44), seed=5)
    assert is_blank(at_600) is is_blank(at_300) is blank


def test_a_scan_with_blank_backs_keeps_them_as_blank_sheets(
    archive: Archive, tmp_path: Path
) -> None:
    pages = [
        scanned(render_page(page_lines(0)), seed=0),
        _blank_back(1),
        scanned(render_page(page_lines(2)), seed=2),
        _blank_back(3),
    ]
    outcome = IngestService(archive).ingest_path(save_pdf(pages, tmp_path / "ведомость.pdf"))
    assert outcome.id is not None

    shown = DocumentService(archive).get(outcome.id)

    assert shown["status"] == "archived"
    assert [p["source"] for p in shown["pages"]] == ["ocr", "blank", "ocr", "blank"]
    assert [p["text"] for p in shown["pages"]][1::2] == ["", ""]
    assert "Классный журнал" in shown["pages"][0]["text"]
    with archive.store.local_path(f"documents/{outcome.id}/searchable.pdf") as path:
        import pypdf

        assert len(pypdf.PdfReader(path).pages) == 4  # every sheet is in the printed copy


def test_a_stack_drops_the_back_of_a_cover_sheet_and_a_part_of_blank_pages(
    archive: Archive, tmp_path: Path
) -> None:
    journal = sheet_images(
        CoverSheetService(archive).render("02-01", school_year="2024/2025", class_label="5А"),
        tmp_path,
    )[0]
    record = [scanned(render_page(page_lines(i)), seed=i) for i in range(2)]
    # cover, its back, two pages of the journal, then a cover whose part is all backs
    stack = [journal, _blank_back(5), record[0], record[1], journal, _blank_back(6), _blank_back(7)]
    path = save_pdf(stack, tmp_path / "пачка.pdf")

    report = StackService(archive).ingest_stack(path)

    assert [(p.first_page, p.last_page) for p in report.parts] == [(3, 4)]
    assert DocumentService(archive).get(report.parts[0].outcome.id or "")["page_count"] == 2
    assert any("лист 7: пустые, не приняты как документ" in p for p in report.problems)


@given(
    st.lists(st.integers(0, 255), min_size=20 * 15, max_size=20 * 15),
    st.integers(0, 3),
)
@example([0] * 300, 0)  # all ink, to the edges
@example([255] * 150 + [0] * 150, 1)
def test_ink_is_counted_as_a_median_filter_counts_it(values: list[int], blots: int) -> None:
    """`ink_share` counts the pixels whose 3×3 median is darker than the ink level, edges
    included (the median filter repeats the edge pixels outward)."""
    img = Image.new("L", (20, 15))
    img.putdata(values)
    for n in range(blots):  # dark blots, as print gives, beside the noise
        img.paste(n * 40, (n * 5, n * 3, n * 5 + 4, n * 3 + 4))
    median = img.filter(ImageFilter.MedianFilter(3))
    expected = sum(median.histogram()[:INK_LEVEL]) / (20 * 15)
    assert ink_share(img) == expected
