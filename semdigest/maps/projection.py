"""2-D maps and UMAP reductions, with numba's compiled code cached on disk.

umap-learn jit-compiles its kernels with numba in every new process (8-9 s measured for one
day's papers), and most of them are not marked cache=True, so NUMBA_CACHE_DIR alone does not
help. Enabling the on-disk cache on those dispatchers before their first call makes only the
first process on a machine pay the compilation; later processes load it in well under a second.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from functools import cache

import numpy as np
import platformdirs


@cache
def _umap_class():
    os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(platformdirs.user_cache_dir("semdigest"), "numba"))
    import umap
    from numba.core.caching import NullCache
    from numba.core.registry import CPUDispatcher

    modules = [m for name, m in list(sys.modules.items()) if name.startswith(("umap", "pynndescent"))]
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, CPUDispatcher) and isinstance(value._cache, NullCache):
                try:
                    value.enable_caching()
                except Exception:  # one numba cannot cache (a closure) compiles as before
                    pass
    return umap.UMAP


def reduce(matrix: np.ndarray, n_components: int, *, n_neighbors: int = 15, min_dist: float = 0.0,
           random_state: int = 42) -> np.ndarray:
    """A deterministic cosine UMAP of unit vectors; rows are returned in the input order."""
    n = len(matrix)
    if n <= n_components + 1:
        return np.zeros((n, n_components), dtype=np.float32) if n < 2 else _pca(matrix, n_components)
    umap_class = _umap_class()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "n_jobs overridden by random_state" and friends
        model = umap_class(
            n_components=n_components, n_neighbors=min(n_neighbors, n - 1), min_dist=min_dist,
            metric="cosine", random_state=random_state, init="spectral" if n > 2 * n_components + 2 else "random",
        )
        return model.fit_transform(matrix).astype(np.float32)


def _pca(matrix: np.ndarray, n_components: int) -> np.ndarray:
    centred = matrix - matrix.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    out = np.zeros((len(matrix), n_components), dtype=np.float32)
    k = min(n_components, u.shape[1])
    out[:, :k] = u[:, :k] * s[:k]
    return out


def project(X: np.ndarray, ids: Sequence[str], random_state: int = 42) -> np.ndarray:
    """2-D UMAP coordinates, fitted in arXiv-id order so the same papers give the same map."""
    order = np.argsort(np.asarray(ids), kind="stable")
    coords = np.empty((len(ids), 2), dtype=np.float32)
    coords[order] = reduce(np.asarray(X)[order], 2, min_dist=0.1, random_state=random_state)
    return coords
