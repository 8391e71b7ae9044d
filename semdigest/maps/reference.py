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

``reference_info``, ``rebuild_reference`` and ``map_coordinates`` keep the reference and the placed
positions in a library's store; the rest takes arrays.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

import numpy as np

from ..config import MIN_REFERENCE_SIZE
from ..errors import LibraryError
from ..index.exact import top_k
from ..records import PaperFilter
from ..topics.graph import neighbour_graph
from .projection import map_layout

REFERENCE_SIZE = 10_000  # papers fitted; more cost UMAP time (about linear) and barely move the map
PLACE_NEIGHBORS = 3      # reference papers a placed paper is averaged from (fewer: truer neighbours, stacked points)
# While the reference was fitted on fewer papers than this, it is refitted whenever the library
# has doubled since (a young library's first days make a poor map); from then on only on request.
SETTLED_REFERENCE = 5_000


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


# -- a library's reference, and its papers' positions on it --------------------------------------

def reference_info(library, model=None) -> dict | None:
    """What the model's reference map was fitted on (papers, library size, seed, date), or None."""
    value = library.store.get_meta(reference_key(library.embedder(model).key))
    return json.loads(value) if value else None


def rebuild_reference(library, model=None, size: int = REFERENCE_SIZE, seed: int = 42) -> dict:
    """Fit the reference map afresh on (a seeded sample of) the library's papers and forget
    every placed position: every map drawn from now on uses the new reference."""
    if size < MIN_REFERENCE_SIZE:
        raise LibraryError(f"size={size}: fit the reference on at least {MIN_REFERENCE_SIZE} papers "
                           "(a smaller library is fitted whole)")
    embedder = library.embedder(model)
    ids = library.store.arxiv_ids(PaperFilter())
    chosen = [ids[i] for i in reference_sample(ids, size, seed)]
    linked = library.store.linked_vectors(embedder.key, PaperFilter(ids=tuple(chosen)))
    if len(linked.arxiv_ids) < 2:
        raise LibraryError(f"the library {library.store.location} has {len(linked.arxiv_ids)} embedded papers; "
                           "a map needs at least two: ingest a digest first")
    coords = fit_reference(linked.matrix, linked.arxiv_ids, random_state=seed)
    version = (reference_info(library, embedder) or {}).get("version", 0) + 1
    info = {"papers": len(linked.arxiv_ids), "library_papers": len(ids), "seed": seed,
            "built": dt.date.today().isoformat(), "version": version}
    with library.store.write():
        library.store.clear_map_points(embedder.key)
        library.store.put_map_points(embedder.key, [(a, v, x, y, True) for a, v, (x, y)
                                                    in zip(linked.arxiv_ids, linked.vector_ids, coords)])
        library.store.set_meta(reference_key(embedder.key), json.dumps(info))
    return info


def _current_reference(library, embedder) -> dict:
    info = reference_info(library, embedder)
    outgrown = info is not None and info["papers"] < SETTLED_REFERENCE and \
        library.store.count_papers() >= 2 * info["library_papers"]
    if info is not None and not outgrown:
        return info
    if library.read_only:
        if info is not None:
            return info
        raise LibraryError(f"the library {library.store.location} has no reference map and is read-only here; "
                           "draw a library map once where it can be written")
    return rebuild_reference(library, embedder, seed=(info or {}).get("seed", 42))


def map_coordinates(library, ids: Iterable[str], model=None):
    """Positions of papers on the library's reference map: a DataFrame (arxiv_id, x, y, anchor),
    in arXiv-id order. A paper without one is placed now and its position stored, so it is
    the same every time it is drawn. The reference is fitted the first time it is needed."""
    import pandas as pd

    embedder = library.embedder(model)
    _current_reference(library, embedder)
    linked = library.store.linked_vectors(embedder.key, PaperFilter(ids=ids))
    stored = {p[0]: p for p in library.store.map_points(embedder.key, linked.arxiv_ids)}
    missing = [i for i, (a, v) in enumerate(zip(linked.arxiv_ids, linked.vector_ids))
               if a not in stored or (not stored[a][4] and stored[a][1] != v)]  # text changed: re-place
    if missing:
        anchors = library.store.map_points(embedder.key, anchors_only=True)
        vectors = library.store.vectors_by_id(embedder.key, [p[1] for p in anchors])
        coords = place(linked.matrix[missing], vectors, np.array([(p[2], p[3]) for p in anchors]))
        placed = [(linked.arxiv_ids[i], int(linked.vector_ids[i]), x, y, False)
                  for i, (x, y) in zip(missing, coords)]
        if not library.read_only:
            with library.store.write():
                library.store.put_map_points(embedder.key, placed)
        stored.update((p[0], p) for p in placed)
    rows = [stored[a] for a in linked.arxiv_ids]
    return pd.DataFrame({"arxiv_id": [r[0] for r in rows], "x": [r[2] for r in rows],
                         "y": [r[3] for r in rows], "anchor": [r[4] for r in rows]})


def reference_key(model: str) -> str:
    return f"reference-map:{model}"
