"""Search on Elasticsearch: the scaled mode.

One index entry per document with its pages nested in it, so a hit is a document and
says which pages matched, with page-level highlights, while totals and facets count
documents. The analysis chain and the fields are `search.es_mapping`; the queries,
`search.es_queries`.

The index is versioned (MAPPING_VERSION) and reached only through two aliases, read and
write. `rebuild` fills a new index from the catalog while the old one keeps answering,
then swaps the aliases: a reindex needs no downtime.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from search.es_client import (
    API_ERRORS,
    BAD_REQUEST,
    ERRORS,
    NOT_FOUND,
    Elasticsearch,
    TransportError,
    connect,
    streaming_bulk,
)
from search.es_mapping import MAPPING_VERSION, MAPPINGS, document_action, index_settings
from search.es_queries import facet_counts, page_hits, search_body
from search.port import (
    Filters,
    IndexedDocument,
    SearchError,
    SearchHit,
    SearchResult,
    SearchUnavailable,
)
from search.query import parse_query

log = logging.getLogger(__name__)

BULK_CHUNK = 200  # documents, each with all its pages (up to 100 MB a request)
BULK_RETRIES = 8  # on 429 "too many requests", with exponential backoff
# A request failed, or the write alias points nowhere (an index removed by hand).
UNREADABLE: tuple[type[Exception], ...] = (*ERRORS, IndexError)


def _explain(exc: Exception, what: str) -> SearchError:
    if isinstance(exc, API_ERRORS):
        reason = exc.message
        with contextlib.suppress(KeyError, IndexError, TypeError):
            reason = exc.body["error"]["root_cause"][0]["reason"]
        status = exc.meta.status
        if status == 503:  # starting, or no primary shard yet: it will answer
            return SearchUnavailable(f"{what}: Elasticsearch ответил {status}: {reason}")
        return SearchError(f"{what}: Elasticsearch ответил {status}: {reason}")
    if isinstance(exc, TransportError):
        return SearchUnavailable(f"{what}: Elasticsearch недоступен ({exc})")
    return SearchError(f"{what}: {exc}")


class ElasticsearchIndex:
    def __init__(
        self, connect: Callable[[], Elasticsearch], prefix: str, shards: int = 1, replicas: int = 0
    ):
        """connect: how to make the client, on first use: `from_url`'s asks the server its
        version then, not while the process starts."""
        self._connect = connect
        self._client: Elasticsearch | None = None
        self.prefix = prefix
        self.read_alias = f"{prefix}-pages-read"
        self.write_alias = f"{prefix}-pages-write"
        self.shards = shards
        self.replicas = replicas
        self._ensured = False

    @property
    def es(self) -> Elasticsearch:
        if self._client is None:
            self._client = self._connect()
        return self._client

    @classmethod
    def from_url(cls, url: str) -> ElasticsearchIndex:
        """http(s)://[USER:PASSWORD@]HOST:PORT/PREFIX[?shards=N&replicas=N]."""
        parts = urlsplit(url)
        prefix = parts.path.strip("/") or "archive"
        if prefix != prefix.lower() or "/" in prefix:
            raise SearchError(
                f"Префикс индексов должен быть одним словом в нижнем регистре: {url!r}"
            )
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        host = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        return cls(
            functools.partial(
                connect,
                host,
                request_timeout=60,
                max_retries=3,
                retry_on_timeout=True,
                retry_on_status=(502, 503, 504),
            ),
            prefix,
            shards=int(query.get("shards", 1)),
            replicas=int(query.get("replicas", 0)),
        )

    # -- indices and aliases ----------------------------------------------------------

    def _new_index_name(self) -> str:
        return f"{self.prefix}-pages-v{MAPPING_VERSION}-{time.time_ns()}"

    def _first_index_name(self) -> str:
        """One name every process agrees on, so that workers starting together create
        one first index: the second `create` is refused instead of making a twin that
        would leave the write alias pointing at two indices (and accepting no write)."""
        return f"{self.prefix}-pages-v{MAPPING_VERSION}-0"

    def _create_index(
        self, name: str, aliases: dict[str, Any] | None = None, exists_ok: bool = False
    ) -> None:
        try:
            self.es.indices.create(
                index=name,
                settings=index_settings(self.shards, self.replicas),
                mappings=MAPPINGS,
                aliases=aliases or {},
                wait_for_active_shards="1",
            )
        except BAD_REQUEST as exc:
            if not (exists_ok and exc.error == "resource_already_exists_exception"):
                raise _explain(exc, f"Индекс {name} не создан") from exc
        except API_ERRORS as exc:
            raise _explain(exc, f"Индекс {name} не создан") from exc

    def _alias_targets(self, alias: str) -> list[str]:
        try:
            return sorted(self.es.indices.get_alias(name=alias).body)
        except NOT_FOUND:
            return []

    def ensure(self) -> None:
        """Create the first index and its aliases if there are none yet (idempotent)."""
        if self._ensured:
            return
        try:
            if not self._alias_targets(self.write_alias):
                self._create_first_index()
            else:
                current, meta = self._written_mapping()
                version = meta.get("_meta", {}).get("mapping_version")
                if version != MAPPING_VERSION:
                    log.warning(
                        "Индекс %s построен по схеме версии %s, программа ждёт %s: "
                        "`archive serve` перестроит его при запуске, или выполните "
                        "`archive reindex` (поиск тем временем работает по старому)",
                        current,
                        version,
                        MAPPING_VERSION,
                    )
                    self._add_new_fields(current, meta.get("properties", {}))
        except ERRORS as exc:
            raise _explain(exc, "Поисковый индекс недоступен") from exc
        self._ensured = True

    def _written_mapping(self) -> tuple[str, dict[str, Any]]:
        """The index the write alias points at, and its mapping."""
        current = self._alias_targets(self.write_alias)[0]
        return current, self.es.indices.get_mapping(index=current).body[current]["mappings"]

    def outdated(self) -> str | None:
        self.ensure()
        try:
            current, meta = self._written_mapping()
        except UNREADABLE as exc:
            raise _explain(exc, "Поисковый индекс недоступен") from exc
        version = meta.get("_meta", {}).get("mapping_version")
        if version == MAPPING_VERSION:
            return None
        return (
            f"индекс {current} построен прежней версией программы (схема {version}, "
            f"нужна {MAPPING_VERSION}): в нём нет полей, по которым теперь ищут"
        )

    def _add_new_fields(self, index: str, has: dict[str, Any]) -> None:
        """Add to an older release's index the fields this one writes: its mapping is
        strict, so until `archive reindex` it would refuse every page. ES takes new
        fields into a live mapping; a changed one it cannot, and that is said."""
        missing = {k: v for k, v in MAPPINGS["properties"].items() if k not in has}
        if not missing:
            return
        try:
            self.es.indices.put_mapping(index=index, properties=missing)
        except API_ERRORS as exc:
            log.warning(
                "%s; до `archive reindex` новые записи в индекс не попадут",
                _explain(exc, f"Поля {', '.join(sorted(missing))} не добавлены в {index}"),
            )

    def _create_first_index(self) -> None:
        name = self._first_index_name()
        aliases = {self.read_alias: {}, self.write_alias: {"is_write_index": True}}
        # If another process created it a moment ago, it did so aliases and all (one
        # request), unless someone removed them by hand since.
        self._create_index(name, aliases, exists_ok=True)
        if not self._alias_targets(self.write_alias):
            raise SearchError(
                f"Индекс {name} есть, но псевдонима {self.write_alias} на нём нет: "
                "его убрали вручную; удалите индекс или верните псевдонимы"
            )

    # -- writing ----------------------------------------------------------------------

    def _bulk(self, actions: Iterable[dict[str, Any]], ignore_conflicts: bool = False) -> int:
        """Send actions in chunks; 429s are retried with backoff; any other error raises."""
        done = 0
        for ok, item in streaming_bulk(
            self.es,
            actions,
            chunk_size=BULK_CHUNK,
            max_retries=BULK_RETRIES,
            initial_backoff=0.5,
            max_backoff=30,
            raise_on_error=False,
            raise_on_exception=True,
        ):
            if ok:
                done += 1
                continue
            result = next(iter(item.values()))
            if ignore_conflicts and result.get("status") == 409:
                continue
            error = result.get("error", {})
            reason = error.get("reason", error) if isinstance(error, dict) else error
            raise SearchError(f"Elasticsearch не принял документ {result.get('_id')}: {reason}")
        return done

    def index_document(self, document: IndexedDocument, *, publish: bool = True) -> None:
        self.ensure()
        try:
            self._bulk([document_action(document, self.write_alias)])
            if publish:
                self.publish()
        except ERRORS as exc:
            raise _explain(exc, f"Документ {document.id} не проиндексирован") from exc

    def delete_document(self, document_id: str, *, publish: bool = True) -> None:
        self.ensure()
        try:
            self.es.options(ignore_status=404).delete(index=self.write_alias, id=document_id)
            if publish:
                self.publish()
        except ERRORS as exc:
            raise _explain(exc, f"Документ {document_id} не удалён из индекса") from exc

    def publish(self) -> None:
        try:
            self.es.indices.refresh(index=self.write_alias)
        except ERRORS as exc:
            raise _explain(exc, "Индекс не обновлён") from exc

    def clear(self) -> None:
        """An empty new index behind both aliases; the old one is dropped."""
        self.rebuild(())

    def rebuild(self, documents: Iterable[IndexedDocument]) -> int:
        """Fill a fresh index from the catalog, then swap the aliases to it.

        Writes go to the new index from the moment it exists (write alias first), reads
        stay on the old, complete index until the new one is full. The bulk load uses
        op_type=create, so a page written meanwhile by the live outbox is newer and is
        kept rather than overwritten with the catalog state read earlier.
        """
        self.ensure()
        old_read = self._alias_targets(self.read_alias)
        old_write = self._alias_targets(self.write_alias)
        new = self._new_index_name()
        try:
            self._create_index(new)
            self.es.indices.update_aliases(
                actions=[
                    *({"remove": {"index": i, "alias": self.write_alias}} for i in old_write),
                    {"add": {"index": new, "alias": self.write_alias, "is_write_index": True}},
                ]
            )
            count = 0

            def actions() -> Iterator[dict[str, Any]]:
                nonlocal count
                for doc in documents:
                    count += 1
                    yield document_action(doc, new, op_type="create")

            self._bulk(actions(), ignore_conflicts=True)
            self.es.indices.refresh(index=new)
            self.es.indices.update_aliases(
                actions=[
                    *({"remove": {"index": i, "alias": self.read_alias}} for i in old_read),
                    {"add": {"index": new, "alias": self.read_alias}},
                ]
            )
        except ERRORS as exc:
            raise _explain(exc, "Переиндексация не удалась") from exc
        for old in set(old_read) | set(old_write):
            self.es.indices.delete(index=old, ignore_unavailable=True)
        return count

    # -- reading ----------------------------------------------------------------------

    def document_ids(self) -> set[str]:
        self.ensure()
        ids: set[str] = set()
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {
                "size": 1000,
                "sources": [{"id": {"terms": {"field": "document_id"}}}],
            }
            if after:
                composite["after"] = after
            body = self.es.search(
                index=self.read_alias, size=0, aggs={"ids": {"composite": composite}}
            ).body
            agg = body["aggregations"]["ids"]
            ids.update(b["key"]["id"] for b in agg["buckets"])
            after = agg.get("after_key")
            if not agg["buckets"] or after is None:
                return ids

    def is_empty(self) -> bool:
        self.ensure()
        try:
            return int(self.es.count(index=self.read_alias).body["count"]) == 0
        except ERRORS as exc:
            raise _explain(exc, "Поисковый индекс недоступен") from exc

    def search(
        self,
        query: str,
        limit: int = 20,
        offset: int = 0,
        filters: Filters | None = None,
    ) -> SearchResult:
        parsed = parse_query(query)
        if parsed.is_empty:
            return SearchResult(total=0, hits=[])
        self.ensure()
        try:
            response = self.es.search(
                index=self.read_alias, **search_body(query, filters, limit, offset)
            ).body
        except ERRORS as exc:
            raise _explain(exc, "Поиск не выполнен") from exc
        total = int(response["hits"]["total"]["value"])
        hits = [
            SearchHit(
                id=hit["_source"]["document_id"],
                filename=hit["_source"]["filename"],
                title=hit["_source"]["title"],
                score=round(float(hit["_score"] or 0.0), 6),
                pages=page_hits(hit),
            )
            for hit in response["hits"]["hits"]
        ]
        return SearchResult(total=total, hits=hits, facets=facet_counts(response["aggregations"]))
