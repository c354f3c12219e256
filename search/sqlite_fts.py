"""Search on the embedded default: SQLite FTS5 over Snowball stems.

FTS5 cannot stem Russian, and Python cannot register an FTS5 tokenizer through the
standard sqlite3 module, so stemming happens before SQLite sees the text: a page is
stored as the space-joined stems of its words (search.analysis), and the query is
stemmed the same way. The original text sits beside it for snippets.

Each page row also holds the stems of the document's heading (search.port), in a second
column: FTS5 requires every query word of a row in any of its columns, so «сочинение
Петрова» finds a page on «сочинение» of a document filed under the pupil Петров, and the
pages listed are those whose own column holds a query word too.

Every page's rowid is ``document_seq << 16 | page_number``, so the document of a hit is
rowid >> 16 with no join, a document's pages are one rowid range (cheap to delete or to
restrict a MATCH to), and "how many documents match" is a count over the FTS index
alone. Ranking asks FTS5 only for the best pages (ORDER BY rank LIMIT n) and widens the
window until it has enough distinct documents.

FTS5 still computes bm25 for every page it orders, a lookup of the page's length each:
0.17 s for a word on 170 000 of a decade's 300 000 pages («зачёт», a year), where the
count and the facets over the same matches take a fraction of that. So a query matching
more than RANKED_PAGES pages is ranked among its newest RANKED_PAGES (FTS5 walks rowids
backwards natively and stops there); the documents found only past them follow, newest
first.
The total and the facets stay exact; only the order of such a common query's older
documents is by date rather than by bm25, and paging goes through the same order.

Filters (access, school, class, pupil, year) are tokens too: each page row carries its
document's facet values, one opaque token each, in a third column, `scope`, and a
filter is a phrase ANDed into the MATCH (`scope : (t1 OR t2)`). FTS5 then intersects
the filter's posting list with the query's instead of reading every match and checking
each against a list afterwards: a school's search in a district of thirty reads about a
thirtieth of the pages a district role's does, so the filter never makes it slower.
The scope column weighs nothing in the rank (bm25 weight 0). Its tokens hold an
underscore, which the tokenizer is told to keep (tokenchars) and no query term can hold
(TOKEN_RE never takes one), so a query's words meet the text and the heading only with
no column filter: FTS5 reads the position lists of every match to apply one, which cost
«Смирновой Анны» on a decade's journal grids (300 000 pages) 23 ms of its 76. A filter
true of most documents is said the other way round (`_narrowing`), and a document
without a single-valued facet holds that facet's NO_VALUE token, so "not any other
value" can leave it out.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import sys
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from search.analysis import terms
from search.port import (
    FACETS,
    MAX_PAGES_PER_HIT,
    MAX_RESULT_WINDOW,
    MULTI_VALUED_FACETS,
    Filters,
    IndexedDocument,
    PageHit,
    SearchHit,
    SearchResult,
)
from search.query import parse_query, to_fts5, to_fts5_any
from search.snippets import make_snippet

log = logging.getLogger(__name__)

# 9: scope tokens hold an underscore, the query's words need no column filter; 8: facet
# values numbered, a document's as one blob; 7: facets as tokens of a scope column; 6:
# the school facet; 5: the heading column; 4: first names pinned (search.first_names)
SCHEMA_VERSION = 9
FULL = 1024 * 1024  # less free than this beside the index: its disk is full
PAGE_BITS = 16  # up to 65 535 pages a document; intake allows far fewer
REBUILD_BATCH = 200  # documents per transaction while rebuilding
# A common query's newest pages ranked by bm25 (module docstring): 500 documents of 10
# pages, 25 result pages of 20. bm25 costs 1–2.6 µs a page, more with more words:
# «приказ о переводе» took 26 ms to rank 10 000 pages and 19 to rank 5 000.
RANKED_PAGES = 5_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, filename TEXT NOT NULL,
    title TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS doc_facets (seq INTEGER PRIMARY KEY, fids BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS page_texts (rowid INTEGER PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS facet_values (
    fid INTEGER PRIMARY KEY, name TEXT NOT NULL, value TEXT NOT NULL,
    documents INTEGER NOT NULL, UNIQUE (name, value)
);
CREATE VIRTUAL TABLE IF NOT EXISTS page_terms USING fts5(
    terms, heading, scope, tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"
);
INSERT INTO page_terms (page_terms, rank) VALUES ('rank', 'bm25(1.0, 1.0, 0.0)');
"""
NO_VALUE = "\x00"  # the value a document without that facet holds in the scope column


def facet_token(name: str, value: str) -> str:
    """A facet's value as one token of the scope column: hex digits after an underscore,
    kept whole by the tokenizer (tokenchars) and never a query's term, which TOKEN_RE
    cuts at an underscore (module docstring)."""
    return "_" + hashlib.sha256(f"{name}\x00{value}".encode()).hexdigest()[:24]


OLD_TABLES = ("docs", "page_texts", "page_terms", "doc_facets", "facet_values")


def _page_range(seq: int) -> tuple[int, int]:
    return seq << PAGE_BITS, (seq << PAGE_BITS) | ((1 << PAGE_BITS) - 1)


class SqliteSearchIndex:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                existing = db.execute(
                    "SELECT count(*) FROM sqlite_master WHERE name IN (?, ?, ?, ?, ?)", OLD_TABLES
                ).fetchone()[0]
                if existing:
                    # Derived data in an older layout: start empty; `archive reindex` refills.
                    log.warning(
                        "Поисковый индекс %s построен прежней версией программы и сброшен; "
                        "`archive serve` построит его заново при запуске, или выполните "
                        "`archive reindex`",
                        path,
                    )
                    for table in OLD_TABLES:
                        db.execute(f"DROP TABLE IF EXISTS {table}")
                db.executescript(SCHEMA)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")  # derived data: durable at checkpoints
                db.execute("PRAGMA busy_timeout=60000")
                yield db
            finally:
                db.close()
        except sqlite3.OperationalError as exc:
            # SQLite says «disk I/O error» when a full disk leaves no room for its WAL
            # index: said as what it is, so that the person is told to free space.
            if "disk I/O error" in str(exc) and shutil.disk_usage(self.path.parent).free < FULL:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)) from exc
            raise

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    # -- writing ----------------------------------------------------------------------

    @staticmethod
    def _delete(db: sqlite3.Connection, document_id: str) -> None:
        row = db.execute(
            "SELECT seq, fids FROM docs JOIN doc_facets USING (seq) WHERE id = ?", (document_id,)
        ).fetchone()
        if row is None:
            return
        lo, hi = _page_range(row[0])
        db.execute("DELETE FROM page_terms WHERE rowid BETWEEN ? AND ?", (lo, hi))
        db.execute("DELETE FROM page_texts WHERE rowid BETWEEN ? AND ?", (lo, hi))
        db.executemany(
            "UPDATE facet_values SET documents = documents - 1 WHERE fid = ?",
            [(fid,) for fid in facet_ids(row[1])],
        )
        db.execute("DELETE FROM doc_facets WHERE seq = ?", (row[0],))
        db.execute("DELETE FROM docs WHERE seq = ?", (row[0],))

    @staticmethod
    def _insert(db: sqlite3.Connection, document: IndexedDocument) -> None:
        held = {(name, v) for name, values in document.facets.items() for v in values}
        fids = [
            db.execute(
                "INSERT INTO facet_values (name, value, documents) VALUES (?, ?, 1) "
                "ON CONFLICT (name, value) DO UPDATE SET documents = documents + 1 "
                "RETURNING fid",
                pair,
            ).fetchone()[0]
            for pair in sorted(held)
        ]
        cur = db.execute(
            "INSERT INTO docs (id, filename, title) VALUES (?, ?, ?)",
            (document.id, document.filename, document.title),
        )
        seq = int(cur.lastrowid or 0)
        db.execute("INSERT INTO doc_facets (seq, fids) VALUES (?, ?)", (seq, facet_blob(fids)))
        base = seq << PAGE_BITS
        db.executemany(
            "INSERT INTO page_texts (rowid, text) VALUES (?, ?)",
            [(base | p.number, p.text) for p in document.pages],
        )
        heading = " ".join(terms(document.heading))
        scope = " ".join(
            [facet_token(name, v) for name, values in document.facets.items() for v in values]
            + [
                facet_token(name, NO_VALUE)
                for name in FACETS
                if name not in MULTI_VALUED_FACETS and not document.facets.get(name)
            ]
        )
        db.executemany(
            "INSERT INTO page_terms (rowid, terms, heading, scope) VALUES (?, ?, ?, ?)",
            [(base | p.number, " ".join(terms(p.text)), heading, scope) for p in document.pages],
        )

    def index_document(self, document: IndexedDocument, *, publish: bool = True) -> None:
        with self._transaction() as db:
            self._delete(db, document.id)
            self._insert(db, document)

    def delete_document(self, document_id: str, *, publish: bool = True) -> None:
        with self._transaction() as db:
            self._delete(db, document_id)

    def publish(self) -> None:
        """Nothing to do: a committed transaction is what every later search reads."""

    def document_ids(self) -> set[str]:
        with self._connect() as db:
            return {row[0] for row in db.execute("SELECT id FROM docs")}

    def is_empty(self) -> bool:
        with self._connect() as db:
            return db.execute("SELECT 1 FROM docs LIMIT 1").fetchone() is None

    def outdated(self) -> str | None:
        """Never: a layout older than the code's is dropped on open, leaving the index
        empty (`IndexingService.emptied`)."""
        return None

    def clear(self) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM docs")
            db.execute("DELETE FROM page_texts")
            db.execute("DELETE FROM page_terms")
            db.execute("DELETE FROM doc_facets")
            db.execute("DELETE FROM facet_values")

    def rebuild(self, documents: Iterable[IndexedDocument]) -> int:
        """Clear and refill in place, in batches: one local file, a short gap is fine.

        A document already in the index when its batch is written was written by the
        live outbox since the clear, from the catalog as it is now; the rebuild's copy
        was read before and may be older, so it is left out (as Elasticsearch's bulk
        load does with op_type=create).
        """
        self.clear()
        count = 0
        batch: list[IndexedDocument] = []

        def flush() -> None:
            with self._transaction() as db:
                for document in batch:
                    if db.execute("SELECT 1 FROM docs WHERE id = ?", (document.id,)).fetchone():
                        continue
                    self._insert(db, document)
            batch.clear()

        for document in documents:
            batch.append(document)
            count += 1
            if len(batch) >= REBUILD_BATCH:
                flush()
        if batch:
            flush()
        with self._connect() as db:
            db.execute("INSERT INTO page_terms (page_terms) VALUES ('optimize')")
        return count

    # -- reading ----------------------------------------------------------------------

    def _best_documents(
        self, db: sqlite3.Connection, match: str, wanted: int
    ) -> list[tuple[int, float]]:
        """The first `wanted` documents by their best page's rank among the newest
        RANKED_PAGES matching pages, then those matched only further back, newest first."""
        newest = (
            "SELECT rowid, rank AS r FROM page_terms WHERE page_terms MATCH ? "
            "ORDER BY rowid DESC LIMIT ?"
        )
        window = max(wanted * 4, 64)
        while True:
            rows = db.execute(
                f"SELECT rowid, r FROM ({newest}) ORDER BY r LIMIT ?",
                (match, RANKED_PAGES, window),
            ).fetchall()
            best: dict[int, float] = {}
            for rowid, rank in rows:
                best.setdefault(rowid >> PAGE_BITS, rank)
                if len(best) == wanted:
                    return list(best.items())
            if len(rows) < window:
                break
            window *= 4
        ranked, oldest = db.execute(
            "SELECT count(*), min(rowid) FROM "
            "(SELECT rowid FROM page_terms WHERE page_terms MATCH ? ORDER BY rowid DESC LIMIT ?)",
            (match, RANKED_PAGES),
        ).fetchone()
        if ranked == RANKED_PAGES:  # more matches than were ranked: the older ones
            for rowid, rank in db.execute(
                "SELECT rowid, rank FROM page_terms WHERE page_terms MATCH ? AND rowid < ? "
                "ORDER BY rowid DESC",
                (match, oldest),
            ):
                best.setdefault(rowid >> PAGE_BITS, rank)
                if len(best) == wanted:
                    break
        return list(best.items())

    @staticmethod
    def _facets(db: sqlite3.Connection, total: int, documents: int) -> dict[str, dict[str, int]]:
        """Each facet value's count of the documents in temp.matched, most first.

        A document's facet values are one blob of their numbers (`doc_facets`, apart
        from the wider `docs` rows), so counting is a read of one row per document and a
        count of integers (`Counter` over an array runs in C), not a lookup and a text
        grouping per facet row: for a word in 2 500 of a decade's 30 000 documents 4 ms
        against 10, in 21 000 of them 9 against 39.
        When more than half of the index matched («зачёт», a year), the values'
        standing totals less the documents that did not match (by the query or by a
        filter) are read instead, so the most a search reads is half the documents' rows.
        """
        counts: Counter[int]
        if total * 2 > documents:
            counts = Counter(
                dict(db.execute("SELECT fid, documents FROM facet_values WHERE documents > 0"))
            )
            counts.subtract(
                _count_ids(db, "SELECT fids FROM doc_facets WHERE seq NOT IN temp.matched")
            )
        else:
            counts = _count_ids(db, "SELECT fids FROM doc_facets WHERE seq IN temp.matched")
        named = db.execute(
            "SELECT fid, name, value FROM facet_values "
            "WHERE fid IN (SELECT value FROM json_each(?))",
            (json.dumps([fid for fid, n in counts.items() if n > 0]),),
        )
        ordered = sorted(
            ((name, value, counts[fid]) for fid, name, value in named),
            key=lambda row: (row[0], -row[2], row[1]),
        )
        facets: dict[str, dict[str, int]] = {}
        for name, value, n in ordered:
            facets.setdefault(name, {})[value] = n
        return facets

    @staticmethod
    def _narrowing(
        db: sqlite3.Connection, filters: Filters | None, documents: int
    ) -> tuple[str, str] | None:
        """What to AND into the MATCH and what to take out of it (NOT), to keep only
        pages of documents having, for every filter, its value or one of its values;
        None when a filter allows no value.

        A filter that keeps most documents (a staff member's «general, not health»,
        true of nearly every record) is said the other way round: NOT any other value
        of that facet, nor the facet's absence. FTS5 reads a phrase's whole posting list
        to AND it in, and a value on every page made a common word's search twice as
        slow (63 ms against 35 at 300 000 pages); the other values' lists are short.
        That is the same set only where a document holds at most one value of the
        facet, so a facet that may hold several (MULTI_VALUED_FACETS) is always kept by
        its own values.
        """
        kept: list[str] = []
        left_out: list[str] = []
        for name, value in sorted((filters or {}).items()):
            values = {value} if isinstance(value, str) else set(value)
            if not values:
                return None
            held = dict(
                db.execute(
                    "SELECT value, documents FROM facet_values WHERE name = ? AND documents > 0",
                    (name,),
                )
            )
            if name in MULTI_VALUED_FACETS or sum(held.get(v, 0) for v in values) * 2 <= documents:
                tokens = " OR ".join(facet_token(name, v) for v in sorted(values))
                kept.append(f"scope : ({tokens})")
            else:
                others = [v for v in sorted(held) if v not in values]
                left_out.extend(facet_token(name, v) for v in [*others, NO_VALUE])
        return " AND ".join(kept), " OR ".join(left_out)

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
        words = f"({to_fts5(parsed)})"
        on_page = f"({words}) AND terms : ({to_fts5_any(parsed)})"
        with self._connect() as db:
            # The matching documents once, for the count and the facets both (one read:
            # a snapshot of its own, and the MATCH, 15 ms for a word on every page of
            # 300 000, not run twice).
            db.execute("PRAGMA temp_store = MEMORY")
            db.execute("BEGIN")
            # How many documents the index holds, read once: whether a filter or the
            # matches take most of them decides how each is counted.
            documents = db.execute("SELECT count(*) FROM docs").fetchone()[0]
            narrowing = self._narrowing(db, filters, documents)
            if narrowing is None:
                return SearchResult(total=0, hits=[])
            kept, left_out = narrowing
            match = f"{words} AND {kept}" if kept else words
            if left_out:
                match = f"({match}) NOT scope : ({left_out})"
            db.execute("CREATE TEMP TABLE IF NOT EXISTS matched (seq INTEGER PRIMARY KEY)")
            db.execute(
                f"INSERT INTO temp.matched SELECT DISTINCT rowid >> {PAGE_BITS} "
                "FROM page_terms WHERE page_terms MATCH ?",
                (match,),
            )
            total = db.execute("SELECT count(*) FROM temp.matched").fetchone()[0]
            facets = self._facets(db, total, documents) if total else {}
            limit = min(limit, MAX_RESULT_WINDOW - min(offset, MAX_RESULT_WINDOW))
            if total <= offset or limit <= 0:
                return SearchResult(total=total, hits=[], facets=facets)
            ranked = self._best_documents(db, match, offset + limit)[offset:]
            hits = []
            for seq, rank in ranked:
                doc = db.execute(
                    "SELECT id, filename, title FROM docs WHERE seq = ?", (seq,)
                ).fetchone()
                if doc is None:
                    continue
                lo, hi = _page_range(seq)
                pages = db.execute(
                    "SELECT t.rowid, x.text FROM page_terms t "
                    "JOIN page_texts x ON x.rowid = t.rowid "
                    "WHERE page_terms MATCH ? AND t.rowid BETWEEN ? AND ? "
                    "ORDER BY t.rowid LIMIT ?",
                    (on_page, lo, hi, MAX_PAGES_PER_HIT),
                ).fetchall()
                hits.append(
                    SearchHit(
                        id=doc[0],
                        filename=doc[1],
                        title=doc[2],
                        score=_score(rank),
                        pages=[
                            PageHit(
                                rowid & ((1 << PAGE_BITS) - 1),
                                make_snippet(text, parsed.all_terms),
                            )
                            for rowid, text in pages
                        ],
                    )
                )
        return SearchResult(total=total, hits=hits, facets=facets)


def _score(rank: float) -> float:
    """FTS5's bm25 rank as a score, higher first, to six significant digits. A word on
    more than half of all pages (a class journal's «журнал») has FTS5's floor idf, 1e-6:
    rounded to six decimals every such hit read 1e-06, whatever its order."""
    return float(f"{-float(rank):.6g}")


def facet_blob(fids: list[int]) -> bytes:
    """A document's facet value numbers as stored: 32-bit integers, little-endian on
    every machine, so an index file moved between machines reads the same."""
    ids = array("i", fids)
    if sys.byteorder == "big":
        ids.byteswap()
    return ids.tobytes()


def facet_ids(blob: bytes) -> array[int]:
    ids = array("i", blob)
    if sys.byteorder == "big":
        ids.byteswap()
    return ids


def _count_ids(db: sqlite3.Connection, select_blobs: str) -> Counter[int]:
    """How many of the selected documents hold each facet value number."""
    return Counter(facet_ids(b"".join(blob for (blob,) in db.execute(select_blobs))))
