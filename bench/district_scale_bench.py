"""Benchmark: a district's archive at full scale on Elasticsearch (issue 26, point 7).

1 000 000 pages by default: 30 schools of about 33 000 pages each, search_bench's filed
corpus (twelve kinds of school record, 10 pages a document; pupils' surnames and names,
classes 1–11 with letters А–Г, school years 2015/2016–2025/2026, marks, dates), each
document given to a school in turn. It is loaded through `rebuild`, the bulk path of
`archive reindex`, and the figures are:

- indexing pages/s, and the index's size on disk once Elasticsearch's merges after the
  load have ended and it has flushed (primaries; the test server keeps no replica);
- search p50/p95 (20 hits, their page snippets and the facets, as the search page asks)
  for 20 Russian queries, each asked three ways in every round: as a district role
  (the access filter only), as a school's staff (access and their school) and as a
  class teacher (access, their school and their class, a different school and class
  each time). Target: p95 < 100 ms each way, warm;
- cold: for the first --cold queries, the same query as a school's staff and as the
  district, each the first query of a fresh process after the page cache is dropped
  (as root) and the server's caches are cleared (district_bench's method).

Each server given with --servers is measured in the same run, one after the other on
the same pages: `9` at ARCHIVE_TEST_ELASTICSEARCH_URL, `8` (the 8.19 line) at
ARCHIVE_TEST_ELASTICSEARCH8_URL; scripts/services.sh up elasticsearch elasticsearch8.

`--kind grid|roster|light|blank|mixed` takes district_bench's pages of that kind instead
(an e-journal grid, a class's grid from a school's own roster, a form, duplex scans
with blank backs, or a mix of all), each document filed with a school, a class and a
school year.

Run: .venv/bin/python bench/district_scale_bench.py [--pages 1000000] [--schools 30]
     [--rounds 5] [--servers 9] [--cold 10] [--kind dense]
Prints a line per server and way, and writes bench/results/district-scale-<date>.json.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from district_bench import cold, drop_page_cache, kind_pages, settle, timed  # noqa: E402
from search_bench import QUERIES, corpus, percentile, write_results  # noqa: E402

from search import IndexedDocument, open_index  # noqa: E402
from search.elasticsearch import ElasticsearchIndex  # noqa: E402

# search_bench's 19 and a pupil's name in another case, as a secretary types it.
DISTRICT_QUERIES = [*QUERIES, "Петрова Ивана"]
SERVERS = {"9": "ARCHIVE_TEST_ELASTICSEARCH_URL", "8": "ARCHIVE_TEST_ELASTICSEARCH8_URL"}
CLASSES = [f"{grade}{letter}" for grade in range(1, 12) for letter in "АБВГ"]


def district_corpus(pages: int, schools: int, kind: str = "dense") -> Iterator[IndexedDocument]:
    """search_bench's filed documents (`dense`), or district_bench's pages of a kind
    (grid, light, blank backs, mixed) filed alike: each given to one of the schools in
    turn, with a class and a school year."""
    if kind == "dense":
        for n, document in enumerate(corpus(pages)):
            yield replace(document, facets={**document.facets, "school": [str(n % schools + 1)]})
        return
    filing = random.Random(20261206)
    for n, document in enumerate(kind_pages(kind, pages)):
        year = filing.randint(2015, 2025)
        facets = {
            "year": [f"{year}/{year + 1}"],
            "class": [filing.choice(CLASSES)],
            "school": [str(n % schools + 1)],
            "access": ["general"],
        }
        yield replace(document, facets=facets)


def ways(turn: int, schools: int) -> dict[str, dict[str, object]]:
    """The three people who ask: a district role, a school's staff, a class teacher."""
    school = str(turn % schools + 1)
    class_label = CLASSES[(turn * 7) % len(CLASSES)]
    return {
        "district": {"access": ["general"]},
        "school": {"access": ["general"], "school": [school]},
        "class_teacher": {"access": ["general"], "school": [school], "class": [class_label]},
    }


def store_bytes(index: ElasticsearchIndex) -> int:
    stats = index.es.indices.stats(index=index.read_alias, metric="store")
    return int(stats["_all"]["primaries"]["store"]["size_in_bytes"])


def server_state(index: ElasticsearchIndex) -> dict[str, int]:
    """The index's segments and merges, and the node's garbage collections so far."""
    stats = index.es.indices.stats(index=index.read_alias, metric="segments,merge").body
    total = stats["_all"]["total"]
    state = {
        "segments": total["segments"]["count"],
        "merges_now": total["merges"]["current"],
        "merges_done": total["merges"]["total"],
    }
    for node in index.es.nodes.stats(metric="jvm").body["nodes"].values():
        for name, gc in node["jvm"]["gc"]["collectors"].items():
            state[f"gc_{name}_count"] = gc["collection_count"]
            state[f"gc_{name}_ms"] = gc["collection_time_in_millis"]
    return state


def measure(
    url: str, pages: int, schools: int, rounds: int, cold_queries: int, kind: str = "dense"
) -> dict[str, object]:
    index = open_index(url)
    assert isinstance(index, ElasticsearchIndex)
    server = index.es.cluster.stats().body["nodes"]["versions"][0]
    started = time.perf_counter()
    documents = index.rebuild(district_corpus(pages, schools, kind))
    load_s = time.perf_counter() - started
    settle(index, patience_s=900)
    size = store_bytes(index)
    cold_start = cold(url, schools, cold_queries) if cold_queries else None
    # Warm, as a running server is: each query once each way, so that the timed rounds
    # do not pay for the first search with each way's filters (round 0's district
    # searches were the slowest ten of a run after a warm-up without filters).
    for q, query in enumerate(DISTRICT_QUERIES):
        for filters in ways(q, schools).values():
            index.search(query, limit=20, filters=filters)  # type: ignore[arg-type]
    before = server_state(index)
    samples: list[tuple[float, str, int, str]] = []
    latencies: dict[str, list[float]] = {"district": [], "school": [], "class_teacher": []}
    per_query: dict[str, dict[str, list[float]]] = {w: {} for w in latencies}
    totals: dict[str, dict[str, int]] = {w: {} for w in latencies}
    for r in range(rounds):
        for q, query in enumerate(DISTRICT_QUERIES):
            for way, filters in ways(r * len(DISTRICT_QUERIES) + q, schools).items():
                ms = timed(index, query, filters)
                samples.append((ms, way, r, query))
                latencies[way].append(ms)
                per_query[way].setdefault(query, []).append(ms)
                if r == 0:
                    result = index.search(query, limit=20, filters=filters)  # type: ignore[arg-type]
                    totals[way][query] = result.total
    row: dict[str, object] = {
        "server": server,
        "kind": kind,
        "pages": pages,
        "documents": documents,
        "schools": schools,
        "index_seconds": round(load_s, 1),
        "pages_per_second": round(pages / load_s, 1),
        "store_bytes": size,
        "store_mb": round(size / 2**20, 1),
        "bytes_per_page": round(size / pages, 1),
        "queries_per_way": len(latencies["district"]),
        "cold": cold_start,
        # What the slowest searches met: which round and query, and how the server's
        # merging and garbage collection moved while the searches ran.
        "slowest": [
            {"ms": round(ms, 1), "way": way, "round": r, "query": query}
            for ms, way, r, query in sorted(samples, reverse=True)[:10]
        ],
        "server_before": before,
        "server_after": server_state(index),
    }
    for way, values in latencies.items():
        row[f"{way}_p50_ms"] = round(percentile(values, 0.5), 2)
        row[f"{way}_p95_ms"] = round(percentile(values, 0.95), 2)
        row[f"{way}_max_ms"] = round(max(values), 2)
        row[f"{way}_median_ms_per_query"] = {
            q: round(sorted(v)[len(v) // 2], 1) for q, v in per_query[way].items()
        }
        row[f"{way}_documents_found"] = totals[way]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=int, default=1_000_000)
    parser.add_argument("--schools", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--servers", default="9", help="comma-separated: 9, 8")
    parser.add_argument("--cold", type=int, default=10, help="cold query pairs (0: none)")
    parser.add_argument("--keep", action="store_true", help="leave the index for a later look")
    parser.add_argument(
        "--kind",
        default="dense",
        choices=["dense", "grid", "roster", "light", "blank", "mixed"],
        help="the pages: search_bench's filed records, or district_bench's kind",
    )
    args = parser.parse_args()
    results = []
    for line in args.servers.split(","):
        base = os.environ.get(SERVERS[line])
        if not base:
            sys.exit(f"{SERVERS[line]} is not set: scripts/services.sh up, source .services/env")
        url = f"{base.rstrip('/')}/bench-district-scale"
        row = measure(url, args.pages, args.schools, args.rounds, args.cold, args.kind)
        if not args.keep:
            index = open_index(url)
            index.es.indices.delete(index=f"{index.prefix}-pages-*")  # type: ignore[attr-defined]
            drop_page_cache()
        results.append(row)
        print(
            f"Elasticsearch {row['server']}: {args.pages} pages indexed at "
            f"{row['pages_per_second']} pages/s, {row['store_mb']} MB on disk "
            f"({row['bytes_per_page']} bytes a page)",
            flush=True,
        )
        for way in ("district", "school", "class_teacher"):
            print(
                f"  {way:13} p50 {row[f'{way}_p50_ms']} ms, p95 {row[f'{way}_p95_ms']} ms, "
                f"max {row[f'{way}_max_ms']} ms over {row['queries_per_way']} queries",
                flush=True,
            )
        if row["cold"]:
            c = row["cold"]
            print(
                f"  cold median: district {c['district_median_ms']} ms, "  # type: ignore[index]
                f"school {c['school_median_ms']} ms ({c['page_cache']})",  # type: ignore[index]
                flush=True,
            )
    write_results("district-scale", args.rounds, results)


if __name__ == "__main__":
    main()
