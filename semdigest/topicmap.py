"""A TopicMap: the topics and 2-D map of a set of papers, built from (ids, matrix, metadata)."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .maps import interactive_map, label_anchors, static_map
from .maps.projection import MAP_MIN_DIST
from .topics import TopicModel, Topics


@dataclass
class TopicMap:
    """Papers with their topic and map position; topics; and the maps drawn from them.

    ``papers`` has one row per paper: arxiv_id, title, authors, tldr, primary_category, date,
    topic, label, confidence (share of the paper's neighbour links inside its topic), flagged
    (confidence below the model's ``min_confidence``), x, y. The map is a layout of the same
    neighbour graph the topics were found on.
    """

    title: str
    papers: pd.DataFrame
    topics: Topics
    model: TopicModel

    @classmethod
    def build(cls, ids, matrix: np.ndarray, metadata: pd.DataFrame, title: str,
              model: TopicModel | None = None) -> "TopicMap":
        """``metadata`` is indexed like ``ids`` and has title, abstract, authors, tldr, primary_category."""
        model = model or TopicModel()
        ids = list(ids)
        texts = [f"{t}. {a}" for t, a in zip(metadata["title"], metadata["abstract"])]
        model.fit(matrix, ids=ids, texts=texts)
        coords = model.graph_.layout(2, min_dist=MAP_MIN_DIST, random_state=model.random_state)
        labels = {t.id: t.label for t in model.topics_}
        papers = pd.DataFrame({
            "arxiv_id": ids,
            "title": list(metadata["title"]),
            "authors": [", ".join(a) if not isinstance(a, str) else a for a in metadata["authors"]],
            "tldr": list(metadata["tldr"]),
            "primary_category": list(metadata["primary_category"]),
            "topic": model.labels_,
            "label": [labels[t] for t in model.labels_],
            "confidence": model.confidence_,
            "flagged": model.flagged_,
            "x": coords[:, 0],
            "y": coords[:, 1],
        })
        return cls(title=title, papers=papers, topics=model.topics_, model=model)

    @property
    def coords(self) -> np.ndarray:
        return self.papers[["x", "y"]].to_numpy()

    @property
    def flagged_share(self) -> float:
        return float(self.papers["flagged"].mean()) if len(self.papers) else 0.0

    def heading(self) -> str:
        return f"{self.title} · {len(self.papers)} papers · {len(self.topics)} topics"

    def save_png(self, path: str | Path) -> Path:
        return static_map(self.coords, self.papers["topic"].to_numpy(), self.topics, self.heading(), path,
                          flagged=self.papers["flagged"].to_numpy())

    def to_html(self) -> str:
        points = [
            {"id": r.arxiv_id, "x": round(float(r.x), 4), "y": round(float(r.y), 4), "title": r.title,
             "authors": r.authors, "tldr": r.tldr or "", "category": r.primary_category or "?", "topic": int(r.topic),
             "confidence": None if np.isnan(r.confidence) else round(float(r.confidence), 2)}
            for r in self.papers.itertuples()
        ]
        anchors = label_anchors(self.coords, self.papers["topic"].to_numpy(), self.topics)
        return interactive_map(points, self.topics, anchors, self.heading(), self.model.min_confidence)

    def save_html(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(self.to_html(), encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        """Inline in Jupyter: the interactive map in a sandboxed frame, then the topic table."""
        source = base64.b64encode(self.to_html().encode("utf-8")).decode("ascii")
        frame = (f"<iframe src='data:text/html;base64,{source}' style='width:100%;height:620px;border:0' "
                 "sandbox='allow-scripts allow-popups'></iframe>")
        return f"<h4>{html.escape(self.heading())}</h4>{frame}{self.topics._repr_html_()}"

    def __repr__(self) -> str:
        return f"TopicMap({self.heading()!r}, flagged={self.flagged_share:.0%})\n{self.topics!r}"
