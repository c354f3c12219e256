"""What every search adapter promises; tests/contract/test_search_index.py checks it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


class SearchError(Exception):
    """The search engine could not do what was asked (down, refused the mapping, ...)."""


class SearchUnavailable(SearchError):
    """The engine did not answer at all (stopped, restarting): a write waits for it
    without counting as a refusal of the document."""


@dataclass(frozen=True)
class IndexedPage:
    number: int
    text: str


# What a search can be narrowed by and counted on: the filing of a document.
FACETS = ("kind", "case", "year", "class", "pupil", "school", "access")
# Facets that filter but are never shown: "access" is "health" for health data (a
# permission of its own) and "general" otherwise.
HIDDEN_FACETS = ("access",)
# A document may hold several values of these; of every other facet it holds at most one
# (archive_service.services.pipeline.indexing builds them so).
MULTI_VALUED_FACETS = ("pupil",)
Filters = Mapping[str, str | Sequence[str]]

# Pages listed under one document hit, in page order: a class journal matches a word on
# every sheet, and a result page of 20 documents stays readable and quick to build.
MAX_PAGES_PER_HIT = 50


@dataclass(frozen=True)
class IndexedDocument:
    id: str
    filename: str
    title: str
    pages: list[IndexedPage]
    # facet name (one of FACETS) → the document's values (a document may concern several
    # pupils); empty for a document not yet filed.
    facets: dict[str, list[str]] = field(default_factory=dict)
    # Words that name the document as a whole (its title, file name, the pupils it
    # concerns): a query's words are looked for here as well as on each page, because a
    # handwritten essay or journal OCRs poorly and its filing is then all there is to
    # find it by. A page is listed under a hit only if its own text holds a query word.
    heading: str = ""


@dataclass(frozen=True)
class PageHit:
    number: int
    snippet: str  # HTML-escaped text; matched words wrapped in <mark>


@dataclass(frozen=True)
class SearchHit:
    id: str
    filename: str
    title: str
    score: float
    pages: list[PageHit]


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: list[SearchHit] = field(default_factory=list)
    # facet name → value → how many matching documents have it (after the filters)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape shared by the CLI and the API."""
        return {
            "total": self.total,
            "hits": [
                {
                    "id": h.id,
                    "filename": h.filename,
                    "title": h.title,
                    "score": h.score,
                    "pages": [{"number": p.number, "snippet": p.snippet} for p in h.pages],
                }
                for h in self.hits
            ],
            "facets": self.facets,
        }


# How deep a search pages: Elasticsearch answers no page past its result window
# (index.max_result_window, 10 000 documents); a page asked for past it comes back empty,
# with the total and the facets, on both engines.
MAX_RESULT_WINDOW = 10_000


class SearchIndex(Protocol):
    def index_document(self, document: IndexedDocument, *, publish: bool = True) -> None:
        """Replace everything indexed for this document with these pages.

        With publish=False the write is durable but searches may not see it until
        `publish()`: a relay writing a batch makes it visible once, not per document
        (each Elasticsearch refresh makes a segment, which later costs merges)."""
        ...

    def delete_document(self, document_id: str, *, publish: bool = True) -> None: ...

    def publish(self) -> None:
        """Make every write so far visible to searches."""
        ...

    def search(
        self,
        query: str,
        limit: int = 20,
        offset: int = 0,
        filters: Filters | None = None,
    ) -> SearchResult:
        """Documents matching every word of the query and every filter (facet → a value,
        or a list of values any of which will do),
        best first, grouped by document, with facet counts over all the matches.

        A word matches on a page or in the document's heading; the pages listed are
        those matching with the heading's help that hold a query word themselves, so a
        hit found by its heading alone lists none."""
        ...

    def document_ids(self) -> set[str]: ...

    def is_empty(self) -> bool:
        """Whether no document is indexed: cheap, unlike listing them."""
        ...

    def outdated(self) -> str | None:
        """Why the index, built by an older release, lacks what this one writes into an
        entry (a new facet: the school's filter would miss its old pages), or None.
        Searches still answer from it; a rebuild brings it up to date."""
        ...

    def clear(self) -> None: ...

    def rebuild(self, documents: Iterable[IndexedDocument]) -> int:
        """Replace the whole index with these documents; searches keep working meanwhile
        where the engine allows it. Returns how many documents went in."""
        ...
