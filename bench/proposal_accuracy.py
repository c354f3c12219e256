"""How far the archivist can trust the worker's proposals (issue 27, point 1).

Generates documents written like a school's real ones: a heading with the kind, the
school, a class in quotes or not, the school year, a «Дата:» line or a date in the
heading; a body citing laws and orders with their own dates («от 29.12.2012 № 273-ФЗ»),
pupils named in any case form, OCR noise (Latin look-alikes in words, a class letter
read as a Latin «B» or a digit «6», dropped characters); and documents that are not
records (a regulation, a service note mentioning journals). Each is proposed for as the
worker does (`propose`, with the school's class lists and pupils), and every field is
judged against what was written:

- correct: the best proposal is the truth and not in doubt (or, where there is no
  truth, no proposal is offered without a doubt);
- flagged: nothing proposed, or the best proposal carries its doubt, so «Подшить как
  предложено» refuses it and the archivist looks;
- wrong: the best proposal is not the truth and carries no doubt (filed wrongly without
  warning; the target is none).

Target: correct ≥ 95 % on each field (kind, date, class, school year, pupil), the rest
flagged.

With --ocr N, N of them are also printed, scanned and read by Tesseract, a quarter in
each shape a school files: one light page; the heading page then a dense grid of marks
(a journal's, with lesson dates and other pupils' names); the heading on page 1 and the
body naming the pupil on page 2; a blank back scanned after the page (duplex).
Handwriting is not generated, so not measured.

    .venv/bin/python bench/proposal_accuracy.py --documents 200 [--seed 7]

Writes results/proposals-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import textwrap
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pymorphy3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive_service.metadata.proposals import (
    KindRule,
    KnownPupil,
    Proposal,
    load_morphology,
    propose,
)
from retention.nomenclature import default_nomenclature

MORPH = pymorphy3.MorphAnalyzer()

MISREAD = 0.1  # how often OCR gives «Б» as a Latin «B» or a «6» (--misread)
FIELDS = ("kind", "date", "class", "school_year", "pupil")
LATIN = str.maketrans("АВЕКМНОРСТХаеорсх", "ABEKMHOPCTXaeopcx")
SCHOOLS = ["МБОУ СОШ № 20", "МАОУ «Гимназия № 3»", "МБОУ «Лицей № 1»"]
CITATIONS = [
    "В соответствии с Федеральным законом от 29.12.2012 № 273-ФЗ «Об образовании в "
    "Российской Федерации»",
    "на основании приказа Минпросвещения России от 04.04.2023 № 232",
    "согласно постановлению Правительства РФ от 05.08.2013 № 662",
    "руководствуясь письмом Рособрнадзора от 19.11.2024 № 04-315",
    "во исполнение распоряжения управления образования от 10.01.2022 № 15-р",
]
PUPILS = [
    ("Смирнова", "Анна", "Сергеевна", "Смирновой Анны Сергеевны", "Смирнова А. С."),
    ("Кузнецов", "Иван", "Петрович", "Кузнецова Ивана Петровича", "Кузнецов И. П."),
    ("Фёдорова", "Ольга", "Игоревна", "Фёдоровой Ольги Игоревны", "Фёдорова О. И."),
    ("Волков", "Дмитрий", "Андреевич", "Волкова Дмитрия Андреевича", "Волков Д. А."),
    ("Лебедева", "Мария", "Олеговна", "Лебедевой Марии Олеговны", "Лебедева М. О."),
    ("Соколов", "Артём", "Ильич", "Соколова Артёма Ильича", "Соколов А. И."),
]
# kind: (heading lines, closes by school year, has pupil)
KINDS = {
    "02-01": (["КЛАССНЫЙ ЖУРНАЛ"], True, False),
    "02-04": (["ЖУРНАЛ", "внеурочной деятельности"], True, False),
    "03-01": (["ПРОТОКОЛ", "проведения государственной итоговой аттестации"], True, True),
    "03-04": (["ПРОТОКОЛ", "итогового собеседования по русскому языку"], True, True),
    "04-01": (["ЛИЧНОЕ ДЕЛО ОБУЧАЮЩЕГОСЯ"], False, True),
    "04-03": (["КНИГА", "учёта и выдачи аттестатов об основном общем образовании"], False, True),
}


@dataclass
class Written:
    pages: list[tuple[int, str]]
    truth: dict[str, object] = field(default_factory=dict)
    shape: str = ""


def _noisy(text: str, rng: random.Random, rate: float) -> str:
    """OCR noise: a capital word now and then in Latin look-alikes, a dropped comma."""
    words = text.split(" ")
    for i, word in enumerate(words):
        if word.isupper() and len(word) > 3 and rng.random() < rate * 4:
            words[i] = word.translate(LATIN)
        elif rng.random() < rate:
            words[i] = word.replace(",", "")
    return " ".join(words)


def _dative(word: str) -> str:
    """«Смирнова» → «Смирновой», «Иван» → «Ивану», as a person would write it."""
    parsed = next((p for p in MORPH.parse(word) if {"Surn", "Name"} & set(p.tag.grammemes)), None)
    inflected = parsed.inflect({"datv"}) if parsed is not None else None
    return inflected.word.capitalize() if inflected is not None else word


def _school_year(rng: random.Random) -> tuple[str, date]:
    first = rng.randint(2015, 2025)
    day = date(first, 9, 1) + timedelta(days=rng.randint(0, 360))
    return f"{first}/{first + 1}", day


def _class(rng: random.Random, grade: int, letter: str, misread: float) -> tuple[str, str]:
    """How the class is written, and maybe misread: 9 «Б», 9Б, 9-Б, a Latin «B»."""
    shown = letter
    if letter == "Б" and rng.random() < misread:
        shown = rng.choice(["B", "6"])  # OCR: a Latin B or a six for Б
    elif letter in "АВЕКМНОРСТХ" and rng.random() < 0.2:
        shown = letter.translate(LATIN)
    form = rng.choice(["quoted", "tight", "dash"])
    if form == "quoted" or shown == "6":
        return f"{grade} «{shown}» класса", f"{grade}{letter}"
    return (f"{grade}{shown}" if form == "tight" else f"{grade}-{shown}") + " класса", (
        f"{grade}{letter}"
    )


def record(
    rng: random.Random, kind: str, lists: dict[str, set[str]], misread: float = MISREAD
) -> Written:
    heading, by_year, with_pupil = KINDS[kind]
    year, day = _school_year(rng)
    grade = rng.choice([5, 7, 9, 10, 11])
    letter = rng.choice(["А", "Б", "В"])
    lists.setdefault(year, set()).update({f"{grade}{letter}", f"{grade}А"})
    class_text, class_label = _class(rng, grade, letter, misread)
    pupil = rng.choice(PUPILS) if with_pupil else None
    lines = [rng.choice(SCHOOLS)]
    if rng.random() < 0.3:  # an approval stamp above the heading, citing an order
        stamp_day = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(2012, 2024)}"
        lines += ["УТВЕРЖДЕНО", f"приказом директора от {stamp_day} № {rng.randint(1, 200)}"]
    lines += heading
    if kind == "04-01":
        assert pupil is not None
        lines.append(f"{pupil[0]} {pupil[1]} {pupil[2]}")
    lines.append(f"обучающихся {class_text}" if kind != "04-01" else class_text)
    if by_year:
        lines.append(f"{year} учебный год")
    dated = rng.random() < 0.85
    if dated and kind.startswith("03") and rng.random() < 0.4:  # «ПРОТОКОЛ № 5 от 12.02.2025»
        lines[lines.index(heading[0])] = (
            f"{heading[0]} № {rng.randint(1, 30)} от {day.strftime('%d.%m.%Y')}"
        )
    elif dated:
        label = rng.choice(["Дата: ", "Дата проведения: ", "Дата составления: "])
        style = rng.random()
        months = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря"
        written = (
            day.strftime("%d.%m.%Y")
            if style < 0.7
            else f"{day.day} {months.split()[day.month - 1]} {day.year} года"
        )
        lines.append(label + written)
    later = day + timedelta(days=rng.randint(1, 30))
    body = [
        f"{rng.choice(CITATIONS)} комиссия рассмотрела документы обучающихся. "
        f"Повторное рассмотрение назначено на {later.strftime('%d.%m.%Y')}. "
        f"Ответственный за ведение документации назначен приказом от "
        f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(2010, 2024)} "
        f"№ {rng.randint(1, 300)}.",
    ]
    if pupil is not None and kind != "04-01":
        body.append(
            rng.choice(
                [
                    f"Результат {pupil[3]} — зачёт.",
                    f"{pupil[0]} {pupil[1]} {pupil[2]}: 15 баллов, «зачёт».",
                    f"Обучающийся {pupil[4]} — зачёт.",
                    f"Зачёт поставлен {_dative(pupil[0])} {_dative(pupil[1])}.",
                ]
            )
        )
    text = "\n".join(_noisy(line, rng, 0.05) for line in lines) + "\n" + " ".join(body)
    truth: dict[str, object] = {
        "kind": kind,
        "date": day.isoformat() if dated else None,
        "class": class_label,
        "school_year": year if by_year else None,
        "pupil": {pupil[0]} if pupil else set(),
    }
    return Written([(1, text)], truth, f"record {kind}")


def not_a_record(rng: random.Random) -> Written:
    """A regulation, or a note that mentions journals in its body."""
    _, day = _school_year(rng)
    if rng.random() < 0.5:
        text = (
            f"{rng.choice(SCHOOLS)}\nПОЛОЖЕНИЕ\nо порядке ведения классных журналов\n"
            f"Дата: {day.strftime('%d.%m.%Y')}\n"
            f"1. Настоящее положение разработано {rng.choice(CITATIONS)} и устанавливает "
            "требования к ведению классных журналов, журналов внеурочной деятельности и "
            "личных дел обучающихся."
        )
        shape = "regulation"
    else:
        text = (
            f"{rng.choice(SCHOOLS)}\nСлужебная записка\nДата: {day.strftime('%d.%m.%Y')}\n"
            "Прошу выделить шкаф для хранения классных журналов и протоколов итогового "
            "собеседования за прошлые годы, которые сейчас лежат в учительской без описи."
        )
        shape = "note"
    truth: dict[str, object] = {
        "kind": None,
        "date": day.isoformat(),
        "class": None,
        "school_year": None,
        "pupil": set(),
    }
    return Written([(1, text)], truth, shape)


def judge(field_name: str, proposals: list[Proposal], truth: object, pupils: dict[str, str]) -> str:
    mine = [p for p in proposals if p.field == field_name]
    if field_name == "pupil":
        named = {pupils[p.value] for p in mine}
        return "correct" if named == truth else ("flagged" if not named else "wrong")
    best = mine[0] if mine else None
    if truth is None:
        return "correct" if best is None or best.doubt else "wrong"
    if best is None or best.doubt:
        return "flagged"
    return "correct" if best.value == truth else "wrong"


def evaluate(
    docs: list[Written],
    kinds: list[KindRule],
    known: list[KnownPupil],
    lists: dict[str, set[str]],
    pupil_names: dict[str, str],
) -> dict[str, object]:
    tally = {f: {"correct": 0, "flagged": 0, "wrong": 0} for f in FIELDS}
    wrong: list[dict[str, object]] = []
    for doc in docs:
        proposals = propose(doc.pages, kinds, known, lists)
        for f in FIELDS:
            verdict = judge(f, proposals, doc.truth[f], pupil_names)
            tally[f][verdict] += 1
            if verdict != "correct" and len(wrong) < 30:
                best = next((p for p in proposals if p.field == f), None)
                wrong.append(
                    {
                        "shape": doc.shape,
                        "verdict": verdict,
                        "field": f,
                        "truth": str(doc.truth[f]),
                        "proposed": best.value if best else None,
                        "doubt": best.doubt if best else None,
                        "text": doc.pages[0][1][:400],
                    }
                )
    return {
        "fields": {
            f: {**counts, "accuracy": round(counts["correct"] / len(docs), 4)}
            for f, counts in tally.items()
        },
        "not_correct": wrong,
    }


def show(result: dict[str, dict[str, dict[str, float]]]) -> None:
    for f, row in result["fields"].items():
        print(
            f"  {f:12} correct {row['accuracy']:.1%}  flagged {row['flagged']:3.0f}  "
            f"wrong {row['wrong']:3.0f}"
        )


GRID_SURNAMES = ["Абрамов", "Белова", "Гусев", "Данилова", "Ершов", "Жукова", "Зайцев"]
GRID_NAMES = ["Алексей", "Вера", "Глеб", "Дарья", "Егор", "Зоя", "Кирилл", "Лидия"]
SHAPES = ("light", "grid", "multipage", "blank")


def grid_page(rng: random.Random) -> str:
    """A journal's marks page as it is printed: lesson dates across, then a row per
    pupil (of a class the archive has no list for) with marks and absences."""
    dates = " ".join(f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}" for _ in range(10))
    rows = [
        f"{n} {rng.choice(GRID_SURNAMES)} {rng.choice(GRID_NAMES)} "
        + " ".join(rng.choice(["5", "4", "3", "2", "н", ""]) for _ in range(10))
        for n in range(1, 26)
    ]
    return "\n".join(["Дата урока " + dates, *rows])


def shaped(doc: Written, shape: str, rng: random.Random) -> Written:
    """The same record as a school files it on paper: one light page; its heading page
    followed by a dense grid of marks; its heading on page 1 and the body (with the
    pupils) on page 2; or scanned duplex, a blank back after its page."""
    text = doc.pages[0][1]
    if shape == "grid":
        pages = [(1, text), (2, grid_page(rng))]
    elif shape == "multipage":
        heading, _, body = text.rpartition("\n")
        pages = [(1, heading), (2, body)]
    elif shape == "blank":
        pages = [(1, text), (2, "")]
    else:
        pages = [(1, text)]
    return Written(pages, doc.truth, f"{doc.shape}, {shape}")


def ocr_copy(doc: Written, seed: int) -> Written:
    """The document printed on A4, scanned (blur, speckle, a slight skew) and read by
    Tesseract as the worker reads a page, homoglyphs folded; a blank back is found blank
    and not read, as the worker does (`reading.blank`)."""
    from archive_service.reading.blank import is_blank
    from archive_service.reading.ocr import recognise
    from tests.pagegen import render_page, scanned

    pages = []
    for number, text in doc.pages:
        lines = [wrapped for line in text.splitlines() for wrapped in textwrap.wrap(line, 70)]
        image = scanned(render_page(lines, font_size=40), seed=seed + number, skew=0.4)
        read = "" if is_blank(image) else recognise(image, 300, "rus+eng").text
        pages.append((number, read))
    return Written(pages, doc.truth, doc.shape)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--misread", type=float, default=MISREAD)
    parser.add_argument(
        "--ocr",
        type=int,
        default=0,
        help="Also print this many of them as scanned pages and read them with Tesseract "
        "(real OCR noise instead of the simulated one); judged separately.",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    load_morphology()
    kinds = [KindRule(i.index, i.title, i.keywords) for i in default_nomenclature().items]
    known = [KnownPupil(f"p{n}", s, n_, p) for n, (s, n_, p, *_rest) in enumerate(PUPILS)]
    pupil_names = {k.id: k.surname for k in known}
    lists: dict[str, set[str]] = {}
    written = [
        not_a_record(rng)
        if n % 6 == 5
        else record(rng, rng.choice(list(KINDS)), lists, args.misread)
        for n in range(args.documents)
    ]
    started = time.perf_counter()
    report: dict[str, object] = {
        "documents": len(written),
        "seed": args.seed,
        "misread": args.misread,
        "text": evaluate(written, kinds, known, lists, pupil_names),
    }
    print(f"{len(written)} documents as text with simulated OCR noise")
    show(report["text"])  # type: ignore[arg-type]
    if args.ocr:
        # Printed as written (no simulated misreads): Tesseract makes its own.
        printed = random.Random(args.seed + 1)
        originals = [
            not_a_record(printed)
            if n % 6 == 5
            else record(printed, printed.choice(list(KINDS)), lists, misread=0.0)
            for n in range(args.ocr)
        ]
        layout = random.Random(args.seed + 2)
        by_shape = {
            shape: [
                ocr_copy(shaped(doc, shape, layout), n)
                for n, doc in enumerate(originals)
                if SHAPES[n % len(SHAPES)] == shape
            ]
            for shape in SHAPES
        }
        scanned_docs = [doc for docs in by_shape.values() for doc in docs]
        report["ocr"] = evaluate(scanned_docs, kinds, known, lists, pupil_names)
        report["ocr_documents"] = len(scanned_docs)
        print(f"{len(scanned_docs)} of them printed, scanned and read by Tesseract (rus+eng)")
        show(report["ocr"])  # type: ignore[arg-type]
        report["ocr_by_shape"] = {}
        for shape, docs in by_shape.items():
            result = evaluate(docs, kinds, known, lists, pupil_names)
            report["ocr_by_shape"][shape] = result  # type: ignore[index]
            print(f"  as {shape} ({len(docs)} documents)")
            show(result)  # type: ignore[arg-type]
    report["seconds"] = round(time.perf_counter() - started, 1)
    out = Path(__file__).parent / "results" / f"proposals-{time.strftime('%Y%m%d-%H%M')}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"written {out}")


if __name__ == "__main__":
    main()
