"""Vector indexes, apart from the stores (as txtai keeps ``ann/`` apart from ``database/``).

- ``base.py``: what an index is (``VectorIndex``) and the store reads it needs (``VectorSource``);
- ``exact.py``: exact search, the reference; ``ExactStoreIndex`` scans the store on every query;
- ``hnsw.py``: an HNSW graph (usearch) in a file;
- ``segmented.py``: a file library's index, an HNSW file plus an exact tail kept in step;
- ``pgvector.py``: a PostgreSQL library's index, a pgvector HNSW index inside the database.

``open_index`` picks the one a store is made for (the store names it: ``store.index_kind``).
"""

from __future__ import annotations

from .base import VectorIndex, VectorSource
from .exact import ExactIndex, ExactStoreIndex, top_k
from .hnsw import HNSWIndex

KINDS = ("exact", "segmented", "pgvector")


def open_index(store: VectorSource, model: str, ndim: int, kind: str | None = None, progress: bool | None = None,
               **options) -> VectorIndex:
    """The vector index of ``model`` (a model key, its vectors of dimension ``ndim``) over ``store``:
    of ``kind``, or the kind the store is made for. ``options`` are the index's tunables
    (``tail_limit``, ``exact_limit``); ``progress``: a bar while an index file is built (None: on
    a terminal; only the segmented index builds one)."""
    kind = kind or getattr(store, "index_kind", "exact")
    if kind == "segmented":
        from .segmented import SegmentedIndex

        return SegmentedIndex(store, model, ndim, progress=progress, **options)
    if kind == "pgvector":
        from .pgvector import PgvectorIndex  # psycopg: only with a PostgreSQL library

        return PgvectorIndex(store, model, ndim, **options)
    if kind == "exact":
        return ExactStoreIndex(store, model, ndim)
    raise ValueError(f"no vector index of kind {kind!r}; pick one of {', '.join(KINDS)}")


__all__ = ["ExactIndex", "ExactStoreIndex", "HNSWIndex", "KINDS", "VectorIndex", "VectorSource", "open_index",
           "top_k"]
