"""`day_report`: a digest's day into a folder (index.html, report.md, papers.csv, the maps): the
pipeline gathers the data, the renderers draw it, and the files replace the old ones together."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

from ..library import Library
from ..output_folder import NewFiles, claim
from ..records import Digest
from ..topics import TopicModel
from .data import DayData, DayReport
from .pipeline import StepClock, day_data
from .render import LIBRARY_MAP_HTML, LIBRARY_MAP_PNG, render_csv, render_html, render_markdown


def day_report(library: Library, digest: Digest, out: str | Path, model=None,
               topic_model: TopicModel | None = None, k_related: int = 3, track: bool = True,
               force: bool = False, progress: bool | None = None) -> DayReport:
    """Ingest a digest, find its topics, draw both maps, and write index.html, report.md, papers.csv.

    With a dated digest and ``track``, the day's topics get the library's standing ids and the
    report an "Across days" section. A digest without papers (header only: holidays) is a
    normal day: its report says so; an incomplete one (``Digest.incomplete``) says that instead.
    ``out`` must be new, empty or a folder semdigest wrote before (``force``: any folder; see
    ``write_report``). ``progress``: a bar over the steps (None: on a terminal, unless the
    embedder was told to show no bars)."""
    (topic_model or TopicModel()).check_params(len(digest.papers))  # settings the day cannot meet: before any work
    out = claim(out, force)  # before the ingest: a folder that is not ours is refused with nothing changed
    with closing(StepClock(library.embedder(model).progress if progress is None else progress)) as clock:
        ingest, data, _ = day_data(library, digest, model, topic_model, k_related, track, clock=clock)
        write_report(data, out)
        clock.lap("write")
    return DayReport(out=out, ingest=ingest, data=data, seconds=clock.seconds)


def write_report(data: DayData, out: str | Path, force: bool = False) -> Path:
    """Write map.png, map.html, papers.csv, report.md and index.html of a day into ``out``; and
    library-map.png / library-map.html when the day is drawn on the library's map.

    ``out`` is made when missing; an existing folder must be empty or one semdigest wrote (it
    holds ``output_folder.MARKER``), else OutputError, unless ``force``. The files replace the old
    ones together once all are written: an error (a full disk: an OSError naming the file) leaves
    the folder as it was."""
    out = claim(out, force)
    with NewFiles(out) as files:
        files.write("map.png", data.map.save_png)
        files.write("map.html", data.map.save_html)
        if data.library_map is not None:
            files.write(LIBRARY_MAP_PNG, data.library_map.save_png)
            files.write(LIBRARY_MAP_HTML, data.library_map.save_html)
        files.write_text("papers.csv", render_csv(data))
        files.write_text("report.md", render_markdown(data))
        files.write_text("index.html", render_html(data))
    return out / "index.html"
