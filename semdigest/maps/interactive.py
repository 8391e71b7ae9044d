"""The interactive topic map: one self-contained HTML file (no network: data, script and styles inline)."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

import numpy as np

from ..pages import html_page
from .static import PALETTE

if TYPE_CHECKING:  # only for the annotations: importing topics would load its estimator stack
    from ..topics import Topics

def interactive_map(points: list[dict], topics: Topics, anchors: np.ndarray, title: str,
                    min_confidence: float = 0.5, backdrop: np.ndarray | None = None,
                    subtopics: Topics = (), subtopic_anchors: np.ndarray | None = None) -> str:
    """A self-contained HTML page (no network: data, script and styles inline).

    ``points`` carry x, y, id, title, authors, tldr, category, topic, subtopic and confidence for
    each paper (a paper below ``min_confidence`` is drawn as a ring); ``anchors`` are where the
    topics' labels belong (``label_anchors``), ``subtopic_anchors`` the sub-topics' (shown when the
    reader colours by sub-topic); ``backdrop`` (x, y rows) is drawn faint beneath."""
    def placed(groups, where):
        return [{"id": t.id, "label": t.label, "size": t.size, "x": float(x), "y": float(y),
                 **({"parent": t.parent} if t.parent is not None else {})} for t, (x, y) in zip(groups, where)]

    data = {
        "title": title,
        "points": points,
        "topics": placed(topics, anchors),
        "subtopics": placed(subtopics, subtopic_anchors) if subtopic_anchors is not None else [],
        "palette": PALETTE,
        "min_confidence": min_confidence,
    }
    if backdrop is not None:
        data["backdrop"] = [[round(float(x), 3), round(float(y), 3)] for x, y in backdrop]
    return html_page("map.html", title, data)


def notebook_frame(page: str) -> str:
    """A self-contained HTML page inline in Jupyter: a sandboxed frame holding it."""
    source = base64.b64encode(page.encode("utf-8")).decode("ascii")
    return (f"<iframe src='data:text/html;base64,{source}' style='width:100%;height:620px;border:0' "
            "sandbox='allow-scripts allow-popups'></iframe>")
