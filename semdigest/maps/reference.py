"""The library's reference map: one 2-D layout of the library on which every day is placed.

A day's own topic map is a fresh layout of that day's papers: the same subject lands anywhere
from one day to the next. The reference map is fitted once, on a sample of the library (UMAP of
the papers' neighbour graph, as a day's map is drawn, seeded and in arXiv-id order), and every
other paper is *placed* on it: at the weighted mean of the map positions of its nearest
reference papers (cosine on the same mean-removed vectors the layout was fitted on), weighted
as UMAP's own ``transform`` weighs them (exp(-(d - d_nearest) / sigma)). A paper's position is
then a function of its vector and the reference alone: re-placing it, in any order, alongside
any other papers, gives the same point, so a re-drawn day and a re-published paper sit where
they sat. ``benchmarks/crossday_placement_bench.py`` measures this against UMAP's ``transform``
and AlignedUMAP's ``update`` (README, "Across days").

Everything here takes arrays; nothing opens a store.
"""

from __future__ import annotations

import numpy as np

from ..index.exact import top_k
from ..topics.graph import neighbour_graph
from .projection import map_layout

REFERENCE_SIZE = 10_000  # papers fitted; more cost UMAP time (about linear) and barely move the map
# The least a rebuild may be asked to fit on (a smaller library is fitted whole): a handful of
# papers is no map of a library, and every other paper would be placed among them.
MIN_REFERENCE_SIZE = 100
PLACE_NEIGHBORS = 3      # reference papers a placed paper is averaged from (fewer: truer neighbours, stacked points)


def reference_sample(ids, size: int = REFERENCE_SIZE, seed: int = 0) -> np.ndarray:
    """Rows of ``ids`` to fit the reference on: all of them up to ``size``, else a seeded sample;
    chosen in arXiv-id order, so the same library gives the same sample in any row order."""
    order = np.argsort(np.asarray(ids), kind="stable")
    if len(order) <= size:
        return np.sort(order)
    chosen = np.random.default_rng(seed).choice(len(order), size, replace=False)
    return np.sort(order[chosen])


def fit_reference(X: np.ndarray, ids, random_state: int = 42, n_neighbors: int = 15) -> np.ndarray:
    """2-D coordinates of the reference papers (rows of ``X``, unit vectors), in the input order."""
    graph = neighbour_graph(np.asarray(X, dtype=np.float32), list(ids), n_neighbors=n_neighbors)
    return map_layout(graph, random_state=random_state).astype(np.float64)


def place(X: np.ndarray, anchors: np.ndarray, anchor_coords: np.ndarray,
          k: int = PLACE_NEIGHBORS) -> np.ndarray:
    """Map positions of the rows of ``X`` on a reference fitted on ``anchors`` (its vectors, in the
    rows of ``anchor_coords``): the weighted mean of the positions of their k nearest anchors."""
    X = np.atleast_2d(np.asarray(X, dtype=np.float32))
    out = np.zeros((len(X), 2), dtype=np.float64)
    if len(X) == 0 or len(anchors) == 0:
        return out
    mean = anchors.mean(axis=0) if len(anchors) > 1 else np.zeros(anchors.shape[1], np.float32)
    rows, scores = top_k(_centred(anchors, mean), _centred(X, mean), min(k, len(anchors)))
    distances = 1.0 - scores.astype(np.float64)
    gaps = distances - distances[:, :1]
    sigma = np.maximum(gaps.mean(axis=1, keepdims=True), 1e-6)
    weights = np.exp(-gaps / sigma)
    weights /= weights.sum(axis=1, keepdims=True)
    return np.einsum("nk,nkd->nd", weights, np.asarray(anchor_coords, dtype=np.float64)[rows])


def _centred(X: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """The vectors with the reference's mean taken out and renormalised, as its layout saw them."""
    centred = np.asarray(X, dtype=np.float32) - mean
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    return (centred / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def faithfulness(X: np.ndarray, coords: np.ndarray, rows=None, k: int = 10) -> float:
    """Mean share of a paper's k nearest map points that are among its k nearest papers by cosine
    (both among all rows of ``X`` / ``coords``), over ``rows`` (default: every row)."""
    X = np.asarray(X, dtype=np.float32)
    coords = np.asarray(coords, dtype=np.float64)
    rows = np.arange(len(X)) if rows is None else np.asarray(rows)
    k = min(k, len(X) - 1)
    if k < 1 or len(rows) == 0:
        return float("nan")
    shares = []
    for start in range(0, len(rows), 512):
        block = rows[start:start + 512]
        similarity = X[block] @ X.T
        similarity[np.arange(len(block)), block] = -np.inf
        near = np.argpartition(-similarity, k, axis=1)[:, :k]
        squared = ((coords[block, None, :] - coords[None, :, :]) ** 2).sum(axis=2)
        squared[np.arange(len(block)), block] = np.inf
        near_map = np.argpartition(squared, k, axis=1)[:, :k]
        shares += [len(np.intersect1d(a, b)) / k for a, b in zip(near, near_map)]
    return float(np.mean(shares))
