"""The search port and its adapters. The index is derived: it can always be rebuilt."""

from __future__ import annotations

from search.port import (
    IndexedDocument,
    IndexedPage,
    PageHit,
    SearchError,
    SearchHit,
    SearchIndex,
    SearchResult,
    SearchUnavailable,
)


def open_index(url: str) -> SearchIndex:
    """The adapter for ARCHIVE_SEARCH_URL: sqlite:///PATH (embedded) or
    http(s)://HOST:PORT/PREFIX (Elasticsearch, scaled)."""
    if url.startswith("sqlite:///"):
        from search.sqlite_fts import SqliteSearchIndex

        return SqliteSearchIndex(url.removeprefix("sqlite:///"))
    if url.startswith(("http://", "https://")):
        from search.elasticsearch import ElasticsearchIndex

        return ElasticsearchIndex.from_url(url)
    raise SearchError(
        f"Неизвестный адрес поискового индекса: {url!r} "
        "(ожидается sqlite:///ПУТЬ или http://ХОСТ:ПОРТ/ПРЕФИКС)"
    )


__all__ = [
    "IndexedDocument",
    "IndexedPage",
    "PageHit",
    "SearchError",
    "SearchHit",
    "SearchIndex",
    "SearchResult",
    "SearchUnavailable",
    "open_index",
]
