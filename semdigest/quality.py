"""The quality gate a faster backend must pass against the fp32 reference, stated once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_MEAN_COSINE = 0.99
MIN_TOP10_OVERLAP = 0.9


@dataclass(frozen=True)
class GateResult:
    mean_cosine: float
    top10_overlap: float

    @property
    def passed(self) -> bool:
        return self.mean_cosine >= MIN_MEAN_COSINE and self.top10_overlap >= MIN_TOP10_OVERLAP


def quality_gate(reference: np.ndarray, candidate: np.ndarray, k: int = 10) -> GateResult:
    """Mean cosine of each text's two vectors, and the share of each text's k nearest
    neighbours (itself excluded) that both embeddings agree on."""
    cosine = float(np.mean(np.sum(reference * candidate, axis=1)))
    k = min(k, len(reference) - 1)
    if k < 1:
        return GateResult(cosine, 1.0)
    return GateResult(cosine, float(np.mean([
        len(set(a) & set(b)) / k for a, b in zip(_nearest(reference, k), _nearest(candidate, k))
    ])))


def _nearest(matrix: np.ndarray, k: int) -> np.ndarray:
    scores = matrix @ matrix.T
    np.fill_diagonal(scores, -np.inf)
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]
