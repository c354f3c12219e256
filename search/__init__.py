"""The search port and its adapters. The index is derived: it can always be rebuilt."""

from __future__ import annotations

from search.port import IndexedDocument, IndexedPage, PageHit, SearchHit, SearchIndex, SearchResult


def open_index(url: str) -> SearchIndex:
    """Return the adapter for ARCHIVE_SEARCH_URL (sqlite:///PATH today)."""
    if url.startswith("sqlite:///"):
        from search.sqlite_fts import SqliteSearchIndex

        return SqliteSearchIndex(url.removeprefix("sqlite:///"))
    raise ValueError(f"Неизвестный адрес поискового индекса: {url!r}")


__all__ = [
    "IndexedDocument",
    "IndexedPage",
    "PageHit",
    "SearchHit",
    "SearchIndex",
    "SearchResult",
    "open_index",
]
