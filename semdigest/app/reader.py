"""The reader's view of a library: days, papers, related papers, search, trends and interests
as JSON-ready dicts, the one thing the server's routes and the static site both call.

A store's connection belongs to the thread that opened it and the store is not built for
concurrent use, so the library is opened and used on one worker thread: ``call(fn, ...)``
runs ``fn`` there (from any thread, the server's event loop included, via ``submit``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from .. import neighbors
from ..arxiv_ids import canonical_id
from ..errors import InterestError, LibraryError
from ..interests import rank_day
from ..records import PaperFilter, as_date
from ..topics.history import topic_events, topic_history
from .catalog import Catalog
from .records import hit_record, iso, paper_record, ranked_record

RRF_K = 60          # reciprocal rank fusion's constant (Cormack et al. 2009): 1 / (60 + rank)
FOR_YOU_K = 10
SEEN_BEFORE_K = 3
MARKS = ("read", "not_interesting", "interesting", "clear")


class NotFound(LibraryError):
    """What was asked for is not in the library (the server answers 404)."""


class Reader:
    """Open with ``Reader(lambda: Library.open(path))``; ``close()`` when done."""

    def __init__(self, open_library: Callable, model=None, read_only: bool = False):
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="semdigest-library")
        self.model, self.read_only = model, read_only
        self.library = self.call(open_library)
        self._maps: dict[dt.date, object] = {}
        self._seen: dict[dt.date, dict] = {}
        self._catalog: Catalog | None = None
        self._catalog_size = -1
        self._encoder = None
        self._for_you: dict = {}
        self._vectors_known: tuple = (None, False)
        self._topic_papers: dict = {}

    # -- threads ------------------------------------------------------------------------------

    def submit(self, fn: Callable, *args, **kwargs) -> Future:
        return self._worker.submit(fn, *args, **kwargs)

    def call(self, fn: Callable, *args, **kwargs):
        return self.submit(fn, *args, **kwargs).result()

    def close(self) -> None:
        self.call(self.library.close)
        self._worker.shutdown()

    # -- what every page needs ----------------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        """Rebuilt when the number of papers changed (an ingest while the server runs)."""
        size = self.library.store.count_papers()
        if self._catalog is None or size != self._catalog_size:
            self._catalog = Catalog.build(self.library.store.paper_listing())
            self._catalog_size, self._maps, self._seen = size, {}, {}
        return self._catalog

    def _has_vectors(self) -> bool:
        """Whether the model has vectors here; counting them takes a while, so kept per data version."""
        version = self.library.store.data_version()
        if self._vectors_known[0] != version:
            self._vectors_known = (version, self.library.embedder(self.model).key in self.library.store.models())
        return self._vectors_known[1]

    def warm(self) -> None:
        """What the first visit would wait for: the latest day's topics and map, the query encoder."""
        latest = self.latest_date()
        if latest is not None:
            self.day(latest)
        if self._has_vectors():
            self.search("warm up", k=1)

    def latest_date(self) -> dt.date | None:
        return self.catalog.latest()

    def day_map(self, date: dt.date):
        """The day's TopicMap (topics and the day's own map), found once and kept."""
        from ..maps.topicmap import TopicMap, topic_map

        catalog = self.catalog
        if date not in self._maps:
            ids = catalog.days.get(date, [])
            try:
                self._maps[date] = topic_map(self.library, ids=ids, model=self.model, title=f"arXiv digest {date}") \
                    if ids else TopicMap.empty(f"arXiv digest {date}")
            except LibraryError:  # papers without vectors: listed, not clustered
                self._maps[date] = TopicMap.empty(f"arXiv digest {date}")
        return self._maps[date]

    def library_map(self, date) -> dict:
        """The day on the library's reference map (the same paper always at the same point): the
        day's papers there, and the papers first seen in the days before as a backdrop; empty
        lists where there is no earlier paper or no vector (maps/librarymap.py)."""
        from ..maps.librarymap import library_map

        date = as_date(date, "date", required=True)
        day = self.day(date, with_for_you=False)
        if ("library", date) not in self._maps:
            try:
                self._maps[("library", date)] = library_map(self.library, date, day=self.day_map(date), model=self.model)
            except LibraryError:  # no vectors, or a read-only library without a reference map
                self._maps[("library", date)] = None
        found = self._maps[("library", date)]
        if found is None:
            return {"date": day["date"], "papers": [], "backdrop": [], "backdrop_days": 0}
        at = {r.arxiv_id: (round(float(r.x), 4), round(float(r.y), 4)) for r in found.day.papers.itertuples()}
        papers = [{**p, "x": at[p["arxiv_id"]][0], "y": at[p["arxiv_id"]][1]} for p in day["papers"] if p["arxiv_id"] in at]
        stored = self.library.store.get_papers(found.backdrop["arxiv_id"])
        backdrop = [{"arxiv_id": r.arxiv_id, "title": stored[r.arxiv_id].title, "authors": list(stored[r.arxiv_id].authors),
                     "primary_category": stored[r.arxiv_id].primary_category, "first_seen": iso(stored[r.arxiv_id].date),
                     "x": round(float(r.x), 4), "y": round(float(r.y), 4)}
                    for r in found.backdrop.itertuples() if r.arxiv_id in stored]
        return {"date": day["date"], "papers": papers, "backdrop": backdrop, "backdrop_days": found.backdrop_days}

    # -- the API's answers --------------------------------------------------------------------

    def day(self, date, with_for_you: bool = True) -> dict:
        date = as_date(date, "date", required=True)
        catalog = self.catalog
        if date not in catalog.days:
            known = ", ".join(d.isoformat() for d in catalog.dates[-5:]) or "none yet"
            raise NotFound(f"no digest of {date} in the library (latest days: {known})")
        ids = catalog.days[date]
        day = self.day_map(date)
        stored = self.library.store.get_papers(ids)
        placed = {r.arxiv_id: r for r in day.papers.itertuples()}
        papers = []
        for i in ids:
            record = paper_record(stored[i])
            row = placed.get(i)
            record.update(topic=int(row.topic) if row is not None else None,
                          label=row.label if row is not None else None,
                          subtopic=int(row.subtopic) if row is not None else None,
                          confidence=None if row is None or row.confidence != row.confidence else round(float(row.confidence), 3),
                          x=None if row is None else round(float(row.x), 4), y=None if row is None else round(float(row.y), 4))
            papers.append(record)
        trends = self._trends(date, day)
        topics = []
        for t in day.topics:
            members = set(t.paper_ids)
            rest = sorted(members - set(t.representative_ids),
                          key=lambda i: -(placed[i].confidence if placed[i].confidence == placed[i].confidence else 0))
            topics.append({"topic": int(t.id), "label": t.label, "size": int(t.size), "terms": list(t.terms),
                           "representative": list(t.representative_ids), "arxiv_ids": list(t.representative_ids) + rest,
                           "subtopics": [{"subtopic": int(s.id), "label": s.label, "size": int(s.size),
                                          "terms": list(s.terms), "arxiv_ids": list(s.paper_ids)}
                                         for s in day.subtopics if s.parent == t.id],
                           "trend": trends.get(int(t.id))})
        new = [i for i in ids if catalog.first_seen.get(i) == date]
        before, after = catalog.neighbours(date)
        first_seen = [catalog.first_seen[i] for i in ids if catalog.first_seen.get(i)]
        return {
            "date": date.isoformat(), "previous": iso(before), "next": iso(after),
            "n_papers": len(ids), "n_new": len(new),
            "republication_of": iso(max(first_seen)) if ids and not new and first_seen else None,
            "topics": topics, "papers": papers,
            "seen_before": self._seen_before(date) if new else {},
            "for_you": self.for_you(date) if with_for_you else {},
        }

    def _trends(self, date: dt.date, day) -> dict[int, dict]:
        """For a tracked day, each of the day's topics' standing topic (the one most of its papers
        were given) and that topic's size on the tracked day before: {topic: {standing, before,
        previous_date}}; before is None for a topic born that day."""
        store = self.library.store
        tracked = store.tracked_dates()
        if date not in tracked:
            return {}
        earlier = [d for d in tracked if d < date]
        standing_of = store.paper_topics(date)
        before = {t: n for _, t, n, _ in store.topic_sizes(earlier[-1], earlier[-1])} if earlier else {}
        out = {}
        for t in day.topics:
            held = Counter(standing_of[i] for i in t.paper_ids if i in standing_of)
            if held:
                standing = held.most_common(1)[0][0]
                out[int(t.id)] = {"standing": int(standing), "before": before.get(standing),
                                  "previous_date": iso(earlier[-1]) if earlier else None}
        return out

    def _seen_before(self, date: dt.date) -> dict:
        if date not in self._seen:
            try:
                found = neighbors.seen_before(self.library, date, k=SEEN_BEFORE_K, model=self.model, explain=False)
            except LibraryError:
                found = {}
            self._seen[date] = {i: [hit_record(h) for h in hits] for i, hits in found.items() if hits}
        return self._seen[date]

    def for_you(self, date: dt.date) -> dict:
        """{interest: ranked papers with a reason}, for interests with something to rank by;
        kept until the library changes (a mark here, or any write elsewhere)."""
        key = (date, self.library.store.data_version())
        if key not in self._for_you:
            try:
                rankings = rank_day(self.library, date, k=FOR_YOU_K, model=self.model)
            except (LibraryError, InterestError):
                rankings = {}
            self._for_you = {key: {name: [ranked_record(p) for p in ranking] for name, ranking in rankings.items()}}
        return self._for_you[key]

    def paper(self, arxiv_id: str) -> dict:
        key = canonical_id(arxiv_id) or arxiv_id
        catalog = self.catalog
        found = self.library.store.get_papers([key]).get(key)
        if found is None:
            raise NotFound(f"{arxiv_id} is not in the library; search for it by title instead")
        days = sorted(d for d, ids in catalog.days.items() if key in ids)  # days are few; ids sorted
        return paper_record(found, days)

    def related(self, arxiv_id: str, k: int = 10, since=None, until=None, category=None,
                explain: bool = False) -> list[dict]:
        """The k nearest papers; with ``explain`` also the terms each shares with this one (what
        Library.related finds, at about twice the cost), else shared_terms is empty."""
        key = canonical_id(arxiv_id) or arxiv_id
        if key not in self.catalog.first_seen:
            raise NotFound(f"{arxiv_id} is not in the library")
        since, until, categories = as_date(since, "since"), as_date(until, "until"), _categories(category)
        if explain:
            return [hit_record(h) for h in neighbors.related(self.library, key, k=k, since=since, until=until,
                                                                 categories=categories, model=self.model)]
        ids, matrix = self.library.vectors(self.model, ids=[key])
        if not ids:
            raise LibraryError(f"{key} has no vector yet, so no related papers; run `semdigest ingest` on its digest")
        where = PaperFilter(since=since, until=until, categories=categories)
        found = self.library.index(self.model).search(matrix, k, where, exclude=[{key}])[0]
        papers = self.library.store.get_papers([i for i, _ in found])
        return [{"arxiv_id": i, "score": round(float(score), 4), "title": papers[i].title, "date": iso(papers[i].date),
                 "primary_category": papers[i].primary_category, "shared_terms": []}
                for i, score in found if i in papers]

    def search(self, q: str, k: int = 20, since=None, until=None, category=None, topic=None) -> list[dict]:
        """Full text (the store's own index) and semantic (the query encoder) lists fused by
        reciprocal rank; an arXiv id finds its paper first. ``topic``: a tracked topic's papers only."""
        q = " ".join(str(q or "").split())
        if not q:
            return []
        where = PaperFilter(since=as_date(since, "since"), until=as_date(until, "until"), categories=_categories(category),
                            ids=None if topic in (None, "") else self.topic_papers(topic))
        store = self.library.store
        depth = max(k, 50)
        lists, sources = [], {}
        exact = canonical_id(q)
        if exact and store.arxiv_ids(dataclasses.replace(where, ids=[exact] if where.ids is None else
                                                         [i for i in where.ids if i == exact])):
            lists.append([exact])
            sources.setdefault(exact, set()).add("id")
        text = [i for i, _ in store.full_text_search(q, depth, where)]
        lists.append(text)
        for i in text:
            sources.setdefault(i, set()).add("text")
        if not exact and self._has_vectors():
            semantic = self._semantic(q, depth, where)
            lists.append(semantic)
            for i in semantic:
                sources.setdefault(i, set()).add("semantic")
        fused = fuse(lists)[:k]
        papers = store.get_papers([i for i, _ in fused])
        return [{"arxiv_id": i, "score": round(s, 5), "title": papers[i].title, "authors": list(papers[i].authors),
                 "primary_category": papers[i].primary_category, "first_seen": iso(papers[i].date),
                 "tldr": papers[i].tldr, "matched": sorted(sources[i])} for i, s in fused if i in papers]

    def topic_labels(self) -> list[tuple[int, str]]:
        """(topic, its latest day's label) of every tracked topic, for the search page's filter."""
        labels = {topic: label for _, topic, _, label in self.library.store.topic_sizes()}
        return sorted(labels.items(), key=lambda item: (item[1].lower(), item[0]))

    def topic_papers(self, topic) -> tuple[str, ...]:
        """The papers a tracked topic held on any tracked day; kept until the library changes."""
        topic = _topic_id(topic)
        key = (topic, self.library.store.data_version())
        if key not in self._topic_papers:
            store = self.library.store
            dates = sorted({date for date, found, _, _ in store.topic_sizes() if found == topic})
            ids = sorted({i for date in dates for i, t in store.paper_topics(date).items() if t == topic})
            self._topic_papers = {k: v for k, v in self._topic_papers.items() if k[1] == key[1]}
            self._topic_papers[key] = tuple(ids)
        return self._topic_papers[key]

    def trends(self, since=None, until=None) -> dict:
        since, until = as_date(since, "since"), as_date(until, "until")
        history = topic_history(self.library, since, until)
        rows = [{"date": iso(r.date), "topic": int(r.topic), "label": r.label, "size": int(r.size),
                 "share": round(float(r.share), 4)} for r in history.itertuples()]
        events = topic_events(self.library, since, until)
        return {"rows": rows, "events": [{"date": iso(e.date), "kind": e.kind, "topic": int(e.topic), "what": e.what}
                                         for e in events.itertuples()]}

    def topic(self, topic: int, since=None, until=None) -> dict:
        """A tracked topic's papers by day, each day with its own label."""
        store = self.library.store
        days = []
        for date, found, _, label in store.topic_sizes(as_date(since, "since"), as_date(until, "until")):
            if found != topic:
                continue
            ids = sorted(i for i, t in store.paper_topics(date).items() if t == topic)
            papers = store.get_papers(ids)
            days.append({"date": iso(date), "label": label,
                         "papers": [{"arxiv_id": i, "title": papers[i].title} for i in ids if i in papers]})
        if not days:
            raise NotFound(f"no tracked topic {topic} in the library")
        return {"topic": topic, "label": days[-1]["label"], "days": days}

    def interests(self) -> list[dict]:
        out = []
        for name in self.library.interests():
            interest = self.library.interest(name)
            out.append({"name": name, "papers": list(interest.papers), "descriptions": list(interest.descriptions),
                        "read": list(interest.read), "not_interesting": list(interest.not_interesting)})
        return out

    def mark(self, name: str, arxiv_id: str, mark: str) -> dict:
        """Mark a paper for an interest; the next ranking learns from it (nothing is cached)."""
        if self.read_only:
            raise PermissionError("this server is read-only (--read-only)")
        if mark not in MARKS:
            raise LibraryError(f"mark must be one of {', '.join(MARKS)}, not {mark!r}")
        key = canonical_id(str(arxiv_id)) or ""
        if key not in self.catalog.first_seen:
            raise NotFound(f"{arxiv_id!r} is not a paper of the library")
        interest = self.library.interest(name)
        interest = {"read": interest.mark_read, "not_interesting": interest.mark_not_interesting,
                    "interesting": lambda ids: interest.unmark(ids).add_papers(ids),
                    "clear": interest.unmark}[mark]([key])
        self.library.save_interest(interest)
        return {"interest": name, "arxiv_id": key, "mark": mark}


    def _semantic(self, q: str, k: int, where: PaperFilter) -> list[str]:
        """The ids nearest in meaning, from the index alone: Library.search would also find the
        terms each hit shares with the query, which the fused list does not show."""
        if self._encoder is None:
            self._encoder = self.library.query_embedder(self.model)
        vector = self._encoder.encode_queries([q])
        return [i for i, _ in self.library.index(self._encoder).search(vector, k, where)[0]]


def fuse(lists: list[list[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: each list gives 1 / (k + rank) to its ids; best total first."""
    scores: dict[str, float] = {}
    for ranked in lists:
        for rank, i in enumerate(ranked, start=1):
            scores[i] = scores.get(i, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def _topic_id(topic) -> int:
    try:
        return int(topic)
    except (TypeError, ValueError):
        raise LibraryError(f"topic must be a tracked topic's number (see /topics), not {str(topic)[:40]!r}") from None


def _categories(category) -> tuple[str, ...]:
    if not category:
        return ()
    values = [category] if isinstance(category, str) else list(category)
    return tuple(c.strip() for v in values for c in v.split(",") if c.strip())
