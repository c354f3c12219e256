"""SQLite FTS5 ranks a very common query among its newest pages (bm25 costs FTS5 a
lookup per page it orders); the count, the facets and paging stay whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from search import IndexedDocument, IndexedPage, sqlite_fts
from search.sqlite_fts import SqliteSearchIndex


def indexed(tmp_path: Path) -> SqliteSearchIndex:
    """Six one-page documents on «зачёт», oldest first; the oldest says it six times, so
    bm25 puts it first of all."""
    index = SqliteSearchIndex(tmp_path / "search.sqlite3")
    for n in range(6):
        words = "зачёт " * (6 if n == 0 else 1) + f"ведомость лист {n}"
        index.index_document(
            IndexedDocument(
                f"d{n}", f"d{n}.pdf", f"Ведомость {n}", [IndexedPage(1, words)],
                facets={"year": ["2020/2021"]},
            )
        )  # fmt: skip
    return index


def test_a_query_within_the_ranked_pages_is_ranked_whole(tmp_path: Path) -> None:
    assert indexed(tmp_path).search("зачёт").hits[0].id == "d0"


def test_a_query_matching_more_pages_than_are_ranked_still_counts_and_lists_them_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_fts, "RANKED_PAGES", 4)
    index = indexed(tmp_path)

    result = index.search("зачёт", limit=10)
    assert result.total == 6
    assert result.facets["year"] == {"2020/2021": 6}
    ids = [hit.id for hit in result.hits]
    assert set(ids[:4]) == {"d2", "d3", "d4", "d5"}, "the newest four, by bm25"
    assert ids[4:] == ["d1", "d0"], "then those further back, newest first"

    paged = [hit.id for at in (0, 2, 4) for hit in index.search("зачёт", 2, at).hits]
    assert paged == ids, "paging walks the same order, each document once"


def brute_facets(docs: dict[str, tuple[str, dict[str, list[str]]]], word: str) -> dict:
    counts: dict[str, dict[str, int]] = {}
    for text, facets in docs.values():
        if word in text:
            for name, values in facets.items():
                for value in values:
                    counts.setdefault(name, {}).setdefault(value, 0)
                    counts[name][value] += 1
    return counts


@pytest.mark.parametrize("matching", [1, 4, 7, 10], ids=lambda n: f"{n}-of-10")
def test_facets_count_the_matching_documents_however_many_match(
    tmp_path: Path, matching: int
) -> None:
    """Few, some or nearly all of the index matching take three different ways to the
    counts (a word in nearly every document counts the misses against standing totals);
    after documents are re-filed and deleted, every way still gives the plain count."""
    index = SqliteSearchIndex(tmp_path / "search.sqlite3")
    docs: dict[str, tuple[str, dict[str, list[str]]]] = {}

    def put(n: int, year: str, text: str) -> None:
        facets = {"year": [year], "class": [f"{5 + n % 3}А"], "pupil": ["Иванов", f"П{n}"]}
        docs[f"d{n}"] = (text, facets)
        index.index_document(
            IndexedDocument(f"d{n}", f"d{n}.pdf", f"Д {n}", [IndexedPage(1, text)], facets=facets)
        )

    for n in range(10):
        put(n, f"20{20 + n % 2}", "зачёт ведомость" if n < matching else "ведомость")
    put(0, "2030", docs["d0"][0])  # re-filed under another year
    index.delete_document("d9")
    del docs["d9"]
    put(10, "2020", "ведомость")  # one more that does not match

    result = index.search("зачёт")
    assert result.total == sum("зачёт" in text for text, _ in docs.values())
    assert result.facets == brute_facets(docs, "зачёт")
    assert next(iter(result.facets["pupil"])) == "Иванов", "most first"
