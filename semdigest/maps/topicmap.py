"""A TopicMap: the topics and 2-D map of a set of papers, built from (ids, matrix, metadata);
``topic_map(library, ...)`` builds one from a library's day, date range or ids."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import LibraryError
from ..topics import TopicModel, Topics
from ..topics.history import track_topics, tracked_day
from .interactive import interactive_map, notebook_frame
from .projection import map_layout
from .static import label_anchors, static_map

if TYPE_CHECKING:
    from ..library import Library

_COLUMNS = {"arxiv_id": object, "title": object, "authors": object, "tldr": object, "primary_category": object,
            "code_url": object, "topic": int, "label": object, "subtopic": int, "subtopic_label": object,
            "centrality": float, "confidence": float, "flagged": bool, "x": float, "y": float}


def text_or_none(value) -> str | None:
    """A field's text, or None when it is missing: None, NaN (what pandas may turn a None into),
    pd.NA, or blank."""
    if isinstance(value, str):
        return value.strip() or None
    if value is None or (np.ndim(value) == 0 and pd.isna(value)):
        return None
    return str(value).strip() or None


def author_text(value) -> str:
    """Authors as one line ("" when none are listed), from a list, a tuple or text."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(a for a in map(text_or_none, value) if a)
    return text_or_none(value) or ""


@dataclass
class TopicMap:
    """Papers with their topic and map position; topics; and the maps drawn from them.

    ``papers`` has one row per paper: arxiv_id, title, authors, tldr, primary_category, code_url,
    topic, label, subtopic, subtopic_label (its sub-topic inside the topic), centrality (how
    representative of its topic: cosine to the topic's centre), confidence (share of the paper's
    neighbour links inside its topic), flagged
    (confidence below the model's ``min_confidence``), x, y. A missing optional field is None
    (authors: ""), whatever the metadata held (None, NaN), in object columns that keep it so.
    The map is a layout of the same neighbour graph the topics were found on.
    """

    title: str
    papers: pd.DataFrame
    topics: Topics
    model: TopicModel
    subtopics: Topics = field(default_factory=Topics)

    @classmethod
    def build(cls, ids, matrix: np.ndarray, metadata: pd.DataFrame, title: str,
              model: TopicModel | None = None) -> "TopicMap":
        """``metadata`` is indexed like ``ids`` and has title, abstract, authors, tldr, primary_category."""
        model = model or TopicModel()
        ids = list(ids)
        texts = [f"{t}. {a}" for t, a in zip(metadata["title"], metadata["abstract"])]
        model.fit(matrix, ids=ids, texts=texts, titles=[text_or_none(t) or "" for t in metadata["title"]])
        coords = map_layout(model.graph_, random_state=model.random_state)
        return cls.from_fit(ids, metadata, title, model, coords)

    @classmethod
    def from_fit(cls, ids, metadata: pd.DataFrame, title: str, model: TopicModel, coords: np.ndarray) -> "TopicMap":
        """The map of a fitted ``model`` (``build``'s fit, or one remembered from it) laid out at ``coords``."""
        ids = list(ids)
        labels = {t.id: t.label for t in model.topics_}
        sublabels = {t.id: t.label for t in model.subtopics_}
        optional = {name: pd.Series([text_or_none(v) for v in metadata[name]] if name in metadata
                                    else [None] * len(ids), dtype=object)
                    for name in ("tldr", "primary_category", "code_url")}
        papers = pd.DataFrame({
            "arxiv_id": ids,
            "title": [text_or_none(t) or "" for t in metadata["title"]],
            "authors": pd.Series([author_text(a) for a in metadata["authors"]], dtype=object),
            **optional,
            "topic": model.labels_,
            "label": [labels[t] for t in model.labels_],
            "subtopic": model.subtopic_labels_,
            "subtopic_label": pd.Series([sublabels[t] for t in model.subtopic_labels_], dtype=object),
            "centrality": model.centrality_,
            "confidence": model.confidence_,
            "flagged": model.flagged_,
            "x": coords[:, 0],
            "y": coords[:, 1],
        })
        return cls(title=title, papers=papers, topics=model.topics_, model=model, subtopics=model.subtopics_)

    @classmethod
    def empty(cls, title: str, model: TopicModel | None = None) -> "TopicMap":
        """The map of a day without papers (a header-only digest): no topics, no points."""
        return cls(title=title, papers=pd.DataFrame({c: pd.Series(dtype=t) for c, t in _COLUMNS.items()}),
                   topics=Topics(), model=model or TopicModel())

    @property
    def clustered(self) -> bool:
        """Whether the papers were split into topics (False: too few, listed as one group); a map
        made from topics fitted elsewhere counts as clustered when it has two or more."""
        return getattr(self.model, "clustered_", len(self.topics) > 1)

    @property
    def coords(self) -> np.ndarray:
        return self.papers[["x", "y"]].to_numpy()

    @property
    def flagged_share(self) -> float:
        return float(self.papers["flagged"].mean()) if len(self.papers) else 0.0

    def heading(self) -> str:
        n, k = len(self.papers), len(self.topics)
        return f"{self.title} · {n} paper{'s' * (n != 1)} · {k} topic{'s' * (k != 1)}"

    def save_png(self, path: str | Path) -> Path:
        return static_map(self.coords, self.papers["topic"].to_numpy(), self.topics, self.heading(), path,
                          flagged=self.papers["flagged"].to_numpy())

    def to_html(self) -> str:
        anchors = label_anchors(self.coords, self.papers["topic"].to_numpy(), self.topics)
        return interactive_map(self.points(), self.topics, anchors, self.heading(), self.model.min_confidence)

    def points(self) -> list[dict]:
        """The papers as the interactive map's points."""
        return [
            {"id": r.arxiv_id, "x": round(float(r.x), 4), "y": round(float(r.y), 4), "title": text_or_none(r.title) or "",
             "authors": author_text(r.authors), "tldr": text_or_none(r.tldr) or "",
             "category": text_or_none(r.primary_category) or "no category", "topic": int(r.topic),
             "confidence": None if np.isnan(r.confidence) else round(float(r.confidence), 2)}
            for r in self.papers.itertuples()
        ]

    def save_html(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(self.to_html(), encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        """Inline in Jupyter: the interactive map in a sandboxed frame, then the topic table."""
        return f"<h4>{html.escape(self.heading())}</h4>{notebook_frame(self.to_html())}{self.topics._repr_html_()}"

    def with_standing_ids(self, tracked) -> "TopicMap":
        """This map with each topic under its standing id and label (key phrases stay the day's).
        Unchanged when the stored ids do not map one-to-one onto this fit (a day tracked before with
        other topic settings)."""
        ids = tracked.ids if tracked is not None else {}
        if (not ids or set(ids) != {t.id for t in self.topics} or len(set(ids.values())) != len(ids)
                or not set(ids.values()) <= set(tracked.labels)):
            return self
        papers = self.papers.assign(topic=[ids[t] for t in self.papers["topic"]])
        papers["label"] = [tracked.labels[t] for t in papers["topic"]]
        topics = Topics(replace(t, id=ids[t.id], label=tracked.labels[ids[t.id]]) for t in self.topics)
        subtopics = Topics(replace(t, parent=ids[t.parent]) for t in self.subtopics)
        return TopicMap(title=self.title, papers=papers, topics=topics, model=self.model, subtopics=subtopics)

    def __repr__(self) -> str:
        return f"TopicMap({self.heading()!r}, flagged={self.flagged_share:.0%})\n{self.topics!r}"


def topic_map(library: Library, *, date: dt.date | None = None, since: dt.date | None = None,
              until: dt.date | None = None, ids=None, model=None, topic_model: TopicModel | None = None,
              title: str | None = None) -> TopicMap:
    """Topics and map of the library's papers of one day, a date range, or given ids."""
    frame = library.papers(date=date, since=since, until=until, ids=ids)
    vector_ids, matrix = library.vectors(model, ids=frame["arxiv_id"])
    if len(vector_ids) == 0:
        what = f"on {date}" if date else f"between {since or 'the start'} and {until or 'today'}"
        raise LibraryError(f"no embedded papers {what} in {library.location}; ingest that day's digest first")
    frame = frame.set_index("arxiv_id").loc[vector_ids]
    title = title or _title(date, since, until)
    day = TopicMap.build(vector_ids, matrix, frame, title, topic_model)
    if date and since is None and until is None and ids is None and tracked_day(library, date) is not None:
        # a tracked day: the same numbering and labels as `day` and `trends` (reading what was stored)
        day = day.with_standing_ids(track_topics(library, date, day, model=model))
    return day


def _title(date, since, until) -> str:
    if date:
        return f"arXiv digest {date}"
    if since or until:
        return f"arXiv papers {since or '…'} to {until or '…'}"
    return "arXiv library"
