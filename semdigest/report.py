"""The day report, and the wiring from a library to a TopicMap (the only place besides the CLI
that connects the store, the embedder and the analysis modules)."""

from __future__ import annotations

import datetime as dt
import html
import io
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .csv_output import write_frame
from .errors import LibraryError
from .escaping import markdown_text, markdown_url
from .library import IngestResult, Library
from .librarymap import LibraryMap
from .novelty import NOVELTY_K
from .plural import plural
from .output_folder import NewFiles, claim
from .records import Digest
from .results import Hits
from .store import PaperFilter
from .topicmap import TopicMap, author_text, text_or_none
from .topics import TopicModel


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
    if date and since is None and until is None and ids is None and library.tracked_day(date) is not None:
        # a tracked day: the same numbering and labels as `day` and `trends` (reading what was stored)
        day = with_stable_ids(day, library.track_topics(date, day, model=model))
    return day


def _title(date, since, until) -> str:
    if date:
        return f"arXiv digest {date}"
    if since or until:
        return f"arXiv papers {since or '…'} to {until or '…'}"
    return "arXiv library"


@dataclass
class DayReport:
    out: Path
    ingest: IngestResult
    map: TopicMap
    seconds: dict[str, float]
    library_map: LibraryMap | None = None
    novelty: pd.DataFrame | None = None


def day_report(library: Library, digest: Digest, out: str | Path, model=None,
               topic_model: TopicModel | None = None, k_related: int = 3, track: bool = True,
               force: bool = False) -> DayReport:
    """Ingest a digest, find its topics, draw both maps, and write index.html, report.md, papers.csv.

    With a dated digest and ``track``, the day's topics get the library's standing ids
    (``Library.track_topics``) and the report an "Across days" section. A digest without papers
    (header only: holidays) is a normal day: its report says so; an incomplete one
    (``Digest.incomplete``) says that instead. ``out`` must be new, empty or a folder semdigest
    wrote before (``force``: any folder; see ``write_report``)."""
    (topic_model or TopicModel()).check_params(len(digest.papers))  # settings the day cannot meet: before any work
    out = claim(out, force)  # before the ingest: a folder that is not ours is refused with nothing changed
    seconds = {}
    start = time.perf_counter()
    ingest = library.ingest(digest, model)
    seconds["ingest"] = time.perf_counter() - start
    start = time.perf_counter()
    title = f"arXiv digest {digest.date or Path(digest.source).stem}"
    if digest.papers:
        day = topic_map(library, ids=[p.arxiv_id for p in digest.papers], model=model,
                        topic_model=topic_model, title=title)
    else:
        day = TopicMap.empty(title, topic_model)
    seconds["topics_and_map"] = time.perf_counter() - start
    start = time.perf_counter()
    tracked = None
    if track and digest.date and digest.papers:
        tracked = library.track_topics(digest.date, day, model=model)
        stable = with_stable_ids(day, tracked)
        # A day tracked before with other papers (a partial file, then the whole) or other topic
        # settings keeps what was stored; this report then shows the day's own topic numbers.
        tracked, day = (tracked, stable) if stable is not day else (None, day)
    seconds["tracking"] = time.perf_counter() - start
    start = time.perf_counter()
    earlier, novelty, on_library = {}, None, None
    if digest.date and digest.papers:
        # one search serves both "seen before" (k_related hits shown) and novelty (NOVELTY_K hits)
        found = library.seen_before(digest.date, k=max(k_related, NOVELTY_K), model=model, explain=False)
        earlier = {i: Hits(h[:k_related], query=h.query) for i, h in found.items()} if k_related else {}
        seconds["related"] = time.perf_counter() - start
        start = time.perf_counter()
        novelty = library.novelty(digest.date, model, earlier=found)
        seconds["novelty"] = time.perf_counter() - start
        start = time.perf_counter()
        on_library = library_map(library, digest.date, day=day, model=model)
        seconds["library_map"] = time.perf_counter() - start
    else:
        seconds["related"] = time.perf_counter() - start
    start = time.perf_counter()
    for_you = library.rank(digest.date, k=FOR_YOU_K, model=model) if digest.date and digest.papers else {}
    seconds["for_you"] = time.perf_counter() - start
    start = time.perf_counter()
    write_report(day, out, earlier=earlier, summary=str(ingest), date=digest.date, for_you=for_you,
                 novelty=novelty, library_map=on_library, tracked=tracked, incomplete=digest.incomplete)
    seconds["write"] = time.perf_counter() - start
    return DayReport(out=out, ingest=ingest, map=day, seconds=seconds, library_map=on_library, novelty=novelty)


def write_report(day: TopicMap, out: str | Path, *, earlier: Mapping[str, Hits] | None = None,
                 summary: str = "", date: dt.date | None = None, for_you: Mapping | None = None,
                 novelty: pd.DataFrame | None = None, library_map: LibraryMap | None = None, tracked=None,
                 incomplete: str | None = None, force: bool = False) -> Path:
    """Write map.png, map.html, papers.csv, report.md and index.html of a day into ``out``; and
    library-map.png / library-map.html when the day is drawn on the library's map. ``tracked``:
    the day's ``TrackedDay`` (topics across days), for the report's "Across days" section;
    ``incomplete``: why the digest is not whole (Digest.incomplete), said at the top.

    ``out`` is made when missing; an existing folder must be empty or one semdigest wrote (it
    holds ``output_folder.MARKER``), else OutputError, unless ``force``. The files replace the old
    ones together once all are written: an error (a full disk: an OSError naming the file) leaves
    the folder as it was."""
    out = claim(out, force)
    earlier = earlier or {}
    across = {"novelty": novelty, "library_map": library_map, "tracked": tracked, "incomplete": incomplete}
    with NewFiles(out) as files:
        files.write("map.png", day.save_png)
        files.write("map.html", day.save_html)
        if library_map is not None:
            files.write(LIBRARY_MAP_PNG, library_map.save_png)
            files.write(LIBRARY_MAP_HTML, library_map.save_html)
        files.write_text("papers.csv", papers_csv(day, date, novelty, library_map))
        files.write_text("report.md", report_markdown(day, earlier, summary, for_you, **across))
        files.write_text("index.html", report_html(day, earlier, summary, for_you, **across))
    return out / "index.html"


# -- across days: the library map and novelty (issue 15) -------------------------------------

LIBRARY_MAP_DAYS = 7  # the library map's backdrop: papers first seen in this many days before
LIBRARY_MAP_BACKDROP = 4000  # at most this many of them, spread evenly (a busy week is ~3,500)
LIBRARY_MAP_PNG, LIBRARY_MAP_HTML = "library-map.png", "library-map.html"
NEW_HERE_K = 8        # papers in the report's "New here, unlike anything you have" list


def library_map(library: Library, date: dt.date, *, day: TopicMap | None = None, model=None,
                backdrop_days: int = LIBRARY_MAP_DAYS) -> LibraryMap | None:
    """The day's papers on the library's reference map, coloured by the day's topics (``day``,
    found afresh when not given), over the papers first seen in the ``backdrop_days`` before
    (LIBRARY_MAP_BACKDROP of them at most, evenly spaced in arXiv-id order, so the same each
    time); None when the library holds no paper first seen before the day."""
    if library.store.count_papers(PaperFilter(until=date - dt.timedelta(days=1)), at_most=1) == 0:
        return None
    day = day or topic_map(library, date=date, model=model)
    if len(day.papers) == 0:
        return None
    coords = library.map_coordinates(day.papers["arxiv_id"], model)
    own = set(day.papers["arxiv_id"])
    recent = [i for i in library.store.arxiv_ids(PaperFilter(since=date - dt.timedelta(days=backdrop_days),
                                                             until=date - dt.timedelta(days=1))) if i not in own]
    shown = np.unique(np.linspace(0, len(recent) - 1, min(len(recent), LIBRARY_MAP_BACKDROP)).astype(int))
    backdrop = library.map_coordinates([recent[r] for r in shown], model)[["arxiv_id", "x", "y"]]
    return LibraryMap.build(day, coords, backdrop, backdrop_days, backdrop_of=len(recent))


def _new_here(novelty: pd.DataFrame | None, markdown: bool) -> list[str]:
    """The "New here, unlike anything you have" list: the day's most novel papers, each with its
    novelty and the nearest earlier paper; nothing when novelty could not be measured."""
    if novelty is None:
        return []
    top = novelty.dropna(subset=["novelty"]).head(NEW_HERE_K)
    if top.empty:
        return []
    e = _escape(markdown)
    parts = (["## New here, unlike anything you have", "",
              "Novelty 0.99: further from the papers before it than 99% of your library's papers are.", ""]
             if markdown else ["<h2 id='new-here'>New here, unlike anything you have</h2>",
                               "<p class='seen'>Novelty 0.99: further from the papers before it than 99% of your "
                               "library's papers are.</p><ol class='newhere'>"])
    for row in top.itertuples():
        url = f"https://arxiv.org/abs/{row.arxiv_id}"
        near = (f"nearest earlier: {row.nearest_title} ({row.nearest_score:.2f})" if row.nearest_id
                else "no earlier paper")
        if markdown:
            parts.append(f"1. [{e(row.title)}]({markdown_url(url)}) — novelty {row.novelty:.2f}; {e(near)}")
        else:
            parts.append(f"<li><a href='{e(url)}'>{e(row.title)}</a> <span class='seen'>novelty {row.novelty:.2f}; "
                         f"{e(near)}</span></li>")
    parts += [""] if markdown else ["</ol>"]
    return parts


def _library_map_links(library_map: LibraryMap | None, markdown: bool) -> list[str]:
    if library_map is None:
        return []
    what = f"the day on the library's map, over the papers of the {plural(library_map.backdrop_days, 'day')} before"
    if markdown:
        return [f"![library map]({LIBRARY_MAP_PNG}) · [interactive library map]({LIBRARY_MAP_HTML}) — {what}", ""]
    return [f"<p><a href='{LIBRARY_MAP_HTML}'>library map</a> (<a href='{LIBRARY_MAP_PNG}'>PNG</a>): "
            f"{html.escape(what)}</p>"]


# What the report says where a paper lacks an optional field.
NO_TLDR = "no TL;DR in the digest"
NO_AUTHORS = "authors not listed"
NO_CATEGORY = "no category"
CSV_COLUMNS = ["arxiv_id", "title", "date", "topic", "label", "confidence", "flagged", "novelty", "x", "y",
               "library_x", "library_y", "primary_category", "authors", "tldr", "code_url"]


def papers_csv(day: TopicMap, date: dt.date | None = None, novelty: pd.DataFrame | None = None,
               library_map: LibraryMap | None = None) -> str:
    """papers.csv's text: ``papers_table`` through the one CSV writer (cells safe in a spreadsheet)."""
    buffer = io.StringIO()
    write_frame(buffer, papers_table(day, date, novelty, library_map), float_format="%.4g")
    return buffer.getvalue()


def papers_table(day: TopicMap, date: dt.date | None = None, novelty: pd.DataFrame | None = None,
                 library_map: LibraryMap | None = None) -> pd.DataFrame:
    """papers.csv: one row per paper; a missing field is an empty cell (novelty and the library
    map's library_x, library_y where they were not measured)."""
    frame = day.papers.assign(date=date.isoformat() if date else "")
    frame["novelty"] = _by_id(frame, novelty, "novelty")
    frame["library_x"] = _by_id(frame, library_map.day.papers if library_map else None, "x")
    frame["library_y"] = _by_id(frame, library_map.day.papers if library_map else None, "y")
    for name in ("primary_category", "tldr", "code_url"):
        frame[name] = [text_or_none(v) or "" for v in frame[name]]
    frame["authors"] = [author_text(v) for v in frame["authors"]]
    return frame[CSV_COLUMNS]


def _by_id(frame: pd.DataFrame, source: pd.DataFrame | None, column: str) -> list:
    values = {} if source is None else dict(zip(source["arxiv_id"], source[column]))
    return [values.get(i, float("nan")) for i in frame["arxiv_id"]]


def _intro(day: TopicMap, mark: str, incomplete: str | None = None) -> list[str]:
    """Plain sentences about the day as a whole (markup-free; each writer escapes them);
    ``mark`` is how the writer flags a paper; ``incomplete``: why the digest file is not whole."""
    n = len(day.papers)
    said = [f"The digest file is incomplete: {incomplete}. The report shows the {n} whole papers it holds; "
            "download the digest again and make the report again."] if incomplete else []
    if n == 0:
        return said or ["The digest holds no papers, so there are no topics to show (digests with only their "
                        "header are normal on holidays and days without new submissions)."]
    if not day.clustered:
        return said + [f"{'This paper is' if n == 1 else f'These {n} papers are'} too few to cluster: "
                       "they are listed as one group."]
    return said + [f"{day.flagged_share:.0%} of papers have low confidence in their topic (marked {mark}): "
                   f"fewer than {day.model.min_confidence:.0%} of their links to their nearest papers stay inside it."]


def _share(confidence: float) -> str:
    return "" if math.isnan(confidence) else f" {confidence:.2f}"


def _confidence(topic) -> str:
    return "" if math.isnan(topic.confidence) else f", confidence {topic.confidence:.2f}"


def _authors_short(value) -> str:
    names = [a.strip() for a in author_text(value).split(",") if a.strip()]
    if not names:
        return NO_AUTHORS
    return ", ".join(names[:3]) + (" et al." if len(names) > 3 else "")


def _link(value) -> str | None:
    """A web address from a digest, or None: other schemes (javascript:) never become links."""
    url = text_or_none(value)
    return url if url and url.lower().startswith(("https://", "http://")) else None


def _rows(day: TopicMap, topic_id: int):
    """A topic's papers, the most representative first (arXiv id on a tie)."""
    papers = day.papers[day.papers["topic"] == topic_id]
    if "centrality" in papers:
        papers = papers.sort_values(["centrality", "arxiv_id"], ascending=[False, True], kind="stable")
    return papers.itertuples()


def _inside(day: TopicMap, topic) -> tuple[str, str]:
    """Its representative titles and its sub-topics, as two sentences ("" when there is none)."""
    titles = "; ".join(topic.representative_titles[:3])
    parts = [t for t in day.subtopics if t.parent == topic.id]
    inside = "; ".join(f"{t.label} ({t.size})" for t in parts) if len(parts) > 1 else ""
    return (f"Representative: {titles}" if titles else "", f"Sub-topics: {inside}" if inside else "")


def _escape(markdown: bool) -> Callable[[str], str]:
    """How a writer escapes every text that comes from a digest, an interest or a file name."""
    return markdown_text if markdown else html.escape


FOR_YOU_K = 10  # papers per interest in the report's "For you" section


def _for_you(rankings: dict, markdown: bool) -> list[str]:
    """The "For you" section: the day's best papers for each interest (Library.rank), each with
    its score, the interest paper it is closest to and the terms they share; nothing without interests."""
    if not rankings:
        return []
    e = _escape(markdown)
    parts = ["## For you", ""] if markdown else ["<h2 id='for-you'>For you</h2>"]
    for name, ranking in rankings.items():
        parts += [f"### {e(name)}", ""] if markdown else [f"<h3>{e(name)}</h3><ol class='foryou'>"]
        for p in ranking:
            near = p.closest_titles[0] if p.closest_titles else ""
            terms = ", ".join(p.terms)
            if markdown:
                parts.append(f"{p.rank}. [{e(p.title)}]({markdown_url(p.url)}) — score {p.score:.2f}; "
                             f"closest: {e(near)}" + (f"; shares: {e(terms)}" if terms else ""))
            else:
                parts.append(f"<li><a href='{e(p.url)}'>{e(p.title)}</a> <span class='seen'>score {p.score:.2f}; "
                             f"closest: {e(near)}" + (f"; shares: {e(terms)}" if terms else "") + "</span></li>")
        parts += [""] if markdown else ["</ol>"]
    return parts


def report_markdown(day: TopicMap, earlier: Mapping[str, Hits] | None = None, summary: str = "",
                    for_you: Mapping | None = None, novelty: pd.DataFrame | None = None,
                    library_map: LibraryMap | None = None, tracked=None, incomplete: str | None = None) -> str:
    """report.md: "For you" when there are interests, the day's topics and, for each paper, its
    TL;DR and earlier related papers."""
    earlier = earlier or {}
    e = _escape(markdown=True)
    lines = [f"# {e(day.heading())}", "", *_for_you(for_you or {}, markdown=True)]
    if summary:
        lines += [f"Ingest: {e(summary)}", ""]
    lines += [*map(e, _intro(day, "*", incomplete)), "", *_across_days(tracked, markdown=True)]
    if len(day.papers):
        lines += ["![topic map](map.png) · [interactive map](map.html)", ""]
    lines += [*_library_map_links(library_map, markdown=True), *_new_here(novelty, markdown=True)]
    for topic in day.topics:
        lines += [f"## {topic.id}. {e(topic.label)} ({topic.size}{_confidence(topic)})", "",
                  f"Key phrases: {e(', '.join(topic.terms))}", ""]
        lines += [line for sentence in _inside(day, topic) if sentence for line in (e(sentence), "")]
        for row in _rows(day, topic.id):
            star = f" \\* (low confidence{_share(row.confidence)})" if row.flagged else ""
            meta = [e(text_or_none(row.primary_category) or NO_CATEGORY), e(_authors_short(row.authors))]
            if code := _link(row.code_url):
                meta.append(f"[code]({markdown_url(code)})")
            tldr = text_or_none(row.tldr)
            tldr = e(tldr) if tldr else f"_{NO_TLDR}_"
            url = markdown_url(f"https://arxiv.org/abs/{row.arxiv_id}")
            lines.append(f"- [{e(text_or_none(row.title) or row.arxiv_id)}]({url}){star} · {' · '.join(meta)}")
            lines.append(f"  {tldr}")
            for hit in earlier.get(row.arxiv_id, []):
                lines.append(f"  - seen before: [{e(hit.title)}]({markdown_url(hit.url)}) "
                             f"({e(hit.date or 'date unknown')}, {hit.score:.2f})")
        lines.append("")
    return "\n".join(lines)


def report_html(day: TopicMap, earlier: Mapping[str, Hits] | None = None, summary: str = "",
                for_you: Mapping | None = None, novelty: pd.DataFrame | None = None,
                library_map: LibraryMap | None = None, tracked=None, incomplete: str | None = None) -> str:
    """index.html: the interactive map, then the topics with their papers."""
    earlier = earlier or {}
    e = html.escape
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(day.heading())}</title><style>",
        "body{font:15px/1.45 system-ui,sans-serif;max-width:1100px;margin:auto;padding:16px;color:#222}",
        "iframe{width:100%;height:640px;border:1px solid #ddd}li{margin:6px 0}.tldr{color:#444}",
        ".meta{font-size:13px;color:#555}.missing{color:#888;font-style:italic}",
        ".seen{font-size:13px;color:#666}.flag{color:#b45309}nav a{margin-right:10px}",
        "</style></head><body>",
        f"<h1>{e(day.heading())}</h1>", *_for_you(for_you or {}, markdown=False),
        f"<p>{e(summary)}</p>" if summary else "",
        *(f"<p>{e(sentence)}</p>" for sentence in _intro(day, "◆", incomplete)), *_across_days(tracked, markdown=False),
    ]
    if len(day.papers):
        parts += [
            "<iframe src='map.html' title='interactive topic map'></iframe>",
            "<p><a href='map.png'>static map (PNG)</a> · <a href='map.html'>interactive map</a> · "
            "<a href='papers.csv'>papers.csv</a></p><nav>",
            *(f"<a href='#t{t.id}'>{e(t.label)} ({t.size})</a>" for t in day.topics),
            "</nav>",
        ]
    parts += [*_library_map_links(library_map, markdown=False), *_new_here(novelty, markdown=False)]
    for topic in day.topics:
        parts.append(f"<h2 id='t{topic.id}'>{topic.id}. {e(topic.label)} <small>({plural(topic.size, 'paper')}"
                     f"{_confidence(topic)})</small></h2>"
                     f"<p>Key phrases: {e(', '.join(topic.terms))}</p>"
                     + "".join(f"<p class='meta'>{e(sentence)}</p>" for sentence in _inside(day, topic) if sentence)
                     + "<ul>")
        for row in _rows(day, topic.id):
            flag = (f" <span class='flag' title='low confidence{_share(row.confidence)}: most of its neighbour "
                    "links leave this topic'>◆</span>" if row.flagged else "")
            meta = [e(text_or_none(row.primary_category) or NO_CATEGORY), e(_authors_short(row.authors))]
            if code := _link(row.code_url):
                meta.append(f"<a href='{e(code)}'>code</a>")
            tldr = text_or_none(row.tldr)
            tldr = e(tldr) if tldr else f"<span class='missing'>{NO_TLDR}</span>"
            parts.append(f"<li><a href='https://arxiv.org/abs/{e(row.arxiv_id)}'>"
                         f"{e(text_or_none(row.title) or row.arxiv_id)}</a>{flag} "
                         f"<span class='meta'>{e(row.arxiv_id)} · {' · '.join(meta)}</span>"
                         f"<div class='tldr'>{tldr}</div>")
            hits = earlier.get(row.arxiv_id, [])
            if hits:
                parts.append("<div class='seen'>seen before: " + "; ".join(
                    f"<a href='{e(h.url)}'>{e(h.title)}</a> ({e(h.date or 'date unknown')}, {h.score:.2f})"
                    for h in hits) + "</div>")
            parts.append("</li>")
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p)


# -- across days: the day's topics under the library's standing ids (topics/tracking.py) -------------

ACROSS_DAYS_K = 3  # topics per list in the "Across days" section


def with_stable_ids(day: TopicMap, tracked) -> TopicMap:
    """The day's map with each topic under its standing id and label (key phrases stay the day's).
    Unchanged when the stored ids do not map one-to-one onto this fit (a day tracked before with
    other topic settings)."""
    from dataclasses import replace

    from .topics import Topics

    ids = tracked.ids if tracked is not None else {}
    if (not ids or set(ids) != {t.id for t in day.topics} or len(set(ids.values())) != len(ids)
            or not set(ids.values()) <= set(tracked.labels)):
        return day
    papers = day.papers.assign(topic=[ids[t] for t in day.papers["topic"]])
    papers["label"] = [tracked.labels[t] for t in papers["topic"]]
    topics = Topics(replace(t, id=ids[t.id], label=tracked.labels[ids[t.id]]) for t in day.topics)
    subtopics = Topics(replace(t, parent=ids[t.parent]) for t in day.subtopics)
    return TopicMap(title=day.title, papers=papers, topics=topics, model=day.model, subtopics=subtopics)


def _across_days(tracked, markdown: bool) -> list[str]:
    """The "Across days" section: topics new today, the fastest growing since the previous
    tracked day, and those that faded (shrank, merged into another, or gone)."""
    if tracked is None or not tracked.sizes:
        return []
    e = _escape(markdown)

    def name(t: int) -> str:
        return f"{t}. {tracked.labels.get(t) or tracked.previous_labels.get(t, '')}"

    if tracked.previous_date is None:
        sentences = [f"The first tracked day: its {len(tracked.sizes)} topics start the library's topics."]
        lists = []
    else:
        split_from = {t: ev.topic for ev in tracked.events if ev.kind == "split" for t in ev.others[1:]}
        new = [f"{name(t)} ({plural(tracked.sizes[t], 'paper')}" + (f", split off from {name(split_from[t])}" if t in split_from
                                                         else "") + ")" for t in tracked.new]
        growth = tracked.growth()
        grew = sorted((ev.topic for ev in tracked.events if ev.kind == "grew"), key=lambda t: (-growth[t], t))
        growing = [f"{name(t)}: {tracked.previous[t]} → {plural(tracked.sizes[t], 'paper')} (x{growth[t]:.1f} its share "
                   "of the day)" for t in grew[:ACROSS_DAYS_K]]
        faded = []
        for ev in tracked.events:
            if ev.kind == "shrank":
                faded.append(f"{name(ev.topic)}: {tracked.previous[ev.topic]} → {plural(tracked.sizes[ev.topic], 'paper')}")
            elif ev.kind == "gone":
                faded.append(f"{name(ev.topic)}: gone ({plural(tracked.previous[ev.topic], 'paper')} on {tracked.previous_date})")
            elif ev.kind == "merged":
                faded += [f"{name(t)}: merged into {name(ev.topic)}" for t in ev.others]
        carried = len(tracked.sizes) - len(tracked.new)
        sentences = [f"Compared with {tracked.previous_date}: {carried} of today's {len(tracked.sizes)} topics "
                     "continue topics of earlier days (their numbers stay the same from day to day)."]
        lists = [(title, items) for title, items in (("New today", new), ("Growing fastest", growing),
                                                      ("Faded", faded[:2 * ACROSS_DAYS_K])) if items]
    if markdown:
        parts = ["## Across days", "", *map(e, sentences), ""]
        for title, items in lists:
            parts += [f"{title}:", "", *(f"- {e(item)}" for item in items), ""]
        return parts
    parts = ["<h2 id='across-days'>Across days</h2>", *(f"<p>{e(s)}</p>" for s in sentences)]
    for title, items in lists:
        parts += [f"<p>{e(title)}:</p><ul>", *(f"<li>{e(item)}</li>" for item in items), "</ul>"]
    return parts
