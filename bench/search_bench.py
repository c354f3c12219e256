"""Benchmark: indexing throughput and search latency of both search adapters.

For each size (default 10 000 and 100 000 pages) it generates the same Russian corpus
(twelve kinds of school record, each document one kind, its pages that kind's
headings followed by rows about pupils: surnames, classes, marks, years and dates; 10
pages a document, each filed: kind, case, year, class, pupils, school and access, so
the facets are counted as in a filed archive), loads it into the SQLite FTS5 adapter
and the Elasticsearch adapter through their `rebuild` (the bulk path `archive reindex`
uses), then runs a fixed set of Russian queries (words in other case forms, two-word
queries, phrases, a rare surname, a word found nowhere) and reports p50/p95/max latency
per adapter, and each query's median; then the same queries as staff search them, with
the access filter every search of theirs carries (STAFF).

Elasticsearch must be running: scripts/services.sh up elasticsearch (the URL is read
from ARCHIVE_TEST_ELASTICSEARCH_URL, as scripts/services.sh env prints it).

`--kind grid|roster|light|blank|mixed` loads district_bench's pages of that kind instead
(an e-journal grid of pupils drawn from 23 surnames, so every surname stands on most
pages; a grid of one of a school's 44 classes, its pupils' surnames from the school's
600; a form; duplex scans with blank backs; or a mix of all), filed as one school's, and
asks them the same queries.

Run: .venv/bin/python bench/search_bench.py [--sizes 10000,100000] [--rounds 5] [--kind dense]
Prints a table and writes bench/results/search-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from search import IndexedDocument, IndexedPage, SearchIndex, open_index  # noqa: E402

PAGES_PER_DOCUMENT = 10
# How a member of staff without the health-data permission searches: every search the
# web and the API make for them carries this filter.
STAFF = {"access": ["general"]}

SURNAMES = [
    "Смирнов", "Иванов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов", "Новиков",
    "Морозов", "Петров", "Волков", "Соловьёв", "Васильев", "Зайцев", "Павлов", "Семёнов",
    "Голубев", "Виноградов", "Богданов", "Воробьёв", "Фёдоров", "Михайлов", "Беляев",
]  # fmt: skip
NAMES = ["Анна", "Иван", "Мария", "Пётр", "Елена", "Сергей", "Ольга", "Дмитрий", "Ксения"]
SUBJECTS = [
    "русскому языку", "математике", "литературе", "истории", "физике", "химии",
    "биологии", "географии", "информатике", "обществознанию", "английскому языку",
]  # fmt: skip
# Each document is one kind of record; its pages carry that kind's headings and then
# rows about pupils, as the real registers do. So a word such as «сочинение» is common
# in essay records and absent elsewhere, as in a real archive.
KINDS = [
    ["Протокол итогового собеседования по {subject}", "обучающихся {grade} «{letter}» класса"],
    ["Итоговое сочинение выпускников {grade} классов", "проверено экспертной комиссией"],
    ["Классный журнал {grade} «{letter}» класса на {year}/{year2} учебный год"],
    ["Сводная ведомость учёта успеваемости обучающихся по {subject}"],
    ["Книга учёта и выдачи аттестатов об основном общем образовании"],
    ["Книга учёта медалей «За особые успехи в учении»"],
    ["Личное дело обучающегося {surname}а {name}", "Заявление о приёме в {grade} класс"],
    ["Протокол заседания педагогического совета № {points} от {day}.{monthnum}.{year}"],
    ["Журнал учёта внеурочной деятельности, кружок по {subject}"],
    ["Экзаменационная работа по {subject}, вариант {points}"],
    ["Приказ о переводе обучающихся {grade} «{letter}» класса"],
    ["Протокол результатов государственной итоговой аттестации по {subject}"],
]
ROWS = [
    "{points}. {surname} {name} — {mark}, {points} баллов",
    "{surname} {name}, {grade} «{letter}» класс: {subject} — {mark}",
    "Дата проведения: {day} {month} {year} года",
    "Председатель комиссии: {surname}а Е. В., члены комиссии: {surname2} И. П.",
    "Основание: приказ № {points} от {day}.{monthnum}.{year}",
    "Выбыл в другую образовательную организацию {day} {month} {year} года",
    "Пропущено уроков: {points}, из них по болезни: {grade}",
]
MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "сентября", "октября",
          "ноября", "декабря"]  # fmt: skip

QUERIES = [
    "сочинений",
    "протоколы собеседования",
    "журнал класса",
    "учета медалей",
    "аттестатов",
    "Соловьев",
    "Смирновой Анны",
    '"итоговое сочинение"',
    '"классный журнал"',
    "ведомостей успеваемости физике",
    "государственной итоговой аттестации",
    "педагогического совета",
    "внеурочной деятельности",
    "приказ о переводе",
    "экзаменационная работа вариант",
    "2023",
    "зачет",
    "личное дело Виноградова",
    "астрофизика",
]


def page_text(rng: random.Random, kind: list[str]) -> str:
    def fill(template: str) -> str:
        year = rng.randint(2015, 2025)
        return template.format(
            subject=rng.choice(SUBJECTS),
            grade=rng.randint(1, 11),
            letter=rng.choice("АБВГ"),
            year=year,
            year2=year + 1,
            surname=rng.choice(SURNAMES),
            surname2=rng.choice(SURNAMES),
            name=rng.choice(NAMES),
            mark=rng.choice(["зачёт", "незачёт", "отлично", "хорошо", "удовлетворительно"]),
            points=rng.randint(1, 30),
            day=rng.randint(1, 28),
            month=rng.choice(MONTHS),
            monthnum=f"{rng.randint(1, 12):02d}",
        )

    lines = [fill(t) for t in kind]
    lines += [fill(rng.choice(ROWS)) for _ in range(14)]
    return "\n".join(lines)


def corpus(pages: int, seed: int = 20261122) -> Iterator[IndexedDocument]:
    rng = random.Random(seed)
    # Headings and facets from generators of their own: the pages stay those of earlier
    # results.
    filing = random.Random(seed + 1)
    facet = random.Random(seed + 2)
    for d in range(pages // PAGES_PER_DOCUMENT):
        kind = rng.choice(KINDS)
        pupils = [
            f"{filing.choice(SURNAMES)} {filing.choice(NAMES)}"
            for _ in range(filing.choice((0, 0, 1)))
        ]
        year = facet.randint(2015, 2025)
        kind_code = f"kind-{KINDS.index(kind)}"
        yield IndexedDocument(
            id=f"doc{d:07d}",
            filename=f"scan-{d:07d}.pdf",
            title=f"Документ {d}",
            pages=[IndexedPage(n, page_text(rng, kind)) for n in range(1, PAGES_PER_DOCUMENT + 1)],
            heading="\n".join([f"Документ {d}", f"scan-{d:07d}", *pupils]),
            # A filed document's facets, as the catalog gives them: its kind, case, year,
            # class, pupils, school and access.
            facets={
                "kind": [kind_code],
                "case": [f"{kind_code}-{year}"],
                "year": [f"{year}/{year + 1}"],
                "class": [f"{facet.randint(1, 11)}{facet.choice('АБВГ')}"],
                "pupil": pupils,
                "school": ["own"],
                "access": ["general"],
            },
        )


def kind_corpus(kind: str, pages: int) -> Iterator[IndexedDocument]:
    """This bench's filed records (`dense`), or district_bench's pages of another kind,
    filed as one school's: a grid page carries about four times a record page's text,
    so a school's decade of grids is a bigger index than its records."""
    if kind == "dense":
        return corpus(pages)
    from district_scale_bench import district_corpus  # it imports this module at its top

    return district_corpus(pages, 1, kind)


def write_results(name: str, rounds: int, results: list[dict[str, object]]) -> None:
    """bench/results/<name>-<date>.json, the form every search bench writes."""
    out = ROOT / "bench" / "results" / f"{name}-{datetime.now(UTC):%Y%m%d-%H%M}.json"
    out.write_text(
        json.dumps(
            {"cores": os.cpu_count(), "rounds": rounds, "results": results},
            ensure_ascii=False,
            indent=2,
        )
    )
    print(f"→ {out.relative_to(ROOT)}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(
    index: SearchIndex, pages: int, rounds: int, reuse: bool = False, kind: str = "dense"
) -> dict[str, object]:
    """Load the corpus (unless `reuse` and the index already holds it), then time the
    queries."""
    started = time.perf_counter()
    reused = reuse and not index.is_empty()
    documents = len(index.document_ids()) if reused else index.rebuild(kind_corpus(kind, pages))
    load_s = time.perf_counter() - started
    for query in QUERIES:  # warm caches once, as a running server would be
        index.search(query)
        index.search(query, filters=STAFF)
    latencies: list[float] = []
    staff: list[float] = []
    totals: dict[str, int] = {}
    per_query: dict[str, list[float]] = {}
    for _ in range(rounds):
        for query in QUERIES:
            t = time.perf_counter()
            result = index.search(query, limit=20)
            latencies.append((time.perf_counter() - t) * 1000)
            per_query.setdefault(query, []).append(latencies[-1])
            totals[query] = result.total
            t = time.perf_counter()
            index.search(query, limit=20, filters=STAFF)
            staff.append((time.perf_counter() - t) * 1000)
    return {
        "kind": kind,
        "pages": pages,
        "documents": documents,
        "index_seconds": None if reused else round(load_s, 2),
        "pages_per_second": None if reused else round(pages / load_s, 1),
        "queries": len(latencies),
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "max_ms": round(max(latencies), 2),
        "staff_p50_ms": round(percentile(staff, 0.50), 2),
        "staff_p95_ms": round(percentile(staff, 0.95), 2),
        "hits_per_query": totals,
        "median_ms_per_query": {q: round(statistics.median(t), 1) for q, t in per_query.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--adapters", default="sqlite,elasticsearch")
    parser.add_argument(
        "--keep-dir",
        help="write the SQLite indexes here and keep them (for load_bench.py --search-url)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="query the SQLite indexes --keep-dir holds without loading them again "
        "(old and new code side by side on the same pages)",
    )
    parser.add_argument(
        "--kind",
        default="dense",
        choices=["dense", "grid", "roster", "light", "blank", "mixed"],
        help="the pages: this bench's filed records, or district_bench's kind",
    )
    args = parser.parse_args()
    # The records' index keeps its old name, so --reuse finds the indexes earlier runs kept.
    suffix = "" if args.kind == "dense" else f"-{args.kind}"
    es_url = os.environ.get("ARCHIVE_TEST_ELASTICSEARCH_URL")
    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep_dir or scratch
        Path(tmp).mkdir(parents=True, exist_ok=True)
        for size in (int(s) for s in args.sizes.split(",")):
            for adapter in args.adapters.split(","):
                if adapter == "sqlite":
                    index = open_index(f"sqlite:///{tmp}/search-{size}{suffix}.sqlite3")
                else:
                    if not es_url:
                        sys.exit(
                            "ARCHIVE_TEST_ELASTICSEARCH_URL is not set: scripts/services.sh up"
                        )
                    index = open_index(f"{es_url}/bench-{size}{suffix}")
                row = {
                    "adapter": adapter,
                    **measure(index, size, args.rounds, args.reuse, args.kind),
                }
                if adapter == "elasticsearch":
                    es = index.es  # type: ignore[attr-defined]
                    es.indices.delete(index=f"{index.prefix}-pages-*")  # type: ignore[attr-defined]
                results.append(row)
                speed = row["pages_per_second"] or "(kept)"
                print(
                    f"{adapter:14} {size:>7} {args.kind} pages: index {speed:>8} pages/s; "
                    f"search p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms, "
                    f"max {row['max_ms']} ms over {row['queries']} queries; "
                    f"as staff (access filter) p50 {row['staff_p50_ms']} ms, "
                    f"p95 {row['staff_p95_ms']} ms",
                    flush=True,
                )
    write_results("search", args.rounds, results)


if __name__ == "__main__":
    main()
