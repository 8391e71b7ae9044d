"""Exact top-k against a full sort, with ties, masks and excluded rows."""

from __future__ import annotations

import numpy as np
import pytest

from semdigest.index.exact import top_k


def full_sort(matrix, queries, k, allowed, exclude):
    scores = queries @ matrix.T
    found = []
    for row, query_scores in enumerate(scores):
        rows = [i for i in range(len(matrix)) if allowed[i] and i != exclude[row]]
        found.append(sorted(rows, key=lambda i: (-query_scores[i], i))[:k])
    return np.array(found)


@pytest.mark.parametrize("seed", range(5))
def test_top_k_equals_a_full_sort_with_ties_in_row_order(seed):
    rng = np.random.default_rng(seed)
    # small integers: every dot product is exact whatever BLAS's summation order, so equal
    # scores are truly equal, and there are many of them at every k-th boundary
    matrix = rng.integers(-2, 3, (300, 16)).astype(np.float32)
    queries = matrix[rng.integers(0, 300, 150)]  # more than one query chunk
    allowed = rng.random(300) > 0.3
    exclude = [int(i) if i % 3 else None for i in rng.integers(0, 300, 150)]

    indices, scores = top_k(matrix, queries, 12, allowed, exclude)

    assert (indices == full_sort(matrix, queries, 12, allowed, exclude)).all()
    assert np.allclose(scores, np.take_along_axis(queries @ matrix.T, indices, axis=1))


def test_top_k_returns_no_more_than_the_allowed_rows():
    matrix = np.eye(4, dtype=np.float32)
    indices, _ = top_k(matrix, matrix[:1], 10, allowed=np.array([True, False, True, False]))
    assert indices.tolist() == [[0, 2]]
