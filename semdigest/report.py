"""The day report, and the wiring from a library to a TopicMap (the only place besides the CLI
that connects the store, the embedder and the analysis modules)."""

from __future__ import annotations

import datetime as dt
import html
import math
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
    day.save_png(out / "map.png")
    day.save_html(out / "map.html")
    frame = day.papers.assign(date=digest.date.isoformat() if digest.date else "")
    frame[["arxiv_id", "title", "date", "topic", "label", "confidence", "flagged", "x", "y"]].to_csv(
        out / "papers.csv", index=False, float_format="%.4g")
    (out / "report.md").write_text(_markdown(day, earlier, ingest), encoding="utf-8")
    (out / "index.html").write_text(_html(day, earlier, ingest), encoding="utf-8")
    seconds["write"] = time.perf_counter() - start
    return DayReport(out=out, ingest=ingest, map=day, seconds=seconds)


def _markdown(day: TopicMap, earlier: dict[str, Hits], ingest: IngestResult) -> str:
    lines = [f"# {day.heading()}", "", f"Ingest: {ingest}", "",
             _confidence_note(day, "*"), "", "![topic map](map.png) · [interactive map](map.html)", ""]
    for topic in day.topics:
        lines += [f"## {topic.id}. {topic.label} ({topic.size}{_confidence(topic)})", "",
                  f"Key phrases: {', '.join(topic.terms)}", ""]
        for row in day.papers[day.papers["topic"] == topic.id].itertuples():
            star = f" * (confidence {row.confidence:.2f})" if row.flagged else ""
            lines.append(f"- [{row.title}](https://arxiv.org/abs/{row.arxiv_id}){star} — {row.tldr or ''}")
            for hit in earlier.get(row.arxiv_id, []):
                lines.append(f"  - seen before: [{hit.title}]({hit.url}) ({hit.date}, {hit.score:.2f})")
        lines.append("")
    return "\n".join(lines)


def _confidence_note(day: TopicMap, mark: str) -> str:
    if not day.model.clustered_:
        return f"{len(day.papers)} papers are too few to cluster: they are listed as one group."
    return (f"{day.flagged_share:.0%} of papers have low confidence in their topic (marked {mark}): fewer than "
            f"{day.model.min_confidence:.0%} of their links to their nearest papers stay inside it.")


def _confidence(topic) -> str:
    return "" if math.isnan(topic.confidence) else f", confidence {topic.confidence:.2f}"


def _html(day: TopicMap, earlier: dict[str, Hits], ingest: IngestResult) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(day.heading())}</title><style>",
        "body{font:15px/1.45 system-ui,sans-serif;max-width:1100px;margin:auto;padding:16px;color:#222}",
        "iframe{width:100%;height:640px;border:1px solid #ddd}li{margin:6px 0}.tldr{color:#444}",
        ".seen{font-size:13px;color:#666}.flag{color:#b45309}nav a{margin-right:10px}",
        "</style></head><body>",
        f"<h1>{e(day.heading())}</h1><p>{e(str(ingest))}</p>",
        f"<p>{e(_confidence_note(day, '◆'))}</p>",
        "<iframe src='map.html' title='interactive topic map'></iframe>",
        "<p><a href='map.png'>static map (PNG)</a> · <a href='map.html'>interactive map</a> · "
        "<a href='papers.csv'>papers.csv</a></p><nav>",
        *(f"<a href='#t{t.id}'>{e(t.label)} ({t.size})</a>" for t in day.topics),
        "</nav>",
    ]
    for topic in day.topics:
        parts.append(f"<h2 id='t{topic.id}'>{topic.id}. {e(topic.label)} <small>({topic.size} papers"
                     f"{_confidence(topic)})</small></h2>"
                     f"<p>Key phrases: {e(', '.join(topic.terms))}</p><ul>")
        for row in day.papers[day.papers["topic"] == topic.id].itertuples():
            flag = (f" <span class='flag' title='low confidence: {row.confidence:.2f} of its neighbour links "
                    "are inside this topic'>◆</span>" if row.flagged else "")
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
