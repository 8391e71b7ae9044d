"""A LibraryMap: a day's papers drawn on the library's reference map, coloured by the day's
topics, over a faint backdrop of the papers of the days before (issue 15: maps that stay put);
``library_map(library, date)`` draws one from a library."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..plural import plural
from ..records import PaperFilter
from .interactive import interactive_map, notebook_frame
from .reference import map_coordinates
from .static import label_anchors, static_map
from .topicmap import TopicMap, topic_map

if TYPE_CHECKING:
    from ..library import Library

LIBRARY_MAP_DAYS = 7  # the library map's backdrop: papers first seen in this many days before
LIBRARY_MAP_BACKDROP = 4000  # at most this many of them, spread evenly (a busy week is ~3,500)


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
                               self.day.model.min_confidence, backdrop=self.backdrop[["x", "y"]].to_numpy(),
                               subtopics=self.day.subtopics, subtopic_anchors=self.day.subtopic_anchors(self.coords))

    def save_html(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(self.to_html(), encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        """Inline in Jupyter: the interactive library map in a sandboxed frame."""
        return f"<h4>{html.escape(self.heading())}</h4>{notebook_frame(self.to_html())}"

    def __repr__(self) -> str:
        return f"LibraryMap({self.heading()!r})"


def library_map(library: Library, date: dt.date, *, day: TopicMap | None = None, model=None,
                backdrop_days: int = LIBRARY_MAP_DAYS, backdrop_limit: int = LIBRARY_MAP_BACKDROP) -> LibraryMap | None:
    """The day's papers on the library's reference map, coloured by the day's topics (``day``,
    found afresh when not given), over the papers first seen in the ``backdrop_days`` before
    (``backdrop_limit`` of them at most, evenly spaced in arXiv-id order, so the same each
    time); None when the library holds no paper first seen before the day."""
    if library.store.count_papers(PaperFilter(until=date - dt.timedelta(days=1)), at_most=1) == 0:
        return None
    day = day or topic_map(library, date=date, model=model)
    if len(day.papers) == 0:
        return None
    coords = map_coordinates(library, day.papers["arxiv_id"], model)
    own = set(day.papers["arxiv_id"])
    recent = [i for i in library.store.arxiv_ids(PaperFilter(since=date - dt.timedelta(days=backdrop_days),
                                                             until=date - dt.timedelta(days=1))) if i not in own]
    shown = np.unique(np.linspace(0, len(recent) - 1, min(len(recent), backdrop_limit)).astype(int))
    backdrop = map_coordinates(library, [recent[r] for r in shown], model)[["arxiv_id", "x", "y"]]
    return LibraryMap.build(day, coords, backdrop, backdrop_days, backdrop_of=len(recent))
