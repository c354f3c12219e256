"""Parse what a person typed into search terms.

Words must all occur on one page; "quoted words" must occur together in that order.
Everything becomes stems through search.analysis, and the engine only ever sees quoted
stems, so punctuation a user types (a colon, a dash, an asterisk) can never become
engine syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from search.analysis import terms

PHRASE_RE = re.compile(r'"([^"]*)"')


@dataclass(frozen=True)
class ParsedQuery:
    clauses: list[list[str]]  # each clause: one word, or a phrase of several

    @property
    def is_empty(self) -> bool:
        return not self.clauses

    @property
    def all_terms(self) -> set[str]:
        return {t for clause in self.clauses for t in clause}


def parse_query(text: str) -> ParsedQuery:
    clauses: list[list[str]] = []
    for phrase in PHRASE_RE.findall(text):
        phrase_terms = terms(phrase)
        if phrase_terms:
            clauses.append(phrase_terms)
    for word in terms(PHRASE_RE.sub(" ", text)):
        if [word] not in clauses:
            clauses.append([word])
    return ParsedQuery(clauses)


def to_fts5(query: ParsedQuery) -> str:
    """FTS5 MATCH expression: every clause required, each a quoted string of stems."""
    return " AND ".join('"' + " ".join(clause) + '"' for clause in query.clauses)
