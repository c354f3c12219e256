"""Scanned-looking pages made on the spot: Cyrillic text rendered at 300 dpi, then noised,
skewed or turned, so OCR tests and benchmarks run on real images without shipping any."""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_PATHS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
]
A4_300DPI = (2480, 3508)

SAMPLE_LINES = [
    "ПРОТОКОЛ итогового собеседования по русскому языку",
    "обучающихся 9 «Б» класса МБОУ СОШ № 20",
    "Дата проведения: 12 февраля 2025 года",
    "Смирнова Анна Сергеевна — зачёт, 15 баллов",
    "Кузнецов Иван Петрович — зачёт, 12 баллов",
    "Итоговое сочинение выпускников 11 классов проверено",
    "экспертной комиссией образовательной организации.",
    "Председатель комиссии: Иванова Е. В.",
]


def font(size: int = 44) -> ImageFont.FreeTypeFont:
    for path in FONT_PATHS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    raise RuntimeError("Нет шрифта DejaVu: установите пакет fonts-dejavu-core")


def render_page(
    lines: list[str], size: tuple[int, int] = A4_300DPI, font_size: int = 44
) -> Image.Image:
    img = Image.new("L", size, 255)
    draw = ImageDraw.Draw(img)
    f = font(font_size)
    y = 250
    for line in lines:
        draw.text((220, y), line, font=f, fill=0)
        y += int(font_size * 1.9)
    return img


def scanned(
    img: Image.Image, seed: int = 0, skew: float = 0.0, noise: float = 0.02, rotate: int = 0
) -> Image.Image:
    """Make a clean render look scanned: slight blur, speckle, skew; then turn it."""
    rng = random.Random(seed)
    out = img.filter(ImageFilter.GaussianBlur(0.6))
    if skew:
        out = out.rotate(skew, expand=False, fillcolor=255, resample=Image.Resampling.BICUBIC)
    if noise:
        px = out.load()
        assert px is not None
        w, h = out.size
        for _ in range(int(w * h * noise / 50)):
            x, y = rng.randrange(w), rng.randrange(h)
            px[x, y] = rng.choice((0, 90, 200))
    if rotate:
        out = out.rotate(rotate, expand=True)  # counter-clockwise, as a careless scan
    return out


SURNAMES = ["Иванов", "Петрова", "Смирнов", "Кузнецова", "Попов", "Васильева", "Соколов"]
NAMES = ["Алексей", "Мария", "Дмитрий", "Анна", "Сергей", "Елена", "Никита"]
GRID_DAYS = 12


def grid_rows(i: int) -> list[list[str]]:
    """A paper class journal's page: a heading, then pupils × lesson dates of marks."""
    rng = random.Random(i)
    rows = [[f"Классный журнал 7 «Б», алгебра, лист {i + 1}"]]
    rows.append(["Обучающийся"] + [f"{day + 1:02d}.10" for day in range(GRID_DAYS)])
    for row in range(25):
        pupil = f"{row + 1}. {rng.choice(SURNAMES)} {rng.choice(NAMES)}"
        rows.append([pupil] + [rng.choice(["5", "4", "3", "н", "", ""]) for _ in range(GRID_DAYS)])
    return rows


def grid_page(i: int) -> Image.Image:
    """The grid drawn as printed: ruled cells, the heading above them."""
    img = Image.new("L", A4_300DPI, 255)
    draw = ImageDraw.Draw(img)
    face = font(34)
    rows = grid_rows(i)
    draw.text((150, 180), rows[0][0], font=face, fill=0)
    widths = [620] + [130] * GRID_DAYS
    top = 280
    for cells in rows[1:]:
        left = 150
        for width, cell in zip(widths, cells, strict=True):
            draw.rectangle((left, top, left + width, top + 100), outline=0, width=3)
            draw.text((left + 15, top + 30), cell, font=face, fill=0)
            left += width
        top += 100
    return img


COVER_CLASSES = ["1 «А»", "5 «Б»", "7 «В»", "9 «А»", "11 «Б»"]


def cover_lines(i: int) -> list[tuple[str, int]]:
    """A class journal's title page: the school's name small, the title large, each
    line with its font size in px at 300 dpi (110 px is a 26-point title)."""
    year = 2018 + i % 7
    return [
        ("Муниципальное бюджетное", 40),
        ("общеобразовательное учреждение", 40),
        (f"«Средняя общеобразовательная школа № {10 + i % 30}»", 40),
        ("КЛАССНЫЙ ЖУРНАЛ", 110),
        (f"{COVER_CLASSES[i % len(COVER_CLASSES)]} класса", 80),
        (f"на {year}/{year + 1} учебный год", 56),
        (f"Классный руководитель: {SURNAMES[i % len(SURNAMES)]} Е. В.", 44),
    ]


COVER_FRAME = 160  # px from each edge to the frame's outer line; the frame is 8 px wide


def cover_page(i: int, frame: bool = True) -> Image.Image:
    """The title page as printed: every line centred inside a ruled frame."""
    img = Image.new("L", A4_300DPI, 255)
    draw = ImageDraw.Draw(img)
    width, height = A4_300DPI
    if frame:
        edge = COVER_FRAME
        draw.rectangle((edge, edge, width - edge, height - edge), outline=0, width=8)
    y = 420
    for text, size in cover_lines(i):
        face = font(size)
        draw.text(((width - draw.textlength(text, font=face)) / 2, y), text, font=face, fill=0)
        y += int(size * 1.9) + (260 if size >= 80 else 0)
    return img


LIST_PUPILS = 30
MALE = (["Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Новиков"],
        ["Алексей", "Дмитрий", "Сергей", "Никита", "Иван", "Артём"],
        ["Сергеевич", "Иванович", "Петрович", "Андреевич", "Олегович"])  # fmt: skip
FEMALE = ([s + "а" for s in MALE[0]],
          ["Мария", "Анна", "Елена", "Ольга", "Дарья", "Софья"],
          ["Сергеевна", "Ивановна", "Петровна", "Андреевна", "Олеговна"])  # fmt: skip


def list_rows(i: int) -> list[list[str]]:
    """A class list (списочный состав): a heading, then each pupil's number, full name
    and date of birth in three columns."""
    rng = random.Random(i)
    born = 2007 + i % 10
    rows = [
        [f"Список обучающихся {COVER_CLASSES[i % len(COVER_CLASSES)]} класса"],
        [f"на 1 сентября {born + 10} года"],
        ["№", "Фамилия, имя, отчество", "Дата рождения"],
    ]
    for n in range(LIST_PUPILS):
        surnames, names, patronymics = rng.choice((MALE, FEMALE))
        name = f"{rng.choice(surnames)} {rng.choice(names)} {rng.choice(patronymics)}"
        rows.append(
            [f"{n + 1}.", name, f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{born}"]
        )
    return rows


def list_page(i: int) -> Image.Image:
    """The list as typed: the heading, then the three columns at their tab stops."""
    img = Image.new("L", A4_300DPI, 255)
    draw = ImageDraw.Draw(img)
    face = font(40)
    y = 250
    for cells in list_rows(i):
        for left, cell in zip((220, 340, 1560), cells, strict=False):
            draw.text((left, y), cell, font=face, fill=0)
        y += 88
    return img


def show_through(front: Image.Image, strength: float = 0.3) -> Image.Image:
    """The back of a sheet whose front shows through the paper: the front mirrored left
    to right, its ink faint (`strength` of its darkness: 0.3 makes black print a grey of
    ~180) and spread by the paper. Pass the result to `scanned` for the speckle."""
    mirrored = front.convert("L").transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    faint = mirrored.point(lambda v: round(255 - (255 - v) * strength))
    return faint.filter(ImageFilter.GaussianBlur(1.5))


def page_lines(index: int) -> list[str]:
    rng = random.Random(index)
    lines = [f"Лист {index + 1}. Классный журнал 2023/2024 учебного года"]
    lines += rng.sample(SAMPLE_LINES, k=6)
    return lines


def save_tiff(pages: list[Image.Image], path: Path) -> Path:
    pages[0].save(
        path,
        format="TIFF",
        save_all=True,
        append_images=pages[1:],
        compression="tiff_deflate",
        dpi=(300, 300),
    )
    return path


def save_pdf(pages: list[Image.Image], path: Path) -> Path:
    """A scanned PDF: images only, no text layer."""
    pages[0].save(path, format="PDF", save_all=True, append_images=pages[1:], resolution=300)
    return path


def jpeg_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85, dpi=(300, 300))
    return buf.getvalue()


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(300, 300))
    return buf.getvalue()


def born_digital_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A PDF with a real text layer, as an electronic journal export would be."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", FONT_PATHS[1])
    pdf.set_font("DejaVu", size=12)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path
