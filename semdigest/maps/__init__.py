"""Topic maps: the 2-D layout of the topics' neighbour graph (projection.py), the static PNG (static.py) and
the self-contained interactive HTML file (interactive.py)."""

from .interactive import interactive_map, notebook_frame
from .projection import MAP_MIN_DIST, map_layout
from .static import PALETTE, label_anchors, static_map

__all__ = ["MAP_MIN_DIST", "PALETTE", "interactive_map", "label_anchors", "map_layout", "notebook_frame", "static_map"]
