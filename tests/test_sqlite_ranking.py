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
