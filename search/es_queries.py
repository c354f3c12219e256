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

TEXT_FIELDS = ("pages.text", "pages.heading")  # where a query's words are looked for


def search_body(query: str, filters: Filters | None, limit: int, offset: int) -> dict[str, Any]:
    """One page of document hits for the query within the filters, ranked by their best
    page, with the exact document total and every facet counted in documents.

    A document matches when one of its pages holds every clause (on the page or in the
    heading). The pages listed under it are those that match and hold a query word in
    their own text (a heading word matches every page): a second nested clause that
    only names them, adding nothing to the score."""
    offset = min(offset, MAX_RESULT_WINDOW)  # ES refuses a page past its window
    limit = min(limit, MAX_RESULT_WINDOW - offset)
    narrow = [
        {"terms": {f"facet_{name}": [value] if isinstance(value, str) else list(value)}}
        for name, value in sorted((filters or {}).items())
        if name in FACETS
    ]
    matching = clause_queries(query, TEXT_FIELDS)
    exact = " ".join([*PHRASE_RE.findall(query), PHRASE_RE.sub(" ", query)]).strip()
    best_page = {
        "nested": {
            "path": "pages",
            "score_mode": "max",
            "query": {
                "bool": {
                    "must": matching,
                    "should": [{"match": {"pages.text.exact": {"query": exact, "boost": 0.5}}}],
                }
            },
        }
    }
    listed_pages = {
        "nested": {
            "path": "pages",
            "score_mode": "none",
            "query": {
                "bool": {
                    "filter": [
                        *matching,
                        {
                            "bool": {
                                "should": clause_queries(query, ("pages.text",)),
                                "minimum_should_match": 1,
                            }
                        },
                    ]
                }
            },
            "inner_hits": listed_pages_hits(),
        }
    }
    return {
        "query": {"bool": {"must": [best_page], "filter": narrow, "should": [listed_pages]}},
        "aggs": {
            f"facet_{name}": {"terms": {"field": f"facet_{name}", "size": 100}} for name in FACETS
        },
        "_source": ["document_id", "filename", "title"],
        "from": offset,
        "size": limit,
        "track_total_hits": True,
    }


def facet_counts(aggs: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Each facet's values with the documents holding them, most first."""
    facets: dict[str, dict[str, int]] = {}
    for name in FACETS:
        buckets = sorted(
            aggs[f"facet_{name}"]["buckets"], key=lambda b: (-b["doc_count"], b["key"])
        )
        if buckets:
            facets[name] = {b["key"]: int(b["doc_count"]) for b in buckets}
    return facets


def listed_pages_hits() -> dict[str, Any]:
    """A hit's pages in order, each with its best passage marked."""
    return {
        "name": "pages",
        "size": MAX_PAGES_PER_HIT,
        "sort": [{"pages.page": "asc"}],
        "_source": False,
        "docvalue_fields": ["pages.page"],
        "highlight": {
            "encoder": "html",
            "pre_tags": ["<mark>"],
            "post_tags": ["</mark>"],
            "fields": {
                "pages.text": {
                    "number_of_fragments": 1,
                    "fragment_size": 220,
                    "no_match_size": 220,
                }
            },
        },
    }


def page_hits(hit: dict[str, Any]) -> list[PageHit]:
    inner = hit.get("inner_hits", {}).get("pages", {}).get("hits", {}).get("hits", [])
    return [
        PageHit(
            int(page["fields"]["pages.page"][0]),
            page.get("highlight", {}).get("pages.text", [""])[0],
        )
        for page in inner
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
