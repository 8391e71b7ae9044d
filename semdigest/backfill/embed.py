"""The embedding half of a backfill: every paper of the library without a vector of the model
(and those whose text a backfill repaired), in batches with flat memory, written back through
``Library.add_vectors`` (one transaction a batch, so a kill loses at most one batch's work and
any store works). ``engine="local"`` encodes here (the GPU when there is one); ``engine="ray"``
on a Ray cluster with Ray Data batch inference (engines.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

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


def backlog(library, key: str) -> list[str]:
    """The papers to embed: no vector of ``key`` yet, or text repaired since theirs was made."""
    stale = json.loads(library.store.get_meta(REEMBED_KEY) or "[]")
    return sorted(set(library.store.unlinked(key)) | set(stale))


def texts(library, embedder, ids: list[str], batch_size: int) -> Iterator[tuple[list[str], list[str]]]:
    """(ids, document texts) a batch at a time, read from the library as they are needed."""
    for start in range(0, len(ids), batch_size):
        chunk = ids[start:start + batch_size]
        papers = library.store.get_papers(chunk)
        chunk = [i for i in chunk if i in papers]
        yield chunk, [embedder.spec.document_text(papers[i]) for i in chunk]


def embed_backlog(library, embedder, engine: str = "local", batch_size: int = 512, address: str | None = None,
                  workers: int = 2, progress: Callable[[int, int], None] | None = None) -> EmbedResult:
    """Embed the backlog of ``embedder``'s model and store the vectors, batch by batch."""
    from .engines import local_vectors, ray_vectors

    library.store.require_writable()
    ids = backlog(library, embedder.key)
    start, done = time.perf_counter(), 0
    batches = texts(library, embedder, ids, batch_size)
    if engine == "ray":
        vectors = ray_vectors(embedder, batches, address=address, workers=workers, batch_size=batch_size)
    else:
        vectors = local_vectors(embedder, batches)
    for chunk, matrix in vectors:
        library.add_vectors(embedder, chunk, np.asarray(matrix, dtype=np.float32))
        done += len(chunk)
        if progress:
            progress(done, len(ids))
    if ids:
        with library.store.write():
            library.store.set_meta(REEMBED_KEY, "[]")
    return EmbedResult(embedder.key, engine, done, time.perf_counter() - start)
