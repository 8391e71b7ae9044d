"""papers.csv: one row per paper of the day, through the one CSV writer (cells safe in a spreadsheet)."""

from __future__ import annotations

import io

import pandas as pd

from ...csv_output import write_frame
from ...maps.topicmap import author_text, text_or_none
from ..data import DayData

CSV_COLUMNS = ["arxiv_id", "title", "date", "topic", "label", "confidence", "flagged", "novelty", "x", "y",
               "library_x", "library_y", "primary_category", "authors", "tldr", "code_url"]


def render_csv(data: DayData) -> str:
    """papers.csv's text."""
    buffer = io.StringIO()
    write_frame(buffer, papers_table(data), float_format="%.4g")
    return buffer.getvalue()


def papers_table(data: DayData) -> pd.DataFrame:
    """One row per paper; a missing field is an empty cell (novelty and the library map's
    library_x, library_y where they were not measured)."""
    frame = data.map.papers.assign(date=data.date.isoformat() if data.date else "")
    placed = data.library_map.day.papers if data.library_map else None
    frame["novelty"] = _by_id(frame, data.novelty, "novelty")
    frame["library_x"] = _by_id(frame, placed, "x")
    frame["library_y"] = _by_id(frame, placed, "y")
    for name in ("primary_category", "tldr", "code_url"):
        frame[name] = [text_or_none(v) or "" for v in frame[name]]
    frame["authors"] = [author_text(v) for v in frame["authors"]]
    return frame[CSV_COLUMNS]


def _by_id(frame: pd.DataFrame, source: pd.DataFrame | None, column: str) -> list:
    values = {} if source is None else dict(zip(source["arxiv_id"], source[column]))
    return [values.get(i, float("nan")) for i in frame["arxiv_id"]]
