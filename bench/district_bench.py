"""Benchmark: search in a district archive of 30 schools, with the school filter a
school's people always get against without it (a district role), on both adapters.

The pages come in the kinds a school scans, each kind an index of its own, and a mix:
  dense   search_bench's pages: a record kind's headings and 14 rows about pupils;
  grid    an e-journal's or a register's grid as OCR reads it: 30 rows of a pupil's name
          and a run of marks and dates, little else;
  light   a form: its headings and two filled lines;
  blank   duplex scans: every second page a blank back (no text, or a speck read as a
          dash), the others light forms;
  mixed   each page one of the above (dense 40 %, grid 20 %, light 25 %, blank 15 %).
Each document is given to one of the schools in turn and marked "general" access, as
the index holds them. Each query of search_bench runs twice per round, interleaved:
once as a district role asks it (access filter only), once as a school's people do
(access and their school, a different school each time).

Cold start: once the index is at rest (Elasticsearch's merges after the load ended),
and each query was asked once both ways (the VM's host caches what the guest read,
out of drop_caches' reach: this evens it out), for each of the first --cold queries
(10), the same query both ways, each as the first query of a fresh process after
the OS page cache is dropped (and, for Elasticsearch, its request, query and field
caches cleared): the figure a school's first search of the morning sees. Root is
needed to drop the page cache; without it the cold figures say "page cache kept".

The target (issue 29): p95 with the school filter no worse than without, on every kind.

Elasticsearch must be running for its half: scripts/services.sh up elasticsearch.

Run: .venv/bin/python bench/district_bench.py [--pages 30000] [--schools 30] [--rounds 5]
     [--adapters sqlite,elasticsearch] [--kinds dense,grid,light,blank,mixed]
Prints a table and writes bench/results/district-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_bench import (  # noqa: E402
    KINDS,
    MONTHS,
    NAMES,
    QUERIES,
    SURNAMES,
    corpus,
    page_text,
    percentile,
    write_results,
)

from search import IndexedDocument, IndexedPage, SearchIndex, open_index  # noqa: E402

COLD_QUERIES = 10
MIX = [("dense", 40), ("grid", 20), ("light", 25), ("blank", 15)]


def grid_text(rng: random.Random) -> str:
    """A grid page as OCR gives it: a title line, then a pupil and a run of cells."""
    dates = " ".join(f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}" for _ in range(12))
    rows = [
        f"{n} {rng.choice(SURNAMES)} {rng.choice(NAMES)} "
        + " ".join(rng.choice(["5", "4", "3", "2", "н", "."]) for _ in range(18))
        for n in range(1, 31)
    ]
    return "\n".join([page_text(rng, rng.choice(KINDS)).splitlines()[0], dates, *rows])


ROSTER_SURNAMES = 599  # a school of ~1 100 pupils has some 600 surnames
CLASS_SIZE = 25


def school_surnames(count: int = ROSTER_SURNAMES) -> list[str]:
    """A school's surnames: search_bench's 23 (the ones the queries name), and the rest
    made as Russian surnames are made (a root, a syllable, «-ов/-ев/-ин»), so each stems
    and declines as a real one does."""
    roots = ["Бел", "Кор", "Мал", "Сав", "Тар", "Вол", "Гор", "Лук", "Мор", "Рог", "Дуб", "Жук"]
    middles = ["", "ан", "ял", "ын", "ош", "ик", "ен", "ач", "уг", "ер", "од", "ит"]
    ends = ["ов", "ев", "ин", "цов"]
    made = [r + m + e for r in roots for m in middles for e in ends]
    rng = random.Random(20261207)
    rng.shuffle(made)
    return SURNAMES + made[: count - len(SURNAMES)]


def roster_grid_text(rng: random.Random, classes: list[list[str]]) -> str:
    """A grid page as OCR gives it, for one class of the school: its own pupils, each
    on every grid page of that class, as a real journal lists them."""
    dates = " ".join(f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}" for _ in range(12))
    pupils = rng.choice(classes)
    rows = [
        f"{n} {pupil} " + " ".join(rng.choice(["5", "4", "3", "2", "н", "."]) for _ in range(18))
        for n, pupil in enumerate(pupils, start=1)
    ]
    return "\n".join([page_text(rng, rng.choice(KINDS)).splitlines()[0], dates, *rows])


def school_classes(rng: random.Random, count: int = 44) -> list[list[str]]:
    """44 classes (1–11, А–Г) of CLASS_SIZE pupils, surnames from `school_surnames`."""
    surnames = school_surnames()
    return [
        [f"{rng.choice(surnames)} {rng.choice(NAMES)}" for _ in range(CLASS_SIZE)]
        for _ in range(count)
    ]


def light_text(rng: random.Random) -> str:
    """A form: its headings and two filled lines (a name, a date)."""
    heading = page_text(rng, rng.choice(KINDS)).splitlines()[0]
    return "\n".join(
        [
            heading,
            f"Фамилия, имя: {rng.choice(SURNAMES)} {rng.choice(NAMES)}",
            f"Дата: {rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2015, 2025)} г.",
        ]
    )


def blank_text(rng: random.Random, number: int) -> str:
    """A duplex scan: the back (even page) is blank, or a speck OCR read as a dash."""
    if number % 2 == 0:
        return rng.choice(["", "", "—", "."])
    return light_text(rng)


def kind_pages(kind: str, pages: int, seed: int = 20261205) -> Iterator[IndexedDocument]:
    """The `dense` corpus is search_bench's own; the others are made page by page."""
    if kind == "dense":
        yield from corpus(pages)
        return
    rng = random.Random(seed)
    classes = school_classes(random.Random(seed + 1))
    makers = {
        "grid": lambda n: grid_text(rng),
        "roster": lambda n: roster_grid_text(rng, classes),
        "light": lambda n: light_text(rng),
        "blank": lambda n: blank_text(rng, n),
    }
    per_document = 10
    for d in range(pages // per_document):
        texts = []
        for n in range(1, per_document + 1):
            chosen = kind
            if kind == "mixed":
                chosen = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
            texts.append(
                page_text(rng, rng.choice(KINDS)) if chosen == "dense" else makers[chosen](n)
            )
        yield IndexedDocument(
            id=f"{kind}{d:07d}",
            filename=f"scan-{d:07d}.pdf",
            title=f"Документ {d}",
            pages=[IndexedPage(n, t) for n, t in enumerate(texts, start=1)],
            heading=f"Документ {d}\nscan-{d:07d}",
        )


def district_corpus(kind: str, pages: int, schools: int) -> Iterator[IndexedDocument]:
    for n, document in enumerate(kind_pages(kind, pages)):
        school = str(n % schools + 1)
        yield replace(document, facets={"school": [school], "access": ["general"]})


def drop_page_cache() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def cold_probe(url: str, query: str, filters: dict[str, object]) -> float:
    """One first query in a fresh process (this script with --probe): its ms."""
    done = subprocess.run(
        [sys.executable, __file__, "--probe", url, query, json.dumps(filters)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip())


def cold(url: str, schools: int, samples: int = COLD_QUERIES) -> dict[str, object]:
    """The same query both ways, each the first of a fresh process on cold caches."""
    district: list[float] = []
    school: list[float] = []
    dropped = True
    # Each query once both ways first: this VM's host keeps in its own cache what the
    # guest reads, which drop_caches cannot empty, so without this the way that first
    # touches a block pays a disk read the other never does (the school's hits are
    # other documents for every query): a difference of the VM, not of the filter.
    index = open_index(url)
    for q, query in enumerate(QUERIES[:samples]):
        own = str(q % schools + 1)
        index.search(query, limit=20, filters={"access": "general"})
        index.search(query, limit=20, filters={"access": "general", "school": [own]})
    for q, query in enumerate(QUERIES[:samples]):
        own = str(q % schools + 1)
        # Which way goes first alternates, so neither always follows the other's reads.
        ways: list[tuple[str, dict[str, object]]] = [
            ("district", {"access": "general"}),
            ("school", {"access": "general", "school": [own]}),
        ]
        for way, filters in ways if q % 2 == 0 else reversed(ways):
            dropped = drop_page_cache() and dropped
            if not url.startswith("sqlite"):
                open_index(url).es.indices.clear_cache(index="*")  # type: ignore[attr-defined]
            (district if way == "district" else school).append(cold_probe(url, query, filters))
    return {
        "queries": samples,
        "page_cache": "dropped" if dropped else "kept (not root)",
        "district_ms": [round(x, 1) for x in district],
        "school_ms": [round(x, 1) for x in school],
        "district_median_ms": round(sorted(district)[len(district) // 2], 1),
        "school_median_ms": round(sorted(school)[len(school) // 2], 1),
        "pairs_school_not_slower": sum(1 for d, s in zip(district, school, strict=True) if s <= d),
    }


def settle(index: SearchIndex, patience_s: float = 300) -> None:
    """Wait for Elasticsearch's merges after the bulk load to end, then flush (as ES
    does itself to a shard idle for five minutes): a school's first search of the
    morning meets an index at rest, not one still merging and committing, whose disk
    traffic made a run's cold figures follow whichever way came when."""
    es = getattr(index, "es", None)
    if es is None:
        return
    alias = index.read_alias  # type: ignore[attr-defined]
    deadline = time.monotonic() + patience_s
    es.indices.refresh(index=alias)
    quiet = 0  # merges start a while after the last refresh: wait for 10 s without one
    while time.monotonic() < deadline and quiet < 10:
        merges = es.indices.stats(index=alias, metric="merge")["_all"]["total"]["merges"]
        quiet = quiet + 1 if merges["current"] == 0 else 0
        time.sleep(1)
    es.indices.flush(index=alias)


def timed(index: SearchIndex, query: str, filters: dict[str, object]) -> float:
    started = time.perf_counter()
    index.search(query, limit=20, filters=filters)  # type: ignore[arg-type]
    return (time.perf_counter() - started) * 1000


def measure(
    url: str, kind: str, pages: int, schools: int, rounds: int, cold_queries: int
) -> dict[str, object]:
    index = open_index(url)
    started = time.perf_counter()
    documents = index.rebuild(district_corpus(kind, pages, schools))
    load_s = time.perf_counter() - started
    settle(index)
    cold_start = cold(url, schools, cold_queries)
    for query in QUERIES:  # warm, as a running server is
        index.search(query)
    district: list[float] = []
    school: list[float] = []
    for r in range(rounds):
        for q, query in enumerate(QUERIES):
            own = str((r * len(QUERIES) + q) % schools + 1)
            district.append(timed(index, query, {"access": "general"}))
            school.append(timed(index, query, {"access": "general", "school": [own]}))
    p95_district = percentile(district, 0.95)
    p95_school = percentile(school, 0.95)
    return {
        "kind": kind,
        "pages": pages,
        "documents": documents,
        "schools": schools,
        "index_seconds": round(load_s, 2),
        "cold": cold_start,
        "queries": len(district),
        "district_p50_ms": round(percentile(district, 0.5), 2),
        "district_p95_ms": round(p95_district, 2),
        "school_p50_ms": round(percentile(school, 0.5), 2),
        "school_p95_ms": round(p95_school, 2),
        "p95_ratio_school_to_district": round(p95_school / p95_district, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=int, default=30_000)
    parser.add_argument("--schools", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--adapters", default="sqlite,elasticsearch")
    parser.add_argument("--kinds", default="dense,grid,light,blank,mixed")
    parser.add_argument("--cold", type=int, default=COLD_QUERIES, help="cold query pairs")
    parser.add_argument("--probe", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:  # a fresh process's first query, for cold()
        url, query, filters = args.probe
        print(timed(open_index(url), query, json.loads(filters)))
        return
    es_url = os.environ.get("ARCHIVE_TEST_ELASTICSEARCH_URL")
    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.kinds.split(","):
            for adapter in args.adapters.split(","):
                if adapter == "sqlite":
                    url = f"sqlite:///{tmp}/district-{kind}.sqlite3"
                else:
                    if not es_url:
                        sys.exit(
                            "ARCHIVE_TEST_ELASTICSEARCH_URL is not set: scripts/services.sh up"
                        )
                    url = f"{es_url}/bench-district"
                measured = measure(url, kind, args.pages, args.schools, args.rounds, args.cold)
                row = {"adapter": adapter, **measured}
                if adapter == "elasticsearch":
                    index = open_index(url)
                    index.es.indices.delete(index=f"{index.prefix}-pages-*")  # type: ignore[attr-defined]
                else:
                    Path(url.removeprefix("sqlite:///")).unlink()
                results.append(row)
                c = row["cold"]
                print(
                    f"{kind:6} {adapter:14} {args.pages} pages: p95 district "
                    f"{row['district_p95_ms']} ms, school {row['school_p95_ms']} ms "
                    f"(ratio {row['p95_ratio_school_to_district']}); cold median district "
                    f"{c['district_median_ms']} ms, school {c['school_median_ms']} ms "
                    f"({c['pairs_school_not_slower']}/{c['queries']} pairs not slower)",
                    flush=True,
                )
    write_results("district", args.rounds, results)


if __name__ == "__main__":
    main()
