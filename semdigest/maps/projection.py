"""The 2-D map of a set of papers: a UMAP layout of the neighbour graph their topics were found on
(``topics.graph``), spaced for reading."""

from __future__ import annotations

import numpy as np

from ..topics.graph import NeighbourGraph

# Spacing of the 2-D map: 0 packs a topic's papers on top of each other, 0.1 keeps them readable.
MAP_MIN_DIST = 0.1


def map_layout(graph: NeighbourGraph, random_state: int = 42) -> np.ndarray:
    """x, y of each paper (rows in the graph's input order)."""
    return graph.layout(2, min_dist=MAP_MIN_DIST, random_state=random_state)
