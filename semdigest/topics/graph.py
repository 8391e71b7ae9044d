"""The neighbour graph of a set of papers and its UMAP layouts: one graph for the topics and the maps.

The graph is built once, in a canonical order (by arXiv id), on the papers' vectors with the set's
mean taken out: MiniLM's vectors share one direction, and removing it lets the neighbours be
decided by what a paper is about rather than by that common part (V-measure of the topics against
primary category +0.02-0.03 on the 11 shared days). The topics are found on a 10-d layout of the
graph and the map is a 2-d layout of the same graph, so a topic's papers sit together on the map.

umap-learn jit-compiles its kernels with numba in every new process (8-9 s measured for one
day's papers), and most of them are not marked cache=True, so NUMBA_CACHE_DIR alone does not
help. Enabling the on-disk cache on those dispatchers before their first call makes only the
first process on a machine pay the compilation; later processes load it in well under a second.
That first process (a new user's first day) compiles on a thread while it ingests, which leaves a
core idle much of the time (imports, the model's conversion, reading), instead of after it.
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from ..config import cache_dir


_UMAP_LOCK = threading.Lock()  # the compiling thread and the caller may both ask for umap first


def _umap_module():
    with _UMAP_LOCK:
        return _umap_with_cached_kernels()


@cache
def _umap_with_cached_kernels():
    import umap
    import umap.umap_
    from numba.core.caching import NullCache
    from numba.core.registry import CPUDispatcher

    function_cache = _function_cache_in(cache_dir() / "numba")
    modules = [m for name, m in list(sys.modules.items()) if name.startswith(("umap", "pynndescent"))]
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, CPUDispatcher) and isinstance(value._cache, NullCache):
                try:
                    value._cache = function_cache(value.py_func)
                except Exception:  # one numba cannot cache (a closure) compiles as before
                    pass
    return umap


def compile_layouts_in_background() -> threading.Thread | None:
    """Where numba's cache lacks UMAP's layout kernel (nothing compiled on this machine yet), compile
    the kernels the topics and maps use now, on a thread, on a small made-up graph. Returns the
    thread, or None (cache warm: nothing is imported, so a known day's re-run stays without umap)."""
    if any((cache_dir() / "numba").glob("umap_*/layouts._optimize_layout_euclidean_single_epoch-*.nbi")):
        return None
    thread = threading.Thread(target=_compile_layouts, name="semdigest-compile-umap", daemon=True)
    thread.start()
    return thread


def _compile_layouts() -> None:
    vectors = np.random.default_rng(0).standard_normal((48, 8)).astype(np.float32)
    graph = neighbour_graph(vectors, [f"{i:02d}" for i in range(len(vectors))])
    try:
        graph.membership()
        graph.layout(2)
    except Exception:  # only a head start: the real call compiles, and reports, as before
        pass


def _function_cache_in(folder):
    """numba's on-disk cache of compiled functions, kept in ``folder``: set per dispatcher, so the
    process's numba configuration (NUMBA_CACHE_DIR) is left as it is."""
    from numba.core.caching import CompileResultCacheImpl, FunctionCache, UserProvidedCacheLocator

    class Locator(UserProvidedCacheLocator):
        def __init__(self, py_func, py_file):
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno
            self._cache_path = os.path.join(folder, self.get_suitable_cache_subpath(py_file))

        @classmethod
        def from_function(cls, py_func, py_file):  # numba's own checks, without its NUMBA_CACHE_DIR test
            return super(UserProvidedCacheLocator, cls).from_function(py_func, py_file)

    class Impl(CompileResultCacheImpl):
        _locator_classes = [Locator]

    class Cache(FunctionCache):
        _impl_class = Impl

    return Cache


@dataclass(frozen=True)
class NeighbourGraph:
    """Each paper's nearest papers (exact cosine on mean-removed vectors), kept in canonical order.

    ``order[i]`` is the input row of the i-th paper in canonical order; ``indices`` and
    ``distances`` are in canonical positions, each row starting with the paper itself.
    """

    order: np.ndarray
    vectors: np.ndarray = field(repr=False)
    indices: np.ndarray = field(repr=False)
    distances: np.ndarray = field(repr=False)

    @property
    def n_neighbors(self) -> int:
        return self.indices.shape[1]

    def membership(self):
        """UMAP's fuzzy graph (a symmetric sparse matrix of link strengths in [0, 1]), canonical order."""
        umap = _umap_module()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph, _, _ = umap.umap_.fuzzy_simplicial_set(
                self.vectors, self.n_neighbors, np.random.RandomState(0), "cosine",
                knn_indices=self.indices, knn_dists=self.distances)
        return graph.tocsr()

    def layout(self, n_components: int, *, min_dist: float = 0.0, random_state: int = 42) -> np.ndarray:
        """A UMAP layout of the graph, rows in the input order."""
        n = len(self.order)
        out = np.zeros((n, n_components), dtype=np.float32)
        if n <= n_components + 1 or self.n_neighbors < 2:
            out[self.order] = _pca(self.vectors, n_components) if n > 1 else 0.0
            return out
        umap = _umap_module()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "n_jobs overridden by random_state" and friends
            model = umap.UMAP(
                n_components=n_components, n_neighbors=self.n_neighbors, min_dist=min_dist, metric="cosine",
                random_state=random_state, init="spectral" if n > 2 * n_components + 2 else "random",
                precomputed_knn=(self.indices, self.distances),
            )
            out[self.order] = model.fit_transform(self.vectors)
        return out


def neighbour_graph(X: np.ndarray, ids: Sequence[str], n_neighbors: int = 15) -> NeighbourGraph:
    """The graph of ``X``'s rows (unit vectors), built in arXiv-id order so any input order gives the same."""
    order = np.argsort(np.asarray(ids), kind="stable")
    vectors = np.asarray(X, dtype=np.float32)[order]
    if len(vectors) > 1:
        vectors = vectors - vectors.mean(axis=0)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)
    k = max(min(n_neighbors, len(vectors)), 1)
    indices = np.empty((len(vectors), k), dtype=np.int32)
    distances = np.empty((len(vectors), k), dtype=np.float32)
    for start in range(0, len(vectors), _BLOCK):  # a block of rows at a time: a year of papers fits in memory
        rows = np.arange(start, min(start + _BLOCK, len(vectors)))
        similarity = vectors[rows] @ vectors.T
        similarity[np.arange(len(rows)), rows] = np.inf  # each paper is its own first neighbour, as UMAP expects
        if k < len(vectors):
            candidates = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        else:
            candidates = np.tile(np.arange(len(vectors)), (len(rows), 1))
        best = np.take_along_axis(similarity, candidates, axis=1)
        ranked = np.lexsort((candidates, -best), axis=1)  # equal similarities in canonical order
        indices[rows] = np.take_along_axis(candidates, ranked, axis=1)
        distances[rows] = np.maximum(1.0 - np.take_along_axis(best, ranked, axis=1), 0.0)
    distances[:, 0] = 0.0
    return NeighbourGraph(order=order, vectors=vectors, indices=indices, distances=distances)


_BLOCK = 512


def _pca(matrix: np.ndarray, n_components: int) -> np.ndarray:
    centred = matrix - matrix.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    out = np.zeros((len(matrix), n_components), dtype=np.float32)
    k = min(n_components, u.shape[1])
    out[:, :k] = u[:, :k] * s[:k]
    return out
