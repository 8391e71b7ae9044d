"""An Interest turned into vectors in one model's space: what the rankers learn from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import InterestError
from ..records import Paper
from .model import Interest


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

    def __post_init__(self):
        if len(self.labels) != len(self.positives) or len(self.negative_ids) != len(self.negatives):
            raise ValueError("one label per vector")

    def __len__(self) -> int:
        return len(self.labels)

    def __repr__(self) -> str:
        return (f"InterestVectors(positives={len(self.labels)}, negatives={len(self.negative_ids)}, "
                f"missing={len(self.missing)})")


def interest_vectors(interest: Interest, ids: Sequence[str], matrix: np.ndarray, embedder=None) -> InterestVectors:
    """The vectors of ``interest``.

    Parameters
    ----------
    interest : Interest
    ids, matrix : the arXiv ids and unit vectors of (at least) the interest's papers and its
        not-interesting papers, as ``Library.vectors(ids=...)`` returns them.
    embedder : Embedder, optional
        Embeds descriptions (as queries) and references (as documents, with the model's own
        text template). Needed only when the interest has either.
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
    if references:
        papers = [Paper(r.arxiv_id or "", r.title, (), r.abstract) for r in references]
        rows.extend(embedder.encode(embedder.document_texts(papers), progress=False))
        labels.extend(r.label for r in references)
    if interest.descriptions:
        rows.extend(embedder.encode_queries(list(interest.descriptions)))
        labels.extend(f'"{d}"' for d in interest.descriptions)

    negative_ids = tuple(i for i in interest.not_interesting if i in row_of)
    return InterestVectors(
        labels=tuple(labels),
        positives=_stack(rows, dimension),
        negative_ids=negative_ids,
        negatives=_stack([matrix[row_of[i]] for i in negative_ids], dimension),
        missing=missing,
    )


def _stack(rows, dimension: int) -> np.ndarray:
    if not len(rows):
        return np.zeros((0, dimension), dtype=np.float32)
    return np.ascontiguousarray(np.vstack(rows), dtype=np.float32)
