"""The vector index of one model in a PostgreSQL library: a partial HNSW index (pgvector) on its rows.

A query asks PostgreSQL for the nearest current vectors of papers passing the filter (the
filter, the exclusions and the link to the paper's current vector are in the same SQL, so
pgvector's iterative index scan keeps going until enough pass), then rescores the rows it got
with float32 numpy and orders them like exact search: by score, then arXiv id. A filter or
library small enough (``exact_limit``) is scanned exactly instead of through the graph.

The graph is built once when a model's first vectors arrive (``add``, inside that write, with
memory enough to build it in memory) and grown by PostgreSQL on every insert after, so nothing
needs folding.
"""

from __future__ import annotations

import hashlib
from contextlib import AbstractContextManager
from typing import Any, Protocol

import numpy as np
from psycopg import sql

from ..errors import LibraryError
from ..store.base import PaperFilter
from .base import Hits, VectorSource, as_queries, best

EXACT_LIMIT = 20_000         # at most this many candidate papers: an exact scan (a few ms), not HNSW
_MARGIN = 10                 # extra rows fetched, then rescored exactly in float32 (boundary ties)
_MAX_EF_SEARCH = 1000        # pgvector's upper bound for hnsw.ef_search
# The graph as dense as the SQLite library's usearch graph (index/hnsw.py): pgvector's default
# graph (m 16, ef_construction 64) searched with ef_search 100 found 7 of the 10 nearest
# (recall@10 0.728) among postgres_bench's million near-random vectors.
_GRAPH_M, _GRAPH_EF_CONSTRUCTION, _EF_SEARCH = 32, 128, 200
_GRAPH_BYTES = 2048          # an HNSW build's memory per vector beyond its floats (measured at m = 16:
                             # 200k 384-d vectors filled 435 MB after 194,312, about 2.24 KB each;
                             # twice the neighbours at m = 32)
_MAX_BUILD_MEMORY = 8 << 30  # at most this maintenance_work_mem for one index build


class PgvectorSource(VectorSource, Protocol):
    """What this index reads of a PostgreSQL store besides the vector source."""

    conn: Any                 # the psycopg connection
    schema: str               # the library's schema
    vector_schema: str        # the schema of the pgvector extension
    iterative: bool           # pgvector >= 0.8: iterative index scans

    def q(self, statement: str) -> sql.Composed: ...

    def sql_where(self, where: PaperFilter) -> tuple[str, list]: ...

    def errors_translated(self) -> AbstractContextManager[None]: ...


class PgvectorIndex:
    """Search papers of a PostgreSQL ``store`` by vectors of ``model``; see the module docstring."""

    def __init__(self, store: PgvectorSource, model: str, ndim: int, exact_limit: int = EXACT_LIMIT):
        self.store, self.model, self.ndim, self.exact_limit = store, model, int(ndim), exact_limit
        self.name = f"vectors_hnsw_{hashlib.sha256(model.encode()).hexdigest()[:12]}"
        self._candidates_cache: dict = {}

    def _create_statement(self) -> sql.Composed:
        return sql.SQL("CREATE INDEX IF NOT EXISTS {name} ON {s}.vectors USING hnsw "
                       "((embedding::{v}.vector({ndim})) {v}.vector_ip_ops) WITH (m = {m}, ef_construction = {ef}) "
                       "WHERE model = {model}").format(
            name=sql.Identifier(self.name), s=sql.Identifier(self.store.schema),
            v=sql.Identifier(self.store.vector_schema), ndim=sql.Literal(self.ndim), m=sql.Literal(_GRAPH_M),
            ef=sql.Literal(_GRAPH_EF_CONSTRUCTION),
            model=sql.Literal(self.model))  # DDL takes no parameters: all are quoted as literals

    def _give_memory(self) -> None:
        """Raise maintenance_work_mem for this transaction to what the graph needs (unless the
        server already gives more): past it pgvector builds on disk, many times slower. Parallel
        maintenance workers are the server's setting (max_parallel_maintenance_workers)."""
        count, _ = self.store.vector_id_range(self.model)
        wanted = min(_MAX_BUILD_MEMORY, max(64 << 20, count * (4 * self.ndim + _GRAPH_BYTES)))
        current = self.store.conn.execute(
            "SELECT setting::bigint * 1024 FROM pg_settings WHERE name = 'maintenance_work_mem'").fetchone()[0]
        if wanted > current:
            self.store.conn.execute("SELECT set_config('maintenance_work_mem', %s, true)", (f"{wanted >> 20}MB",))

    def definition(self) -> tuple[bool, str] | None:
        """(valid, its CREATE INDEX statement) of the model's HNSW index, None where it has none."""
        return self.store.conn.execute(
            "SELECT i.indisvalid, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
            (self.store.schema, self.name)).fetchone()

    def check(self) -> None:
        found = self.definition()
        count, _ = self.store.vector_id_range(self.model)
        problem = None
        if found is None and count:
            problem = "missing"
        elif found is not None and not found[0]:
            problem = "invalid (an interrupted build?)"
        elif found is not None and f"vector({self.ndim})" not in found[1]:
            problem = f"built for another dimension than the model's {self.ndim}"
        if problem:
            raise LibraryError(f"the HNSW index of model {self.model} in {self.store.location} is {problem}; "
                               f"searches still answer, exactly and slowly. Rebuild it with `semdigest index "
                               f"rebuild --library URL`")

    def add(self) -> None:
        """Inside a write that put vectors: build the index over them when the model has none yet
        (all at once, far faster than growing the graph row by row); rebuild one left invalid or of
        another dimension."""
        found = self.definition()
        if found is None:
            if self.store.vector_id_range(self.model)[0]:
                self._give_memory()
                self.store.conn.execute(self._create_statement())
        elif not found[0] or f"vector({self.ndim})" not in found[1]:
            self.rebuild()

    def rebuild(self, extend: bool = True) -> str:
        """REINDEX the model's HNSW index (create it if missing); call inside the store's write."""
        found = self.definition()
        name = sql.SQL("{s}.{name}").format(s=sql.Identifier(self.store.schema), name=sql.Identifier(self.name))
        if found is not None and f"vector({self.ndim})" not in found[1]:
            self.store.conn.execute(sql.SQL("DROP INDEX {name}").format(name=name))
            found = None
        self._give_memory()
        if found is None:
            self.store.conn.execute(self._create_statement())
        else:
            self.store.conn.execute(sql.SQL("REINDEX INDEX {name}").format(name=name))
        count, _ = self.store.vector_id_range(self.model)
        return f"HNSW index {self.name} on {count} vectors of {self.model}"

    # -- search -----------------------------------------------------------------------------

    def search(self, queries: np.ndarray, k: int, where: PaperFilter = PaperFilter(),
               exclude: list[set[str]] | None = None) -> Hits:
        """For each query, up to k (arXiv id, cosine) of papers passing ``where``, best first,
        never one in ``exclude[i]``; equal scores in arXiv-id order."""
        queries, exclude = as_queries(queries, exclude)
        with self.store.errors_translated():
            candidates = self._candidates(where)
            exact = candidates <= self.exact_limit
            found = []
            for query, skip in zip(queries, exclude):
                hits = self._query(query, k, where, skip, exact)
                if not exact and len(hits) < min(k, candidates - len(skip)):
                    hits = self._query(query, k, where, skip, True)  # the graph ran out: scan
                found.append(hits)
        return found

    def _candidates(self, where: PaperFilter) -> int:
        """How many papers a query may return (cached until the next write)."""
        key = (self.store.data_version(), where)
        if key not in self._candidates_cache:
            condition, params = self.store.sql_where(where)
            self._candidates_cache = {key: self.store.conn.execute(self.store.q(
                "SELECT count(*) FROM {s}.paper_vectors l JOIN {s}.papers p ON p.arxiv_id = l.arxiv_id "
                f"WHERE l.model = %s AND {condition}"), [self.model, *params]).fetchone()[0],
                **{k: v for k, v in self._candidates_cache.items() if k[0] == key[0]}}
        return self._candidates_cache[key]

    def _query(self, query: np.ndarray, k: int, where: PaperFilter, skip: set[str],
               exact: bool) -> list[tuple[str, float]]:
        condition, params = self.store.sql_where(where)
        fetch = k + _MARGIN
        statement = self.store.q(
            "SELECT p.arxiv_id, v.embedding FROM {s}.vectors v "
            "JOIN {s}.paper_vectors l ON l.vector_id = v.id AND l.model = v.model "
            "JOIN {s}.papers p ON p.arxiv_id = l.arxiv_id "
            f"WHERE v.model = %s AND NOT (p.arxiv_id = ANY(%s)) AND {condition} "
            f"ORDER BY (v.embedding::{{v}}.vector({self.ndim})) OPERATOR({{v}}.<#>) %b::{{v}}.vector({self.ndim}) "
            "LIMIT %s")
        conn = self.store.conn
        with conn.transaction():
            if exact:
                conn.execute("SET LOCAL enable_indexscan = off")
            else:
                ef = min(_MAX_EF_SEARCH, max(_EF_SEARCH, 2 * fetch))
                conn.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(ef),))
                if self.store.iterative:
                    conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
                else:  # no iterative scans before pgvector 0.8: ask the graph for more and filter
                    fetch = min(_MAX_EF_SEARCH, fetch * 4)
            rows = conn.cursor(binary=True).execute(
                statement, [self.model, sorted(skip), *params, query, fetch]).fetchall()
        if not rows:
            return []
        scores = np.vstack([r[1] for r in rows]).astype(np.float32, copy=False) @ query
        return best([(r[0], float(s)) for r, s in zip(rows, scores)], k)
