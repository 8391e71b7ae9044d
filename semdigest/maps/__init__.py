"""Topic maps: the 2-D projection (projection.py), the static PNG (static.py) and the
self-contained interactive HTML file (interactive.py)."""

from .interactive import interactive_map
from .projection import project, reduce
from .static import PALETTE, static_map, topic_centres

__all__ = ["PALETTE", "interactive_map", "project", "reduce", "static_map", "topic_centres"]
