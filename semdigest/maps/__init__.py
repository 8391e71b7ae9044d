"""Topic maps: the neighbour graph and its layouts (projection.py), the static PNG (static.py) and
the self-contained interactive HTML file (interactive.py)."""

from .interactive import interactive_map, notebook_frame
from .projection import NeighbourGraph, neighbour_graph
from .static import PALETTE, label_anchors, static_map

__all__ = ["PALETTE", "NeighbourGraph", "interactive_map", "label_anchors", "neighbour_graph", "notebook_frame", "static_map"]
