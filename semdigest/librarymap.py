"""A LibraryMap: a day's papers drawn on the library's reference map, coloured by the day's
topics, over a faint backdrop of the papers of the days before (issue 15: maps that stay put)."""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .maps import interactive_map, label_anchors, notebook_frame, static_map
from .plural import plural
from .topicmap import TopicMap


@dataclass
class LibraryMap:
    """``day`` is the day's TopicMap with x, y taken from the reference map (the same paper is
    always at the same point); ``backdrop`` holds the earlier papers drawn beneath it (arxiv_id,
    x, y), ``backdrop_days`` how many days back they go and ``backdrop_of`` how many papers those
    days hold (more than are drawn in a busy week)."""

    day: TopicMap
    backdrop: pd.DataFrame
    backdrop_days: int
    backdrop_of: int

    @classmethod
    def build(cls, day: TopicMap, coords: pd.DataFrame, backdrop: pd.DataFrame, backdrop_days: int,
              backdrop_of: int | None = None) -> "LibraryMap":
        """``coords`` and ``backdrop``: positions on the reference map (arxiv_id, x, y)."""
        where = coords.set_index("arxiv_id")
        papers = day.papers.assign(x=where.loc[day.papers["arxiv_id"], "x"].to_numpy(),
                                   y=where.loc[day.papers["arxiv_id"], "y"].to_numpy())
        return cls(day=replace(day, papers=papers), backdrop=backdrop.reset_index(drop=True),
                   backdrop_days=backdrop_days, backdrop_of=len(backdrop) if backdrop_of is None else backdrop_of)

    @property
    def coords(self) -> np.ndarray:
        return self.day.coords

    def heading(self) -> str:
        n, m = len(self.day.papers), len(self.backdrop)
        sampled = f"{m} of the {self.backdrop_of}" if m < self.backdrop_of else f"{m}"
        return (f"{self.day.title} on the library map · {plural(n, 'paper')} · in grey: {plural(sampled, 'paper')} "
                f"first seen in the {plural(self.backdrop_days, 'day')} before")

    def save_png(self, path: str | Path) -> Path:
        return static_map(self.coords, self.day.papers["topic"].to_numpy(), self.day.topics, self.heading(), path,
                          flagged=self.day.papers["flagged"].to_numpy(), backdrop=self.backdrop[["x", "y"]].to_numpy())

    def to_html(self) -> str:
        anchors = label_anchors(self.coords, self.day.papers["topic"].to_numpy(), self.day.topics)
        return interactive_map(self.day.points(), self.day.topics, anchors, self.heading(),
                               self.day.model.min_confidence, backdrop=self.backdrop[["x", "y"]].to_numpy())

    def save_html(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(self.to_html(), encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        """Inline in Jupyter: the interactive library map in a sandboxed frame."""
        return f"<h4>{html.escape(self.heading())}</h4>{notebook_frame(self.to_html())}"

    def __repr__(self) -> str:
        return f"LibraryMap({self.heading()!r})"
