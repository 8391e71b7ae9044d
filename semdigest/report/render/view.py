"""A day's report as plain text pieces, the same for every renderer: sentences, lists and one row
per paper. Nothing here is markup or escaped; the templates escape every value they show."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...maps.topicmap import author_text, text_or_none
from ...plural import plural
from ..data import DayData

# What the report says where a paper lacks an optional field.
NO_TLDR = "no TL;DR in the digest"
NO_AUTHORS = "authors not listed"
NO_CATEGORY = "no category"
LIBRARY_MAP_PNG, LIBRARY_MAP_HTML = "library-map.png", "library-map.html"
FOR_YOU_K = 10       # papers per interest in the report's "For you" section
NEW_HERE_K = 8        # papers in the report's "New here, unlike anything you have" list
ACROSS_DAYS_K = 3     # topics per list in the "Across days" section


@dataclass(frozen=True)
class Ranked:
    """A paper of "For you": its place, score, the interest paper it is closest to, shared terms."""
    rank: int
    title: str
    url: str
    score: float
    near: str
    terms: str


@dataclass(frozen=True)
class Novel:
    """A paper of "New here": its novelty and what is nearest to it among earlier papers."""
    title: str
    url: str
    novelty: float
    near: str


@dataclass(frozen=True)
class Earlier:
    """A paper seen before, under a paper of the day."""
    title: str
    url: str
    date: str
    score: float


@dataclass(frozen=True)
class PaperRow:
    arxiv_id: str
    title: str
    url: str
    flagged: bool
    share: str        # " 0.42": the paper's confidence in its topic, "" when not measured
    category: str
    authors: str
    code: str | None  # a web address, never another scheme
    tldr: str | None
    earlier: list[Earlier]


@dataclass(frozen=True)
class TopicSection:
    id: int
    label: str
    size: int
    papers_text: str  # "12 papers"
    confidence: str   # ", confidence 0.81", or ""
    terms: str
    representative: str  # its most representative titles, "; "-joined ("" when none)
    subtopics: str       # "label (size); ..." when it has more than one sub-topic, else ""
    papers: list[PaperRow]


def view(data: DayData, mark: str) -> dict:
    """Everything a template shows, as plain values; ``mark`` is how the renderer flags a paper."""
    day = data.map
    return {
        "heading": day.heading(),
        "has_papers": len(day.papers) > 0,
        "summary": data.summary,
        "intro": intro(data, mark),
        "for_you": for_you(data),
        "across": across_days(data),
        "library_map": library_map_note(data),
        "library_map_png": LIBRARY_MAP_PNG,
        "library_map_html": LIBRARY_MAP_HTML,
        "new_here": new_here(data),
        "topics": topics(data),
        "no_tldr": NO_TLDR,
    }


def intro(data: DayData, mark: str) -> list[str]:
    """Sentences about the day as a whole; ``mark`` is how the renderer flags a paper."""
    day, n = data.map, len(data.map.papers)
    said = [f"The digest file is incomplete: {data.incomplete}. The report shows the {n} whole papers it holds; "
            "download the digest again and make the report again."] if data.incomplete else []
    if n == 0:
        return said or ["The digest holds no papers, so there are no topics to show (digests with only their "
                        "header are normal on holidays and days without new submissions)."]
    if not day.clustered:
        return said + [f"{'This paper is' if n == 1 else f'These {n} papers are'} too few to cluster: "
                       "they are listed as one group."]
    return said + [f"{day.flagged_share:.0%} of papers have low confidence in their topic (marked {mark}): "
                   f"fewer than {day.model.min_confidence:.0%} of their links to their nearest papers stay inside it."]


def for_you(data: DayData) -> list[tuple[str, list[Ranked]]]:
    """The day's best papers for each interest (interests.rank_day), each with its score, the
    interest paper it is closest to and the terms they share."""
    return [(name, [Ranked(p.rank, p.title, p.url, p.score, p.closest_titles[0] if p.closest_titles else "",
                           ", ".join(p.terms)) for p in ranking[:FOR_YOU_K]])
            for name, ranking in data.for_you.items()]


def new_here(data: DayData) -> list[Novel]:
    """The day's most novel papers, each with its novelty and the nearest earlier paper; none
    when novelty could not be measured."""
    if data.novelty is None:
        return []
    top = data.novelty.dropna(subset=["novelty"]).head(NEW_HERE_K)
    return [Novel(row.title, f"https://arxiv.org/abs/{row.arxiv_id}", row.novelty,
                  f"nearest earlier: {row.nearest_title} ({row.nearest_score:.2f})" if row.nearest_id
                  else "no earlier paper") for row in top.itertuples()]


def library_map_note(data: DayData) -> str | None:
    if data.library_map is None:
        return None
    days = plural(data.library_map.backdrop_days, "day")
    return f"the day on the library's map, over the papers of the {days} before"


def across_days(data: DayData) -> dict | None:
    """Topics new today, the fastest growing since the previous tracked day, and those that faded
    (shrank, merged into another, or gone): {"sentences": [...], "lists": [(title, items)]}."""
    tracked = data.tracked
    if tracked is None or not tracked.sizes:
        return None

    def name(t: int) -> str:
        return f"{t}. {tracked.labels.get(t) or tracked.previous_labels.get(t, '')}"

    if tracked.previous_date is None:
        return {"sentences": [f"The first tracked day: its {len(tracked.sizes)} topics start the library's topics."],
                "lists": []}
    origin = {**{t: f"split off from {name(ev.topic)}" for ev in tracked.events if ev.kind == "split"
                 for t in ev.others[1:]},
              **{ev.topic: f"continues {name(ev.others[0])}" for ev in tracked.events if ev.kind == "continues"}}
    new = [f"{name(t)} ({plural(tracked.sizes[t], 'paper')}" + (f", {origin[t]}" if t in origin else "") + ")"
           for t in tracked.new]
    growth = tracked.growth()
    grew = sorted((ev.topic for ev in tracked.events if ev.kind == "grew"), key=lambda t: (-growth[t], t))
    growing = [f"{name(t)}: {tracked.previous[t]} → {plural(tracked.sizes[t], 'paper')} (x{growth[t]:.1f} its share "
               "of the day)" for t in grew[:ACROSS_DAYS_K]]
    faded = []
    for ev in tracked.events:
        if ev.kind == "shrank":
            now = plural(tracked.sizes[ev.topic], "paper")
            faded.append(f"{name(ev.topic)}: {tracked.previous[ev.topic]} → {now}")
        elif ev.kind == "gone":
            before = plural(tracked.previous[ev.topic], "paper")
            faded.append(f"{name(ev.topic)}: gone ({before} on {tracked.previous_date})")
        elif ev.kind == "merged":
            faded += [f"{name(t)}: merged into {name(ev.topic)}" for t in ev.others]
    carried = len(tracked.sizes) - len(tracked.new)
    sentences = [f"Compared with {tracked.previous_date}: {carried} of today's {len(tracked.sizes)} topics "
                 "continue topics of earlier days (their numbers stay the same from day to day)."]
    lists = [(title, items) for title, items in (("New today", new), ("Growing fastest", growing),
                                                  ("Faded", faded[:2 * ACROSS_DAYS_K])) if items]
    return {"sentences": sentences, "lists": lists}


def topics(data: DayData) -> list[TopicSection]:
    day = data.map
    return [TopicSection(t.id, t.label, t.size, plural(t.size, "paper"),
                         "" if math.isnan(t.confidence) else f", confidence {t.confidence:.2f}", ", ".join(t.terms),
                         "; ".join(t.representative_titles[:3]), _subtopics(day, t.id),
                         [_paper(row, data) for row in _reading_order(day.papers[day.papers["topic"] == t.id], data)])
            for t in day.topics]


def _subtopics(day, topic_id: int) -> str:
    inside = [t for t in day.subtopics if t.parent == topic_id]
    return "; ".join(f"{t.label} ({t.size})" for t in inside) if len(inside) > 1 else ""


def _reading_order(papers, data: DayData):
    """A topic's papers in the order a reader wants them: by their best "For you" rank in any
    interest when there are interests, else the most representative first; then by
    representativeness, then arXiv id."""
    papers = papers.assign(_for_you=papers["arxiv_id"].map(_best_rank(data)).fillna(math.inf))
    keys = ["_for_you", *(["centrality"] if "centrality" in papers else []), "arxiv_id"]
    ascending = [True, *([False] if "centrality" in papers else []), True]
    return papers.sort_values(keys, ascending=ascending, kind="stable").itertuples()


def _best_rank(data: DayData) -> dict[str, int]:
    best: dict[str, int] = {}
    for ranking in data.for_you.values():
        for paper in ranking:
            best[paper.arxiv_id] = min(best.get(paper.arxiv_id, paper.rank), paper.rank)
    return best


def _paper(row, data: DayData) -> PaperRow:
    earlier = [Earlier(h.title, h.url, h.date or "date unknown", h.score) for h in data.earlier.get(row.arxiv_id, [])]
    return PaperRow(
        arxiv_id=row.arxiv_id, title=text_or_none(row.title) or row.arxiv_id,
        url=f"https://arxiv.org/abs/{row.arxiv_id}",
        flagged=bool(row.flagged), share="" if math.isnan(row.confidence) else f" {row.confidence:.2f}",
        category=text_or_none(row.primary_category) or NO_CATEGORY, authors=_authors_short(row.authors),
        code=_web_link(row.code_url), tldr=text_or_none(row.tldr), earlier=earlier)


def _authors_short(value) -> str:
    names = [a.strip() for a in author_text(value).split(",") if a.strip()]
    if not names:
        return NO_AUTHORS
    return ", ".join(names[:3]) + (" et al." if len(names) > 3 else "")


def _web_link(value) -> str | None:
    """A web address from a digest, or None: other schemes (javascript:) never become links."""
    url = text_or_none(value)
    return url if url and url.lower().startswith(("https://", "http://")) else None
