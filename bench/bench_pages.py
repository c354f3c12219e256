"""The pages the pipeline bench reads: scanned journal prose (dense, a quarter upside
down), an e-journal's ruled grid export, and the words they are made of. Generated,
so every run reads the same pages and the truth is known."""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.pagegen import NAMES, SURNAMES, render_page, scanned

WORDS = [
    "классный",
    "журнал",
    "учебного",
    "года",
    "обучающихся",
    "итоговой",
    "аттестации",
    "протокол",
    "собеседования",
    "русскому",
    "языку",
    "сочинение",
    "выпускников",
    "экспертной",
    "комиссией",
    "образовательной",
    "организации",
    "оценка",
    "зачёт",
    "баллов",
    "четверть",
    "отметки",
    "успеваемости",
    "педагогический",
    "совет",
    "приказ",
    "директора",
    "личное",
    "дело",
    "ведомость",
    "математика",
    "литература",
    "история",
    "физика",
    "химия",
    "биология",
    "география",
]


def dense_lines(seed: int, count: int = 44) -> list[str]:
    """A full page of school-journal prose: about as much text as a real journal page."""
    import random

    rng = random.Random(seed)
    lines = []
    for i in range(count):
        words = [rng.choice(WORDS) for _ in range(rng.randint(7, 10))]
        lines.append(f"{i + 1}. " + " ".join(words).capitalize())
    return lines


def journal_pdf(path: Path, count: int) -> Path:
    """An electronic journal's export: per page a ruled grid of 30 pupils × 18 lesson
    dates with marks, about 1 400 characters (a dense prose page has 2 500)."""
    import random

    from fpdf import FPDF

    from tests.pagegen import FONT_PATHS

    rng = random.Random(7)
    pdf = FPDF(format="A4", orientation="L")
    pdf.add_font("DejaVu", "", FONT_PATHS[1])
    pdf.set_font("DejaVu", size=8)
    for number in range(count):
        pdf.add_page()
        pdf.cell(0, 6, f"Классный журнал 7 «Б», алгебра, 2024/2025 учебный год, лист {number + 1}")
        pdf.ln(7)
        pdf.cell(60, 5, "Обучающийся", border=1)
        for day in range(18):
            pdf.cell(11, 5, f"{day + 1:02d}.10", border=1)
        pdf.ln()
        for row in range(30):
            pupil = f"{row + 1}. {rng.choice(SURNAMES)} {rng.choice(NAMES)}"
            pdf.cell(60, 5, pupil, border=1)
            for _ in range(18):
                pdf.cell(11, 5, rng.choice(["5", "4", "3", "н", "", "", "5/4"]), border=1)
            pdf.ln()
    pdf.output(str(path))
    return path


def make_pages(count: int, folder: Path) -> list[Image.Image]:
    pages = []
    for i in range(count):
        img = scanned(
            render_page(dense_lines(i), font_size=34),
            seed=i,
            skew=0.5,
            rotate=(0, 0, 0, 180)[i % 4],
        )
        img.save(folder / f"page-{i:03d}.png", dpi=(300, 300))
        pages.append(img.copy())  # saving leaves PNG encoder settings on img
    return pages
