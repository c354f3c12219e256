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


FILTERS = [
    {"access": "general"},  # most documents: taken out by what it leaves out
    {"year": ["2021", "2022"]},  # most: the other years and no year at all left out
    {"year": "2022"},  # few: kept by its own value
    {"class": "5А", "access": "general"},
    {"pupil": ["Иванов"]},  # several a document: always by its own values
    {"pupil": ["П3", "П4"], "year": ["2020", "2021"]},
    {"kind": []},  # no value allowed: nothing
]


def holds(facets: dict[str, list[str]], filters: dict[str, str | list[str]]) -> bool:
    for name, allowed in filters.items():
        wanted = {allowed} if isinstance(allowed, str) else set(allowed)
        if not wanted & set(facets.get(name, [])):
            return False
    return True


@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_a_filter_keeps_exactly_the_documents_holding_an_allowed_value(
    tmp_path: Path, filters: dict[str, str | list[str]]
) -> None:
    """A filter true of most documents is matched as NOT the facet's other values nor
    its absence; documents without the facet, with another value, with health data, or
    with several pupils must come out as the plain rule says, with counts to match."""
    index = SqliteSearchIndex(tmp_path / "search.sqlite3")
    docs: dict[str, tuple[str, dict[str, list[str]]]] = {}
    for n in range(12):
        facets = {
            "access": ["health" if n == 5 else "general"],
            "class": [f"{5 + n % 2}А"],
            "pupil": ["Иванов", f"П{n}"],
        }
        if n % 6:  # every sixth not yet filed under a year
            facets["year"] = [f"{2020 + n % 3}"]
        docs[f"d{n}"] = ("зачёт ведомость", facets)
        index.index_document(
            IndexedDocument(
                f"d{n}", f"d{n}.pdf", f"Д {n}", [IndexedPage(1, "зачёт ведомость")], facets=facets
            )
        )
    kept = {key for key, (_, facets) in docs.items() if holds(facets, filters)}

    result = index.search("зачёт", limit=50, filters=filters)

    assert {hit.id for hit in result.hits} == kept
    assert result.total == len(kept)
    assert result.facets == brute_facets({k: docs[k] for k in kept}, "зачёт")


def test_a_filter_true_of_most_documents_is_said_by_what_it_leaves_out(tmp_path: Path) -> None:
    index = SqliteSearchIndex(tmp_path / "search.sqlite3")
    for n in range(4):
        access = ["health" if n == 0 else "general"]
        index.index_document(
            IndexedDocument(f"d{n}", "d.pdf", "Д", [IndexedPage(1, "зачёт")], {"access": access})
        )
    with index._connect() as db:
        assert index._narrowing(db, {"access": "general"}, 4) == (
            "",
            f"{sqlite_fts.facet_token('access', 'health')} OR "
            f"{sqlite_fts.facet_token('access', sqlite_fts.NO_VALUE)}",
        )
        assert index._narrowing(db, {"access": "health"}, 4)[0].startswith("scope : (")


def test_a_query_never_meets_a_filter_token(tmp_path: Path) -> None:
    """The query's words are matched in every column, the filters' scope too: no word a
    person types, whole or as a beginning, may be one of its tokens."""
    index = SqliteSearchIndex(tmp_path / "search.sqlite3")
    facets = {"class": ["5А"], "year": ["2020/2021"], "access": ["general"]}
    index.index_document(
        IndexedDocument("d", "d.pdf", "Ведомость", [IndexedPage(1, "зачёт")], facets=facets)
    )
    tokens = [
        sqlite_fts.facet_token(name, value) for name, values in facets.items() for value in values
    ] + [sqlite_fts.facet_token("school", sqlite_fts.NO_VALUE)]

    for token in tokens:
        for typed in (token, token.lstrip("_"), token[:6] + "*", token[1:6] + "*"):
            assert index.search(typed).total == 0, typed
    assert index.search("зачёт", filters={"class": "5А"}).total == 1
