"""The day report, and the wiring from a library to a TopicMap (the only place besides the CLI
that connects the store, the embedder and the analysis modules)."""

from __future__ import annotations

import datetime as dt
import html
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import LibraryError
from .library import IngestResult, Library
from .records import Digest
from .results import Hits
from .topicmap import TopicMap
from .topics import TopicModel


def topic_map(library: Library, *, date: dt.date | None = None, since: dt.date | None = None,
              until: dt.date | None = None, ids=None, model=None, topic_model: TopicModel | None = None,
              title: str | None = None) -> TopicMap:
    """Topics and map of the library's papers of one day, a date range, or given ids."""
    frame = library.papers(date=date, since=since, until=until, ids=ids)
    vector_ids, matrix = library.vectors(model, ids=frame["arxiv_id"])
    if len(vector_ids) == 0:
        what = f"on {date}" if date else f"between {since or 'the start'} and {until or 'today'}"
        raise LibraryError(f"no embedded papers {what} in {library.path}; ingest that day's digest first")
    frame = frame.set_index("arxiv_id").loc[vector_ids]
    title = title or _title(date, since, until)
    return TopicMap.build(vector_ids, matrix, frame, title, topic_model)


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


def day_report(library: Library, digest: Digest, out: str | Path, model=None,
               topic_model: TopicModel | None = None, k_related: int = 3) -> DayReport:
    """Ingest a digest, find its topics, draw both maps, and write index.html, report.md, papers.csv."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    seconds = {}
    start = time.perf_counter()
    ingest = library.ingest(digest, model)
    seconds["ingest"] = time.perf_counter() - start
    start = time.perf_counter()
    title = f"arXiv digest {digest.date or Path(digest.source).stem}"
    day = topic_map(library, ids=[p.arxiv_id for p in digest.papers], model=model,
                    topic_model=topic_model, title=title)
    seconds["topics_and_map"] = time.perf_counter() - start
    start = time.perf_counter()
    earlier = library.seen_before(digest.date, k=k_related, model=model) if digest.date else {}
    seconds["related"] = time.perf_counter() - start
    start = time.perf_counter()
    for_you = library.rank(digest.date, k=FOR_YOU_K, model=model) if digest.date else {}
    seconds["for_you"] = time.perf_counter() - start
    start = time.perf_counter()
    day.save_png(out / "map.png")
    day.save_html(out / "map.html")
    frame = day.papers.assign(date=digest.date.isoformat() if digest.date else "")
    frame[["arxiv_id", "title", "date", "topic", "label", "flagged", "x", "y"]].to_csv(out / "papers.csv", index=False)
    (out / "report.md").write_text(_markdown(day, earlier, ingest, for_you), encoding="utf-8")
    (out / "index.html").write_text(_html(day, earlier, ingest, for_you), encoding="utf-8")
    seconds["write"] = time.perf_counter() - start
    return DayReport(out=out, ingest=ingest, map=day, seconds=seconds)


FOR_YOU_K = 10  # papers per interest in the report's "For you" section


def _for_you(rankings: dict, markdown: bool) -> list[str]:
    """The "For you" section: the day's best papers for each interest (Library.rank), each with
    its score, the interest paper it is closest to and the terms they share; nothing without interests."""
    if not rankings:
        return []
    e = (lambda text: text) if markdown else html.escape
    parts = ["## For you", ""] if markdown else ["<h2 id='for-you'>For you</h2>"]
    for name, ranking in rankings.items():
        parts += [f"### {name}", ""] if markdown else [f"<h3>{e(name)}</h3><ol class='foryou'>"]
        for p in ranking:
            near = p.closest_titles[0] if p.closest_titles else ""
            terms = ", ".join(p.terms)
            if markdown:
                parts.append(f"{p.rank}. [{p.title}]({p.url}) — score {p.score:.2f}; closest: {near}"
                             + (f"; shares: {terms}" if terms else ""))
            else:
                parts.append(f"<li><a href='{p.url}'>{e(p.title)}</a> <span class='seen'>score {p.score:.2f}; "
                             f"closest: {e(near)}" + (f"; shares: {e(terms)}" if terms else "") + "</span></li>")
        parts += [""] if markdown else ["</ol>"]
    return parts


def _markdown(day: TopicMap, earlier: dict[str, Hits], ingest: IngestResult, for_you: dict | None = None) -> str:
    lines = [f"# {day.heading()}", "", *_for_you(for_you or {}, markdown=True), f"Ingest: {ingest}", "",
             f"{day.flagged_share:.0%} of papers were left as noise by the clustering and assigned to "
             "the nearest topic (flagged *).", "", "![topic map](map.png) · [interactive map](map.html)", ""]
    for topic in day.topics:
        lines += [f"## {topic.id}. {topic.label} ({topic.size})", "", f"Key phrases: {', '.join(topic.terms)}", ""]
        for row in day.papers[day.papers["topic"] == topic.id].itertuples():
            star = " *" if row.flagged else ""
            lines.append(f"- [{row.title}](https://arxiv.org/abs/{row.arxiv_id}){star} — {row.tldr or ''}")
            for hit in earlier.get(row.arxiv_id, []):
                lines.append(f"  - seen before: [{hit.title}]({hit.url}) ({hit.date}, {hit.score:.2f})")
        lines.append("")
    return "\n".join(lines)


def _html(day: TopicMap, earlier: dict[str, Hits], ingest: IngestResult, for_you: dict | None = None) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(day.heading())}</title><style>",
        "body{font:15px/1.45 system-ui,sans-serif;max-width:1100px;margin:auto;padding:16px;color:#222}",
        "iframe{width:100%;height:640px;border:1px solid #ddd}li{margin:6px 0}.tldr{color:#444}",
        ".seen{font-size:13px;color:#666}.flag{color:#b45309}nav a{margin-right:10px}",
        "</style></head><body>",
        f"<h1>{e(day.heading())}</h1>", *_for_you(for_you or {}, markdown=False), f"<p>{e(str(ingest))}</p>",
        f"<p>{day.flagged_share:.0%} of papers were left as noise by the clustering and assigned to the "
        "nearest topic (<span class='flag'>◆</span>).</p>",
        "<iframe src='map.html' title='interactive topic map'></iframe>",
        "<p><a href='map.png'>static map (PNG)</a> · <a href='map.html'>interactive map</a> · "
        "<a href='papers.csv'>papers.csv</a></p><nav>",
        *(f"<a href='#t{t.id}'>{e(t.label)} ({t.size})</a>" for t in day.topics),
        "</nav>",
    ]
    for topic in day.topics:
        parts.append(f"<h2 id='t{topic.id}'>{topic.id}. {e(topic.label)} <small>({topic.size} papers)</small></h2>"
                     f"<p>Key phrases: {e(', '.join(topic.terms))}</p><ul>")
        for row in day.papers[day.papers["topic"] == topic.id].itertuples():
            flag = " <span class='flag' title='reassigned from noise'>◆</span>" if row.flagged else ""
            parts.append(f"<li><a href='https://arxiv.org/abs/{e(row.arxiv_id)}'>{e(row.title)}</a>{flag}"
                         f"<div class='tldr'>{e(row.tldr or '')}</div>")
            hits = earlier.get(row.arxiv_id, [])
            if hits:
                parts.append("<div class='seen'>seen before: " + "; ".join(
                    f"<a href='{h.url}'>{e(h.title)}</a> ({e(h.date or '')}, {h.score:.2f})" for h in hits) + "</div>")
            parts.append("</li>")
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)
