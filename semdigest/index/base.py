"""What a vector index is (``VectorIndex``) and the few store reads one needs (``VectorSource``).

An index answers "the k papers nearest to these vectors, passing this filter"; the store keeps
the vectors themselves. An index depends on the store only through ``VectorSource``, so any
store that offers these reads can carry any index, and an index can be added without editing
a store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

import numpy as np

from ..store.base import LinkedVectors, PaperFilter

Hits = list[list[tuple[str, float]]]  # per query: (arXiv id, cosine), best first


class VectorIndex(Protocol):
    """The vector index of one model of one library."""

    def add(self) -> None:
        """Inside the store's write that put vectors of the model: bring the index up to date (build
        it when missing, repair it when damaged, fold what has grown)."""

    def search(self, queries: np.ndarray, k: int, where: PaperFilter = PaperFilter(),
               exclude: list[set[str]] | None = None) -> Hits:
        """For each query, up to k (arXiv id, cosine) of papers passing ``where``, best first, never
        one in ``exclude[i]``; equal scores in arXiv-id order."""

    def check(self) -> None:
        """The index against the store; a LibraryError that says how to rebuild it."""

    def rebuild(self, extend: bool = True) -> object:
        """Inside the store's write: build the index afresh (or, with ``extend``, grow it); returns
        what it now holds, printable."""


class VectorSource(Protocol):
    """The store reads (and the write hooks) an index needs."""

    location: str
    read_only: bool
    index_folder: Path | None   # where a file index of this store lives, if it has one

    def write(self) -> AbstractContextManager[None]: ...

    def after_commit(self, action: Callable[[], None]) -> None: ...

    def after_rollback(self, action: Callable[[], None]) -> None: ...

    def data_version(self) -> object: ...

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    def count_papers(self, where: PaperFilter = PaperFilter(), at_most: int | None = None) -> int: ...

    def linked_vectors(self, model: str, where: PaperFilter = PaperFilter(), min_vector_id: int = 0
                       ) -> LinkedVectors: ...

    def vectors_by_id(self, model: str, vector_ids: Iterable[int]) -> np.ndarray: ...

    def papers_of_vectors(self, model: str, vector_ids: Iterable[int],
                          where: PaperFilter = PaperFilter()) -> dict[int, list[str]]: ...

    def vector_id_range(self, model: str, after: int = 0) -> tuple[int, int]: ...

    def iter_vectors(self, model: str, max_vector_id: int, batch: int = 10_000
                     ) -> Iterator[tuple[np.ndarray, np.ndarray]]: ...


def best(hits: list[tuple[str, float]], k: int) -> list[tuple[str, float]]:
    """The k best hits, equal scores in arXiv-id order."""
    return sorted(hits, key=lambda h: (-h[1], h[0]))[:k]


def as_queries(queries: np.ndarray, exclude: list[set[str]] | None) -> tuple[np.ndarray, list[set[str]]]:
    """Queries as a float32 matrix of rows, and one exclusion set per query."""
    queries = np.atleast_2d(np.asarray(queries, dtype=np.float32))
    return queries, exclude or [set() for _ in queries]
