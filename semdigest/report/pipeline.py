"""A day's report as data: ingest the digest, find its topics and map, give them the library's
standing ids, look up what was seen before, measure novelty, draw the day on the library's map
and rank it by the library's interests. Each step is timed; nothing here renders or writes."""

from __future__ import annotations

import time
from contextlib import closing
from pathlib import Path

from ..interests import rank_day
from ..library import IngestResult, Library
from ..maps.librarymap import library_map
from ..maps.topicmap import TopicMap
from ..neighbors import seen_before
from ..novelty import NOVELTY_K, day_novelty
from ..records import Digest
from ..results import Hits
from ..topics import TopicModel
from ..topics.graph import compile_layouts_in_background
from ..topics.history import track_topics
from .data import DayData
from .known_days import known_day_map

STEPS = ("ingest", "topics_and_map", "tracking", "related", "novelty", "library_map", "for_you", "write")


class StepClock:
    """Seconds per step, in the order the steps ran; with ``progress``, a bar over a day's STEPS
    that names the step under way (the embedding's own bar shows below it during the ingest)."""

    def __init__(self, progress: bool = False):
        from tqdm.auto import tqdm

        self.seconds: dict[str, float] = {}
        self._bar = tqdm(total=len(STEPS), desc="Day report", unit="step", disable=not progress, leave=False,
                         bar_format="{desc}: {n}/{total} steps |{bar}| {elapsed}{postfix}", postfix=_shown(STEPS[0]))
        self._start = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.seconds[step] = now - self._start
        self._start = now
        done = STEPS.index(step) + 1
        if done < len(STEPS):
            self._bar.set_postfix_str(_shown(STEPS[done]), refresh=False)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        self._bar.close()


def _shown(step: str) -> str:
    return step.replace("_", " ")


def day_data(library: Library, digest: Digest, model=None, topic_model: TopicModel | None = None,
             k_related: int = 3, track: bool = True, progress: bool | None = None, clock: StepClock | None = None
             ) -> tuple[IngestResult, DayData, dict[str, float]]:
    """Ingest a digest and gather its report: (the ingest, the DayData, seconds per step).

    With a dated digest and ``track``, the day's topics get the library's standing ids
    (``topics.history.track_topics``). A digest without papers (header only: holidays) is a
    normal day with no topics; an incomplete one (``Digest.incomplete``) is said so. ``progress``:
    a bar over the steps (None: as the embedder shows its own, on a terminal unless told not to);
    ``clock``: the StepClock to time them on (day_report's, which goes on to the write)."""
    if clock is None:
        with closing(StepClock(library.embedder(model).progress if progress is None else progress)) as clock:
            return day_data(library, digest, model, topic_model, k_related, track, clock=clock)
    if digest.papers:
        compile_layouts_in_background()  # a first run's numba compile overlaps the ingest
    ingest = library.ingest(digest, model)
    clock.lap("ingest")
    title = f"arXiv digest {digest.date or Path(digest.source).stem}"
    if digest.papers:
        day = known_day_map(library, [p.arxiv_id for p in digest.papers], title, model=model,
                            topic_model=topic_model)
    else:
        day = TopicMap.empty(title, topic_model)
    clock.lap("topics_and_map")
    dated = bool(digest.date and digest.papers)
    tracked = None
    if track and dated:
        tracked = track_topics(library, digest.date, day, model=model)
        stable = day.with_standing_ids(tracked)
        # A day tracked before with other papers (a partial file, then the whole) or other topic
        # settings keeps what was stored; this report then shows the day's own topic numbers.
        tracked, day = (tracked, stable) if stable is not day else (None, day)
    clock.lap("tracking")
    data = DayData(map=day, date=digest.date, summary=str(ingest), tracked=tracked, incomplete=digest.incomplete)
    if dated:
        # one search serves both "seen before" (k_related hits shown) and novelty (NOVELTY_K hits)
        found = seen_before(library, digest.date, k=max(k_related, NOVELTY_K), model=model, explain=False)
        data.earlier = {i: Hits(h[:k_related], query=h.query) for i, h in found.items()} if k_related else {}
        clock.lap("related")
        data.novelty = day_novelty(library, digest.date, model, earlier=found)
        clock.lap("novelty")
        data.library_map = library_map(library, digest.date, day=day, model=model)
        clock.lap("library_map")
        data.for_you = rank_day(library, digest.date, model=model)  # every paper: topics list by it
    else:
        clock.lap("related")
    clock.lap("for_you")
    return ingest, data, clock.seconds
