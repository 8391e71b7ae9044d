"""The embedding half of a backfill: every paper of the library without a vector of the model
(and those whose text a backfill repaired), in batches with flat memory, written back through
``Library.add_vectors`` (one transaction a batch, so a kill loses at most one batch's work and
any store works). ``engine="local"`` encodes here (the GPU when there is one); ``engine="ray"``
on a Ray cluster, one pool of embedder actors for the whole backlog (engines.py). Then ``refit_map`` fits the library's
reference map once afresh, on a sample of the library the backfill made."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

import numpy as np

from ..records import PaperFilter
from .run import REEMBED_KEY

ENGINES = ("local", "ray")


@dataclass
class EmbedResult:
    model: str
    engine: str
    embedded: int
    seconds: float

    def __str__(self) -> str:
        rate = f", {self.embedded / self.seconds:,.1f} papers/s" if self.embedded and self.seconds else ""
        return f"embedded {self.embedded:,} papers with {self.model} ({self.engine}){rate}"


def backlog(library, key: str, page: int = 10_000) -> Iterator[str]:
    """The papers to embed, in arXiv-id order: those with no vector of ``key`` yet, read from the
    store a page at a time (a backlog of millions is never held whole; vectors stored meanwhile
    do not move the next page's start), then those whose text a backfill repaired since their
    vector was made."""
    repaired = _repaired_with_vectors(library, key)  # before any new vector: a new one is no stale one
    after = ""
    while ids := library.store.unlinked(key, after=after, limit=page):
        yield from ids
        after = ids[-1]
    yield from repaired


def backlog_size(library, key: str) -> int:
    return library.store.count_papers() - library.store.models().get(key, 0) + len(_repaired_with_vectors(library, key))


def _repaired_with_vectors(library, key: str) -> list[str]:
    stale = json.loads(library.store.get_meta(REEMBED_KEY) or "[]")
    return library.store.linked_vectors(key, PaperFilter(ids=tuple(stale))).arxiv_ids if stale else []


def texts(library, embedder, ids: Iterable[str], batch_size: int) -> Iterator[tuple[list[str], list[str]]]:
    """(ids, document texts) a batch at a time, read from the library as they are needed."""
    ids = iter(ids)
    while chunk := list(islice(ids, batch_size)):
        papers = library.store.get_papers(chunk)
        chunk = [i for i in chunk if i in papers]
        yield chunk, [embedder.spec.document_text(papers[i]) for i in chunk]


def embed_backlog(library, embedder, engine: str = "local", batch_size: int = 512, address: str | None = None,
                  workers: int = 2, progress: Callable[[int, int], None] | None = None) -> EmbedResult:
    """Embed the backlog of ``embedder``'s model and store the vectors, batch by batch."""
    from .engines import local_vectors, ray_vectors

    library.store.require_writable()
    total = backlog_size(library, embedder.key)
    start, done = time.perf_counter(), 0
    batches = texts(library, embedder, backlog(library, embedder.key), batch_size)
    if engine == "ray":
        vectors = ray_vectors(embedder, batches, address=address, workers=workers)
    else:
        vectors = local_vectors(embedder, batches)
    for chunk, matrix in vectors:
        library.add_vectors(embedder, chunk, np.asarray(matrix, dtype=np.float32))
        done += len(chunk)
        if progress:
            progress(done, total)
    if library.store.get_meta(REEMBED_KEY) not in (None, "[]"):
        with library.store.write():
            library.store.set_meta(REEMBED_KEY, "[]")
    return EmbedResult(embedder.key, engine, done, time.perf_counter() - start)


def refit_map(library, embedder) -> dict | None:
    """The reference map (maps/reference.py) fitted afresh on a seeded sample of the library as
    a backfill left it, so the library map shows the history and not only the days collected
    before it; with the seed of the map it replaces (42 for a first one): the same library gives
    the same map. None while fewer than two papers have vectors of the model."""
    from ..maps.reference import rebuild_reference, reference_info

    if library.store.models().get(embedder.key, 0) < 2:
        return None
    seed = (reference_info(library, embedder) or {}).get("seed", 42)
    return rebuild_reference(library, embedder, seed=seed)
