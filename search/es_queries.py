"""The queries the Elasticsearch adapter sends: a search's body with its filters and
facet counts, and the clauses a query is read into.

ES analyses the query text itself, as it did the page, so words go to it as typed. A
word with other readings (`analysis.alternatives`) adds them as the stems Python gives,
which are ES's own: tests/test_elasticsearch_index.py checks the two chains agree.
"""

from __future__ import annotations

from typing import Any

from search.analysis import PREFIX_MARK, TOKEN_RE, fold, query_terms
from search.port import FACETS, MAX_PAGES_PER_HIT, MAX_RESULT_WINDOW, Filters, PageHit
from search.query import PHRASE_RE, readings


def search_body(query: str, filters: Filters | None, limit: int, offset: int) -> dict[str, Any]:
    """One page of collapsed document hits for the query within the filters, with the
    document total and every facet counted in documents."""
    offset = min(offset, MAX_RESULT_WINDOW)  # ES refuses a page past its window
    limit = min(limit, MAX_RESULT_WINDOW - offset)
    narrow = [
        {"terms": {f"facet_{name}": [value] if isinstance(value, str) else list(value)}}
        for name, value in sorted((filters or {}).items())
        if name in FACETS
    ]
    exact = " ".join([*PHRASE_RE.findall(query), PHRASE_RE.sub(" ", query)]).strip()
    return {
        "query": {
            "bool": {
                "must": clause_queries(query, ("text", "heading")),
                "filter": narrow,
                "should": [{"match": {"text.exact": {"query": exact, "boost": 0.5}}}],
            }
        },
        "collapse": pages_by_document(),
        "aggs": {
            "documents": {"cardinality": {"field": "document_id", "precision_threshold": 40000}},
            **{
                f"facet_{name}": {
                    "terms": {"field": f"facet_{name}", "size": 100},
                    "aggs": {"documents": {"cardinality": {"field": "document_id"}}},
                }
                for name in FACETS
            },
        },
        "_source": ["document_id", "filename", "title", "heading"],
        "from": offset,
        "size": limit,
        "track_total_hits": False,
    }


def facet_counts(aggs: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Each facet's values with the documents holding them, most first."""
    facets: dict[str, dict[str, int]] = {}
    for name in FACETS:
        buckets = sorted(
            aggs[f"facet_{name}"]["buckets"],
            key=lambda b: (-b["documents"]["value"], b["key"]),
        )
        if buckets:
            facets[name] = {b["key"]: int(b["documents"]["value"]) for b in buckets}
    return facets


def pages_by_document() -> dict[str, Any]:
    """Hits collapsed to one per document, with its matching pages in order, each with
    its best passage marked."""
    return {
        "field": "document_id",
        "inner_hits": {
            "name": "pages",
            "size": MAX_PAGES_PER_HIT,
            "sort": [{"page": "asc"}],
            "_source": False,
            "fields": ["page"],
            "highlight": {
                "encoder": "html",
                "pre_tags": ["<mark>"],
                "post_tags": ["</mark>"],
                "fields": {
                    "text": {
                        "number_of_fragments": 1,
                        "fragment_size": 220,
                        "no_match_size": 220,
                    }
                },
            },
        },
    }


def page_hits(hit: dict[str, Any]) -> list[PageHit]:
    return [
        PageHit(int(inner["fields"]["page"][0]), inner.get("highlight", {}).get("text", [""])[0])
        for inner in hit["inner_hits"]["pages"]["hits"]["hits"]
    ]


def clause_queries(query: str, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """One query per clause (a quoted phrase, or a word), each to be found in one of
    `fields`: every one is required for a match, any one marks a page as holding a
    query word."""
    phrases = [p for p in PHRASE_RE.findall(query) if p.strip() and query_terms(p)]
    queries = [_phrase_query(phrase, fields) for phrase in phrases]
    words = PHRASE_RE.sub(" ", query)
    found = list(TOKEN_RE.finditer(fold(words)))
    for match, (first, *others) in zip(found, query_terms(words, prefixes=True), strict=True):
        if first.endswith(PREFIX_MARK):
            begins = first[: -len(PREFIX_MARK)]
            prefix = [{"prefix": {field: begins}} for field in fields]
            queries.append({"bool": {"should": prefix, "minimum_should_match": 1}})
            continue
        queries.append(_word_query(words[match.start() : match.end()], others, fields))
    return queries


def _phrase_query(phrase: str, fields: tuple[str, ...]) -> dict[str, Any]:
    """The phrase in order, or, where a word in it has other readings, any reading: the
    first (each word's own stem) is the phrase as typed, for ES to analyse."""
    _own, *others = readings(query_terms(phrase))
    queries: list[dict[str, Any]] = [{"match_phrase": {field: phrase}} for field in fields]
    queries += [
        {"match_phrase": {field: {"query": " ".join(r), "analyzer": "whitespace"}}}
        for r in others
        for field in fields
    ]
    if len(queries) == 1:
        return queries[0]
    return {"bool": {"should": queries, "minimum_should_match": 1}}


def _word_query(word: str, others: list[str], fields: tuple[str, ...]) -> dict[str, Any]:
    """The word as typed, for ES to cut and stem as it did the page (every piece of it
    required), or one of its other stems."""
    own = {
        "multi_match": {
            "query": word,
            "fields": list(fields),
            "type": "cross_fields",
            "operator": "and",
        }
    }
    if not others:
        return own
    stems = [{"term": {field: other}} for other in others for field in fields]
    return {"bool": {"should": [own, *stems], "minimum_should_match": 1}}
