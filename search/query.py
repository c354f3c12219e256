"""Parse what a person typed into search terms.

Words must all occur on one page, or in the heading of its document (search.port);
"quoted words" must occur together in that order; a word with a star after it («Кузн*»)
stands for every word it begins. Everything becomes stems through search.analysis, and
the engine only ever sees quoted stems, so punctuation a user types (a colon, a dash, a
bracket) can never become engine syntax; a star after a word becomes FTS5's prefix mark
only through `_fts5_string`. A word may stand for more than one stem (a surname's
nominative, `analysis.alternatives`); any of them will do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice, product

from search.analysis import PREFIX_MARK, TOKEN_RE, fold, query_terms, stem

PHRASE_RE = re.compile(r'"([^"]*)"')
# Readings of one phrase an engine is asked for at most: each surname in it doubles them.
MAX_PHRASE_READINGS = 16

Position = tuple[str, ...]  # the terms one word of the query may stand for, its own first


@dataclass(frozen=True)
class ParsedQuery:
    clauses: list[list[Position]]  # each clause: one word, or a phrase of several

    @property
    def is_empty(self) -> bool:
        return not self.clauses

    @property
    def all_terms(self) -> set[str]:
        """Every term a page may hold to match: what snippets and page marks look for."""
        return {t for clause in self.clauses for position in clause for t in position}


def readings(clause: list[Position]) -> Iterator[tuple[str, ...]]:
    """The term sequences a clause matches, its words' own stems first."""
    return islice(product(*clause), MAX_PHRASE_READINGS)


def parse_query(text: str) -> ParsedQuery:
    clauses: list[list[Position]] = []
    for phrase in PHRASE_RE.findall(text):
        positions = query_terms(phrase)
        if positions:
            clauses.append(positions)
    for word in query_terms(PHRASE_RE.sub(" ", text), prefixes=True):
        if [word] not in clauses:
            clauses.append([word])
    return ParsedQuery(clauses)


def _fts5_string(reading: tuple[str, ...]) -> str:
    """A reading as an FTS5 string of stems; a beginning («кузн*») as FTS5's prefix
    token, which only a lone word outside quotes can be (`query_terms`)."""
    if len(reading) == 1 and reading[0].endswith(PREFIX_MARK):
        return '"' + reading[0][: -len(PREFIX_MARK)] + '"*'
    return '"' + " ".join(reading) + '"'


def to_fts5(query: ParsedQuery) -> str:
    """FTS5 MATCH expression: every clause required, each a quoted string of stems, or
    the OR of such strings where a word has several readings."""
    parts = []
    for clause in query.clauses:
        quoted = [_fts5_string(reading) for reading in readings(clause)]
        parts.append(quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")")
    return " AND ".join(parts)


def to_fts5_any(query: ParsedQuery) -> str:
    """FTS5 expression for a row holding any clause of the query, in any reading."""
    return " OR ".join(
        _fts5_string(reading) for clause in query.clauses for reading in readings(clause)
    )


def words_match(query: str, text: str) -> bool:
    """Whether every word of `query` stands in `text` in some form, or begins one of its
    words: the search's rule for a short text held outside the index, such as a
    pupil's name, where a person types «Смирновой Анне» or just «Смир»."""
    wanted = query_terms(query)
    if not wanted:
        return True
    words = TOKEN_RE.findall(fold(text))
    stems = {stem(word) for word in words}
    typed = TOKEN_RE.findall(fold(query))
    return all(
        stems.intersection(readings) or any(word.startswith(prefix) for word in words)
        for readings, prefix in zip(wanted, typed, strict=True)
    )
