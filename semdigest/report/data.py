"""What a day's report holds, as data: the pipeline fills it, every renderer reads it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from ..interests import Ranking
    from ..library import IngestResult
    from ..maps.librarymap import LibraryMap
    from ..maps.topicmap import TopicMap
    from ..results import Hits
    from ..topics.tracking import TrackedDay


@dataclass
class DayData:
    """A day: its topics and map (under the library's standing ids when tracked), and what the
    library says about it. Only ``map`` is required: a missing part is a section left out.

    ``summary``: the ingest line; ``earlier``: each paper's papers seen before; ``for_you``: a
    Ranking per interest; ``novelty``: day_novelty's table; ``library_map``: the day on the
    library's map; ``tracked``: the day's TrackedDay; ``incomplete``: why the digest is not whole."""

    map: TopicMap
    date: dt.date | None = None
    summary: str = ""
    earlier: Mapping[str, Hits] = field(default_factory=dict)
    for_you: Mapping[str, Ranking] = field(default_factory=dict)
    novelty: pd.DataFrame | None = None
    library_map: LibraryMap | None = None
    tracked: TrackedDay | None = None
    incomplete: str | None = None


@dataclass
class DayReport:
    """What ``day_report`` did: the folder it wrote, the ingest, the day's data, and seconds per step."""

    out: Path
    ingest: IngestResult
    data: DayData
    seconds: dict[str, float]

    @property
    def map(self) -> TopicMap:
        return self.data.map

    @property
    def library_map(self) -> LibraryMap | None:
        return self.data.library_map

    @property
    def novelty(self) -> pd.DataFrame | None:
        return self.data.novelty
