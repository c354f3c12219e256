"""Search on the embedded default: SQLite FTS5 over Snowball stems.

FTS5 cannot stem Russian, and Python cannot register an FTS5 tokenizer through the
standard sqlite3 module, so stemming happens before SQLite sees the text: a page is
stored as the space-joined stems of its words (search.analysis), and the query is
stemmed the same way. The original text sits beside it for snippets.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from search.analysis import terms
from search.port import IndexedDocument, PageHit, SearchHit, SearchResult
from search.query import parse_query, to_fts5
from search.snippets import make_snippet

MAX_PAGES_PER_HIT = 50

SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    id TEXT PRIMARY KEY, filename TEXT NOT NULL, title TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS page_texts (
    doc_id TEXT NOT NULL, number INTEGER NOT NULL, text TEXT NOT NULL,
    PRIMARY KEY (doc_id, number)
);
CREATE VIRTUAL TABLE IF NOT EXISTS page_terms USING fts5(
    terms, doc_id UNINDEXED, number UNINDEXED,
    tokenize = "unicode61 remove_diacritics 0"
);
"""


class SqliteSearchIndex:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA busy_timeout=60000")
            yield db
        finally:
            db.close()

    def index_document(self, document: IndexedDocument) -> None:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                self._delete(db, document.id)
                db.execute(
                    "INSERT INTO docs (id, filename, title) VALUES (?, ?, ?)",
                    (document.id, document.filename, document.title),
                )
                db.executemany(
                    "INSERT INTO page_texts (doc_id, number, text) VALUES (?, ?, ?)",
                    [(document.id, p.number, p.text) for p in document.pages],
                )
                db.executemany(
                    "INSERT INTO page_terms (terms, doc_id, number) VALUES (?, ?, ?)",
                    [(" ".join(terms(p.text)), document.id, p.number) for p in document.pages],
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    @staticmethod
    def _delete(db: sqlite3.Connection, document_id: str) -> None:
        db.execute("DELETE FROM docs WHERE id = ?", (document_id,))
        db.execute("DELETE FROM page_texts WHERE doc_id = ?", (document_id,))
        db.execute("DELETE FROM page_terms WHERE doc_id = ?", (document_id,))

    def delete_document(self, document_id: str) -> None:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            self._delete(db, document_id)
            db.execute("COMMIT")

    def document_ids(self) -> set[str]:
        with self._connect() as db:
            return {row[0] for row in db.execute("SELECT id FROM docs")}

    def clear(self) -> None:
        with self._connect() as db:
            db.executescript("DELETE FROM docs; DELETE FROM page_texts; DELETE FROM page_terms;")

    def rebuild(self, documents: Iterable[IndexedDocument]) -> int:
        """Clear and refill in place: one local file, so a short gap is acceptable."""
        self.clear()
        count = 0
        for document in documents:
            self.index_document(document)
            count += 1
        return count

    def search(self, query: str, limit: int = 20, offset: int = 0) -> SearchResult:
        parsed = parse_query(query)
        if parsed.is_empty:
            return SearchResult(total=0, hits=[])
        match = to_fts5(parsed)
        with self._connect() as db:
            ranked = db.execute(
                "SELECT doc_id, min(rank) AS best, count(*) FROM page_terms "
                "WHERE page_terms MATCH ? GROUP BY doc_id",
                (match,),
            ).fetchall()
            total = len(ranked)
            ranked.sort(key=lambda row: (row[1], row[0]))
            top = ranked[offset : offset + limit]
            if not top:
                return SearchResult(total=total, hits=[])
            ids = [row[0] for row in top]
            marks = ",".join("?" * len(ids))
            pages: dict[str, list[tuple[int, str]]] = defaultdict(list)
            for doc_id, number, text in db.execute(
                f"SELECT t.doc_id, t.number, x.text FROM page_terms t "
                f"JOIN page_texts x ON x.doc_id = t.doc_id AND x.number = t.number "
                f"WHERE page_terms MATCH ? AND t.doc_id IN ({marks}) ORDER BY t.number",
                (match, *ids),
            ):
                if len(pages[doc_id]) < MAX_PAGES_PER_HIT:
                    pages[doc_id].append((int(number), text))
            docs = {
                row[0]: (row[1], row[2])
                for row in db.execute(
                    f"SELECT id, filename, title FROM docs WHERE id IN ({marks})", ids
                )
            }
        wanted = parsed.all_terms
        hits = []
        for doc_id, best, _count in top:
            filename, title = docs.get(doc_id, ("", ""))
            hits.append(
                SearchHit(
                    id=doc_id,
                    filename=filename,
                    title=title,
                    score=round(-float(best), 6),
                    pages=[PageHit(n, make_snippet(text, wanted)) for n, text in pages[doc_id]],
                )
            )
        return SearchResult(total=total, hits=hits)
