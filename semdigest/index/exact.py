"""Exact nearest neighbours: one matrix product over a contiguous float32 array.

The reference every other index is measured against, and the search for small sets (a day,
a filtered slice, a library's newest vectors), where it is both exact and fastest.
``ExactStoreIndex`` is that search as a library's vector index: every query scans the store's
vectors of the papers passing its filter.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..store.base import PaperFilter
from .base import Hits, VectorSource, as_queries

_QUERY_CHUNK = 64  # a 64 x n score block (1M vectors: 256 MB); the fastest of 32, 64 and 128 measured


class ExactIndex:
    """Unit vectors under integer keys, searched by cosine (the dot product)."""

    def __init__(self, keys: Sequence[int] | np.ndarray, matrix: np.ndarray):
        self.keys = np.asarray(keys, dtype=np.int64)
        self.matrix = np.ascontiguousarray(matrix, dtype=np.float32)

    def __len__(self) -> int:
        return len(self.keys)

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None,
               exclude: Sequence[int | None] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(keys, scores) of the k best rows for each query; see ``top_k``."""
        rows, scores = top_k(self.matrix, queries, k, allowed, exclude)
        return self.keys[rows], scores


def top_k(matrix: np.ndarray, queries: np.ndarray, k: int,
          allowed: np.ndarray | None = None, exclude: Sequence[int | None] | None = None
          ) -> tuple[np.ndarray, np.ndarray]:
    """The k best rows of ``matrix`` for each query row, best first.

    ``matrix`` and ``queries`` are unit vectors, so the dot product is the cosine. ``allowed``
    is a boolean mask of rows that may be returned; ``exclude[i]`` is a row never returned for
    query i (the query paper itself). Returns (indices, scores), each (n_queries, k'), with
    k' = min(k, rows allowed); ties are broken by row order so results are deterministic.
    """
    queries = np.atleast_2d(queries)
    n = matrix.shape[0]
    candidates = n if allowed is None else int(allowed.sum())
    k = max(0, min(k, candidates - (1 if exclude is not None else 0)))
    indices = np.zeros((len(queries), k), dtype=np.int64)
    scores = np.zeros((len(queries), k), dtype=np.float32)
    if k == 0:
        return indices, scores
    for start in range(0, len(queries), _QUERY_CHUNK):
        block = queries[start:start + _QUERY_CHUNK] @ matrix.T
        if allowed is not None:
            block[:, ~allowed] = -np.inf
        if exclude is not None:
            for row, skip in enumerate(exclude[start:start + _QUERY_CHUNK]):
                if skip is not None:
                    block[row, skip] = -np.inf
        rows = slice(start, start + len(block))
        indices[rows], scores[rows] = _best_of_block(block, k)
    return indices, scores


def _best_of_block(block: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k largest entries of each row, best first, equal scores in row order."""
    n = block.shape[1]
    part = np.argpartition(block, n - k, axis=1)[:, n - k:]  # no negated copy of the block
    part_scores = np.take_along_axis(block, part, axis=1)
    # argpartition chooses arbitrarily among scores equal to the k-th: redo such rows in row
    # order (one comparison pass; a second kth in argpartition was measured 3x slower)
    kth = part_scores.min(axis=1, keepdims=True)
    for row in np.flatnonzero(np.count_nonzero(block >= kth, axis=1) > k):
        tied = np.flatnonzero(block[row] >= kth[row])
        part[row] = tied[np.lexsort((tied, -block[row, tied]))][:k]
        part_scores[row] = block[row, part[row]]
    order = np.lexsort((part, -part_scores), axis=1)
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(part_scores, order, axis=1)


def exact_hits(ids: list[str], matrix: np.ndarray, queries: np.ndarray, k: int,
               exclude: list[set[str]]) -> Hits:
    """For each query, the k best of the papers ``ids`` (rows of ``matrix``) not in its exclusions."""
    if not ids:
        return [[] for _ in queries]
    rows, scores = top_k(matrix, queries, k + max(len(e) for e in exclude))
    return [[(ids[r], float(s)) for r, s in zip(row_ids, row_scores) if ids[r] not in exclude[q]][:k]
            for q, (row_ids, row_scores) in enumerate(zip(rows, scores))]


class ExactStoreIndex:
    """The vector index that is no index: each search reads the passing papers' vectors and ranks
    them exactly. Nothing to build, check or keep in step."""

    def __init__(self, store: VectorSource, model: str, ndim: int):
        self.store, self.model, self.ndim = store, model, int(ndim)

    def add(self) -> None:
        pass

    def check(self) -> None:
        pass

    def rebuild(self, extend: bool = True) -> str:
        return f"no index to build: {self.model} is searched exactly"

    def search(self, queries: np.ndarray, k: int, where: PaperFilter = PaperFilter(),
               exclude: list[set[str]] | None = None) -> Hits:
        queries, exclude = as_queries(queries, exclude)
        linked = self.store.linked_vectors(self.model, where)
        return exact_hits(linked.arxiv_ids, shaped(linked.matrix, self.ndim), queries, k, exclude)


def shaped(matrix: np.ndarray, ndim: int) -> np.ndarray:
    """An empty result as a (0, ndim) matrix, which a product with the queries accepts."""
    return matrix if matrix.size else np.zeros((0, ndim), dtype=np.float32)
