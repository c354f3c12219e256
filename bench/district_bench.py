"""Benchmark: search in a district archive of 30 schools, with the school filter a
school's people always get against without it (a district role), on both adapters.

The corpus is search_bench's (twelve kinds of school record, Russian rows about pupils),
each document given to one of the schools in turn and marked "general" access, as the
index holds them. Each query of search_bench runs twice per round, interleaved: once as
a district role asks it (access filter only), once as a school's people do (access and
their school, a different school each time). Cold: the first query on an index opened
afresh. The target (issue 29): p95 with the school filter no worse than without.

Elasticsearch must be running for its half: scripts/services.sh up elasticsearch.

Run: .venv/bin/python bench/district_bench.py [--pages 30000] [--schools 30] [--rounds 5]
     [--adapters sqlite,elasticsearch]
Prints a table and writes bench/results/district-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_bench import QUERIES, corpus, percentile  # noqa: E402

from search import IndexedDocument, SearchIndex, open_index  # noqa: E402


def district_corpus(pages: int, schools: int) -> Iterator[IndexedDocument]:
    for n, document in enumerate(corpus(pages)):
        school = str(n % schools + 1)
        yield replace(document, facets={"school": [school], "access": ["general"]})


def timed(index: SearchIndex, query: str, filters: dict[str, object]) -> float:
    started = time.perf_counter()
    index.search(query, limit=20, filters=filters)  # type: ignore[arg-type]
    return (time.perf_counter() - started) * 1000


def measure(url: str, pages: int, schools: int, rounds: int) -> dict[str, object]:
    index = open_index(url)
    started = time.perf_counter()
    documents = index.rebuild(district_corpus(pages, schools))
    load_s = time.perf_counter() - started
    cold_index = open_index(url)  # a process that has not searched yet
    cold_district = timed(cold_index, QUERIES[0], {"access": "general"})
    cold_school = timed(cold_index, QUERIES[1], {"access": "general", "school": ["7"]})
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
        "pages": pages,
        "documents": documents,
        "schools": schools,
        "index_seconds": round(load_s, 2),
        "cold_first_query_ms": {
            "district": round(cold_district, 2),
            "school": round(cold_school, 2),
        },
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
    args = parser.parse_args()
    es_url = os.environ.get("ARCHIVE_TEST_ELASTICSEARCH_URL")
    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for adapter in args.adapters.split(","):
            if adapter == "sqlite":
                url = f"sqlite:///{tmp}/district.sqlite3"
            else:
                if not es_url:
                    sys.exit("ARCHIVE_TEST_ELASTICSEARCH_URL is not set: scripts/services.sh up")
                url = f"{es_url}/bench-district"
            row = {"adapter": adapter, **measure(url, args.pages, args.schools, args.rounds)}
            if adapter == "elasticsearch":
                index = open_index(url)
                index.es.indices.delete(index=f"{index.prefix}-pages-*")  # type: ignore[attr-defined]
            results.append(row)
            print(
                f"{adapter:14} {args.pages} pages, {args.schools} schools: p95 district "
                f"{row['district_p95_ms']} ms, with the school filter {row['school_p95_ms']} ms "
                f"(ratio {row['p95_ratio_school_to_district']}); cold first query "
                f"{row['cold_first_query_ms']}",
                flush=True,
            )
    out = ROOT / "bench" / "results" / f"district-{datetime.now(UTC):%Y%m%d-%H%M}.json"
    out.write_text(
        json.dumps(
            {"cores": os.cpu_count(), "rounds": args.rounds, "results": results},
            ensure_ascii=False,
            indent=2,
        )
    )
    print(f"→ {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
