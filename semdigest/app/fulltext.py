"""Full-text search over the library's papers: SQLite FTS5 with bm25, in its own small index.

The narrow interface the app searches through: ``FullTextIndex.build(rows)`` from (arxiv_id,
title, authors, abstract) rows, then ``search(query, k, allowed)`` -> [(arxiv_id, score)], best
first. The index lives in a private in-memory SQLite database, so the same code serves a
SQLite or a PostgreSQL library, and a read-only one, without changing its schema.

A query is what a reader types, never FTS5 syntax: every word is quoted, so "LoRA", "C++",
an id like 2606.04092 or a name like "Le Cun" match as written and nothing in it is an operator.
Every word must match; when nothing does, any word may (ranked by bm25 all the same).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable

# Title and authors weigh more than the abstract: a word in the title says what a paper is about.
_WEIGHTS = (10.0, 5.0, 1.0)
_WORD = re.compile(r"[^\s\"]+")
MAX_WORDS = 32  # a pasted paragraph is still a query, not a denial of service


class FullTextIndex:
    """An FTS5 index of papers' titles, authors and abstracts, ranked by bm25."""

    def __init__(self):
        # One connection used from the server's worker threads, one query at a time.
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._lock = threading.Lock()
        self._conn.execute("CREATE VIRTUAL TABLE papers_fts USING fts5("
                           "arxiv_id UNINDEXED, title, authors, abstract, tokenize='unicode61 remove_diacritics 2')")
        self.size = 0

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, str, str]]) -> "FullTextIndex":
        index = cls()
        index.add(rows)
        return index

    def add(self, rows: Iterable[tuple[str, str, str, str]]) -> None:
        with self._lock, self._conn:
            before = self._conn.total_changes
            self._conn.executemany("INSERT INTO papers_fts(arxiv_id, title, authors, abstract) VALUES (?, ?, ?, ?)",
                                   ((i, t or "", a or "", b or "") for i, t, a, b in rows))
            self.size += self._conn.total_changes - before

    def search(self, query: str, k: int = 50, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """Up to k (arxiv_id, score) pairs, best first (score: minus bm25, higher is better);
        ``allowed`` keeps only those ids (the date and category filters)."""
        words = [w for w in _WORD.findall(query) if any(c.isalnum() for c in w)][:MAX_WORDS]
        if not words:
            return []
        quoted = ['"' + w + '"' for w in words]
        found = self._match(" AND ".join(quoted), k, allowed)
        if not found and len(words) > 1:
            found = self._match(" OR ".join(quoted), k, allowed)
        return found

    def _match(self, expression: str, k: int, allowed: set[str] | None) -> list[tuple[str, float]]:
        weights = ", ".join(str(w) for w in _WEIGHTS)
        # With a filter, read further down the ranking: the filter drops rows after bm25 ranks them.
        limit = k if allowed is None else max(k * 20, 1000)
        with self._lock:
            rows = self._conn.execute(
                f"SELECT arxiv_id, bm25(papers_fts, {weights}) AS rank FROM papers_fts WHERE papers_fts MATCH ? "
                "ORDER BY rank LIMIT ?", (expression, limit)).fetchall()
        if allowed is not None:
            rows = [r for r in rows if r[0] in allowed]
        return [(i, -float(score)) for i, score in rows[:k]]

    def close(self) -> None:
        self._conn.close()
