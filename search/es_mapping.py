"""The Elasticsearch index's settings and mapping: the Russian analysis chain and the
fields of a document's entry.

One entry per document, its pages nested in it (Lucene's block join): a query finds the
pages, but what it counts, ranks, pages through and facets is documents. So the total
and every facet are plain counts of entries, exact and cheap, where a page per entry
needed a distinct count of documents per facet value: at 1 000 000 pages of 30
schools, 0.2 s for a word on every document (bench/district_scale_bench.py).

Text is analysed by ES itself: ё folded to е, the characters `search.analysis` cuts at
turned to spaces, lower case, the archive's stem overrides (`STEM_OVERRIDES`, shared
with the SQLite adapter so both engines agree), Snowball Russian (the stemmer of ES's
own `russian` analyzer, which cannot take the overrides or the folding), Snowball
English. An unstemmed `text.exact` subfield lifts pages holding the very forms typed.
A change here that changes what a page's entry holds bumps MAPPING_VERSION.
"""

from __future__ import annotations

from typing import Any

from search.analysis import INNER_BREAKS, SOFT_HYPHEN, STEM_OVERRIDES, unbroken
from search.port import FACETS, IndexedDocument

# 7: one entry per document, pages nested; 6: the school facet; 5: heading; 4: first
# names pinned, words cut as search.analysis cuts
MAPPING_VERSION = 7
# A document's pages are nested entries; ES refuses more than 10 000 by default, and a
# document may have up to 65 535 (search.sqlite_fts.PAGE_BITS).
MAX_PAGES = 65_535

# ё folded; the characters ES would keep inside a word and TOKEN_RE cuts at, spaces; the
# soft hyphen TOKEN_RE drops, dropped (search.analysis.INNER_BREAKS says why).
CHAR_MAPPINGS = [
    "ё => е",
    "Ё => Е",
    *(f"\\u{ord(c):04x} => \\u0020" for c in INNER_BREAKS),
    f"\\u{ord(SOFT_HYPHEN):04x} => ",
]


def index_settings(shards: int, replicas: int) -> dict[str, Any]:
    rules = [f"{form} => {stem}" for form, stem in sorted(STEM_OVERRIDES.items())]
    return {
        "number_of_shards": shards,
        "number_of_replicas": replicas,
        "mapping.nested_objects.limit": MAX_PAGES,
        "analysis": {
            "char_filter": {"archive_yo": {"type": "mapping", "mappings": CHAR_MAPPINGS}},
            "filter": {
                "archive_overrides": {"type": "stemmer_override", "rules": rules},
                "archive_snowball_ru": {"type": "snowball", "language": "Russian"},
                "archive_snowball_en": {"type": "snowball", "language": "English"},
            },
            "analyzer": {
                "archive_russian": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "char_filter": ["archive_yo"],
                    "filter": [
                        "lowercase",
                        "archive_overrides",
                        "archive_snowball_ru",
                        "archive_snowball_en",
                    ],
                },
                "archive_exact": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "char_filter": ["archive_yo"],
                    "filter": ["lowercase"],
                },
            },
        },
    }


MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "_meta": {"mapping_version": MAPPING_VERSION},
    "properties": {
        "document_id": {"type": "keyword"},
        "filename": {"type": "keyword"},
        "title": {
            "type": "text",
            "analyzer": "archive_russian",
            "fields": {"keyword": {"type": "keyword", "ignore_above": 512}},
        },
        # The document's filing: filters and facets.
        **{f"facet_{name}": {"type": "keyword"} for name in FACETS},
        "pages": {
            "type": "nested",
            "properties": {
                "page": {"type": "integer"},
                # The heading (title, file name, pupils: IndexedDocument.heading) on each
                # page, not on the document: a query's words must be found on one page or
                # in the heading, and a nested query sees only its page.
                "heading": {"type": "text", "analyzer": "archive_russian"},
                "text": {
                    "type": "text",
                    "analyzer": "archive_russian",
                    "index_options": "offsets",
                    "fields": {
                        "exact": {
                            "type": "text",
                            "analyzer": "archive_exact",
                            "index_options": "offsets",
                        }
                    },
                },
            },
        },
    },
}


def document_action(
    document: IndexedDocument, index: str, op_type: str = "index"
) -> dict[str, Any]:
    """A document's entry as a bulk action: its fields and filing, its pages nested.
    Written whole, it replaces every page of an earlier version, a shorter one too."""
    return {
        "_op_type": op_type,
        "_index": index,
        "_id": document.id,
        "_source": {
            "document_id": document.id,
            "filename": document.filename,
            "title": document.title,
            **{f"facet_{k}": v for k, v in document.facets.items() if k in FACETS},
            "pages": [
                {
                    "page": page.number,
                    "heading": document.heading,
                    # hyphenated line breaks as soft hyphens, which the char filter drops
                    "text": unbroken(page.text),
                }
                for page in document.pages
            ],
        },
    }
