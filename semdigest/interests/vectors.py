"""An Interest turned into vectors in one model's space: what the rankers learn from."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..errors import InterestError
from ..records import Paper
from ..records import Interest


@dataclass(frozen=True)
class InterestVectors:
    """Unit vectors of an interest, one row per thing that defines it.

    ``positives`` rows are oldest first (the interest's papers in the order they were added,
    then its references, then its descriptions) and ``labels`` names each row: an arXiv id, a
    reference's id or title, or the description in quotes. ``missing`` lists papers of the
    interest that have no vector (not in the library yet) and no reference text to stand in.
    """

    labels: tuple[str, ...]
    positives: np.ndarray
    negative_ids: tuple[str, ...]
    negatives: np.ndarray
    missing: tuple[str, ...] = ()
    embedded: int = 0  # references and descriptions embedded for these vectors (not found stored)

    def __post_init__(self):
        if len(self.labels) != len(self.positives) or len(self.negative_ids) != len(self.negatives):
            raise ValueError("one label per vector")

    def __len__(self) -> int:
        return len(self.labels)

    def __repr__(self) -> str:
        return (f"InterestVectors(positives={len(self.labels)}, negatives={len(self.negative_ids)}, "
                f"missing={len(self.missing)}, embedded={self.embedded})")


class StoredVectors(Protocol):
    """Where embedded texts are kept between ranks (the Library's is the store's interest_vectors)."""

    writable: bool

    def get(self, texts: list[str]) -> dict[str, np.ndarray]:
        """The kept vectors of those of these exact texts that have one."""

    def put(self, vectors: dict[str, np.ndarray]) -> None:
        """Keep vectors (exact text -> vector); a store that cannot write keeps nothing."""


def interest_vectors(interest: Interest, ids: Sequence[str], matrix: np.ndarray, embedder=None,
                     stored: StoredVectors | None = None) -> InterestVectors:
    """The vectors of ``interest``.

    Parameters
    ----------
    interest : Interest
    ids, matrix : the arXiv ids and unit vectors of (at least) the interest's papers and its
        not-interesting papers, as ``Library.vectors(ids=...)`` returns them.
    embedder : Embedder, optional
        Embeds descriptions (as queries) and references (as documents, with the model's own
        text template). Needed only when the interest has either.
    stored : StoredVectors, optional
        Vectors of texts embedded before: only the others are embedded, and kept there.
    """
    dimension = matrix.shape[1]
    row_of = {arxiv_id: row for row, arxiv_id in enumerate(ids)}
    labels = [i for i in interest.papers if i in row_of]
    rows = [matrix[row_of[i]] for i in labels]
    references = [r for r in interest.references if r.arxiv_id not in row_of]
    texts_stand_in = {r.arxiv_id for r in references if r.arxiv_id}
    missing = tuple(i for i in interest.papers if i not in row_of and i not in texts_stand_in)

    if (references or interest.descriptions) and embedder is None:
        raise InterestError(f"{interest.name!r} has references or descriptions: embedding them needs an embedder")
    texts = embedder.document_texts([Paper(r.arxiv_id or "", r.title, (), r.abstract) for r in references]) \
        if references else []
    texts += [embedder.spec.query_text(d) for d in interest.descriptions]
    vectors, embedded = _embedded(texts, embedder, stored, interest.name) if texts else ({}, 0)
    rows.extend(vectors[t] for t in texts)
    labels.extend(r.label for r in references)
    labels.extend(f'"{d}"' for d in interest.descriptions)

    negative_ids = tuple(i for i in interest.not_interesting if i in row_of)
    return InterestVectors(
        labels=tuple(labels),
        positives=_stack(rows, dimension),
        negative_ids=negative_ids,
        negatives=_stack([matrix[row_of[i]] for i in negative_ids], dimension),
        missing=missing,
        embedded=embedded,
    )


# Texts are embedded in chunks and kept every _KEEP_EVERY texts, so an interrupted embedding
# keeps what it did. The first chunk loads the model and warms it up; the second, small, measures
# the rate before the rest is announced with its cost.
_WARM_UP, _MEASURED, _CHUNK, _KEEP_EVERY = 8, 64, 256, 4096
# An embedding of this many texts, or expected to take longer, is announced with its cost.
ANNOUNCE_TEXTS, ANNOUNCE_SECONDS = 1000, 10
_logger = logging.getLogger(__name__)


def _embedded(texts: list[str], embedder, stored: StoredVectors | None, name: str
              ) -> tuple[dict[str, np.ndarray], int]:
    """Every text's vector, from ``stored`` or embedded now; and how many were embedded."""
    unique = list(dict.fromkeys(texts))
    vectors = stored.get(unique) if stored is not None else {}
    todo = [t for t in unique if t not in vectors]
    if not todo:
        return vectors, 0
    from tqdm import tqdm

    pending: dict[str, np.ndarray] = {}
    bar = tqdm(total=len(todo), desc=f"Embedding {name}", unit="text", disable=not embedder.progress, leave=False)
    try:
        done = 0
        for size in _chunk_sizes():
            chunk = todo[done:done + size]
            if not chunk:
                break
            start = time.perf_counter()
            pending.update(zip(chunk, embedder.encode_few(chunk)))
            if done == _WARM_UP:
                rate = len(chunk) / max(time.perf_counter() - start, 1e-9)
                _announce(name, len(todo), rate, embedder, stored)
            done += len(chunk)
            bar.update(len(chunk))
            if stored is not None and len(pending) >= _KEEP_EVERY:
                vectors |= pending
                stored.put(pending)
                pending = {}
    finally:
        bar.close()
        vectors |= pending
        if stored is not None and pending:
            stored.put(pending)  # also when interrupted: what was embedded is not embedded again
    return vectors, len(todo)


def _chunk_sizes():
    yield _WARM_UP
    yield _MEASURED
    while True:
        yield _CHUNK


def _announce(name: str, count: int, rate: float, embedder, stored: StoredVectors | None) -> None:
    seconds = count / rate
    if count < ANNOUNCE_TEXTS and seconds < ANNOUNCE_SECONDS:
        return
    kept = ("later ranks use the stored vectors" if stored is not None and stored.writable
            else "they cannot be stored here, so every rank embeds them again")
    _logger.warning(f"semdigest: {name!r}: {count:,} references and descriptions to embed once with "
                    f"{embedder.spec.name}: about {_duration(seconds)} at this machine's measured rate "
                    f"({rate:.0f} a second); {kept}")


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} seconds"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.1f} hours"


def _stack(rows, dimension: int) -> np.ndarray:
    if not len(rows):
        return np.zeros((0, dimension), dtype=np.float32)
    return np.ascontiguousarray(np.vstack(rows), dtype=np.float32)
