"""The Library: a thin facade that wires a paper store, a vector index per model and the
embedder. It ingests and hands out papers and vectors; ranking lives in neighbors.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..arxiv_ids import canonical_id
from ..config import default_library
from ..embedding import Embedder
from ..embedding.models import ModelSpec, get_model
from ..errors import InterestError, LibraryError
from ..plural import plural
from ..readers import date_from_name
from ..records import Digest, ModelKey, Paper, as_date, as_texts
from ..results import Hits
from ..store import AddCounts, PaperFilter, PaperStore, Upsert, open_store
from ..store import merge as merge_policy
from ..terms import paper_text, shared_terms, term_counts
from .placement import PlacementMixin

_UNIT_TOLERANCE = 1e-3  # vectors added from elsewhere must be unit length within this
# Rankers contrast an interest with the library; beyond this many earlier papers a fixed random
# sample of them stands for the rest (the classifier's cost grows with it, its ranking barely).
BACKGROUND_SAMPLE = 20_000


def _replaces_dates(digest: Digest, redate: bool) -> bool:
    """Whether the digest's date replaces earlier dates of its file (store/merge.py)."""
    return digest.date is not None and (redate or date_from_name(digest.source) == digest.date)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IngestResult:
    source: str
    new: int
    updated: int
    duplicate: int
    skipped: int
    embedded: int
    reused: int
    seconds: float
    incomplete: str | None = None  # the digest's Digest.incomplete: why the file is not whole

    def __str__(self) -> str:
        return (f"{self.source}: {self.new} new, {self.updated} updated, {self.duplicate} duplicate, "
                f"{self.skipped} skipped; {self.embedded} embedded, {self.reused} reused; "
                f"{self.seconds:.1f} s" + (f"; INCOMPLETE: {self.incomplete}" if self.incomplete else ""))


@dataclass(frozen=True)
class VectorCounts:
    """What ``add_vectors`` did: papers that got their first vector of the model, papers whose
    vector was replaced by another value, and papers whose vector already had that value."""
    added: int
    replaced: int
    unchanged: int

    def __str__(self) -> str:
        text = f"replaced {self.replaced}, added {self.added}"
        return text + (f", {self.unchanged} unchanged (the same vector was stored)" if self.unchanged else "")


class Library(PlacementMixin):
    """Papers, digest dates and vectors. Open with ``Library.open(path)``.

    Reading (``papers``, ``vectors``, ``related``) loads no model; ``search`` loads only what
    encodes its query; ``ingest`` embeds only texts that have no vector yet.
    """

    def __init__(self, store: PaperStore):
        self.store = store
        self._embedders: dict[object, Embedder] = {}
        self._indexes: dict[str, object] = {}

    @classmethod
    def open(cls, path: str | Path | None = None, create: bool = True) -> "Library":
        """A library file (SQLite) or a ``postgresql://user@host/db?schema=NAME`` URL."""
        return cls(open_store(path or default_library(), create=create))

    @property
    def location(self) -> str:
        """The file path, or the server URL with its password masked: what messages show."""
        return self.store.location

    @property
    def path(self) -> Path:
        return Path(self.store.location)

    def close(self) -> None:
        self.store.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __len__(self) -> int:
        return self.store.count_papers()

    def __repr__(self) -> str:
        models = ", ".join(f"{m}: {n}" for m, n in self.store.models().items()) or "none"
        return f"Library({self.store.location!r}, papers={len(self)}, embeddings={{{models}}})"

    # -- models and indexes -----------------------------------------------------------------

    def embedder(self, model: str | Embedder | None = None) -> Embedder:
        """The embedder for ``model``; building it loads nothing until it encodes."""
        if isinstance(model, Embedder):
            return model
        if model not in self._embedders:
            self._embedders[model] = Embedder(model)
        return self._embedders[model]

    def _query_embedder(self, model: str | Embedder | None) -> Embedder:
        """One query encodes on the CPU faster than a GPU starts: use it unless told otherwise."""
        if isinstance(model, Embedder):
            return model
        if ("query", model) not in self._embedders:
            self._embedders[("query", model)] = Embedder(model, device="cpu", progress=False)
        return self._embedders[("query", model)]

    def index(self, model: str | Embedder | None = None):
        """The vector index of a model, as the store keeps it: what neighbours are searched on."""
        embedder = self.embedder(model)
        if embedder.key not in self._indexes:
            self._indexes[embedder.key] = self.store.vector_index(embedder.key, embedder.spec.dimension)
        return self._indexes[embedder.key]

    def rebuild_index(self, model: str | Embedder | None = None):
        """Build the model's vector index afresh from the library's vectors (with a progress bar);
        returns what the index says it now holds."""
        key, held = self.embedder(model).key, self.store.models()
        if key not in held:
            raise LibraryError(f"the library {self.store.location} holds no {key} vectors, so there is no index to "
                               f"rebuild (vectors held: {', '.join(held) or 'none'}); ingest with that model first")
        index = self.index(model)
        with self.store.write():
            return index.rebuild(extend=False)

    def check(self) -> None:
        """SQLite's full integrity check, and each model's index against the store."""
        self.store.check()
        for key in self.store.models():
            self.store.vector_index(key, self._spec(key).dimension).check()

    # -- writing ------------------------------------------------------------------------------

    def add(self, digest: Digest, redate: bool = False) -> AddCounts:
        """Add a digest's papers without embedding them (one transaction); ``redate`` as in ``ingest``."""
        with self.store.write():
            plans = self.store.upsert_papers(digest.papers, _replaces_dates(digest, redate))
            self._count_terms(plans)
        return merge_policy.counts(plans)

    def ingest(self, digest: Digest, model: str | Embedder | None = None, redate: bool = False) -> IngestResult:
        """Add a digest and embed what is new, as one all-or-nothing transaction.

        A file holds one day: the digest's date replaces the dates a file of the same name gave
        its papers before (so ingesting a file again with its right date repairs a wrong one,
        first-seen dates included). A file whose name carries its date always does this; for
        another (``listing.xml``, reused day after day) ask for it with ``redate``. The model's
        index is kept usable: a missing, damaged or stale index file is rebuilt."""
        start = time.perf_counter()
        self.store.require_writable()  # before embedding: minutes of work that could not be stored
        embedder = self.embedder(model)
        # Embed outside the write lock, from the records as they will be merged; a concurrent
        # writer can only make a text appear that is embedded inside the lock below.
        stored = self.store.get_papers(p.arxiv_id for p in digest.papers)
        preview = merge_policy.plan_upserts(digest.papers, {i: (p, None) for i, p in stored.items()})
        vectors, reused = self._embed_missing(embedder, [plan.paper for plan in preview])
        with self.store.write():
            plans = self.store.upsert_papers(digest.papers, _replaces_dates(digest, redate))
            late, _ = self._embed_missing(embedder, [plan.paper for plan in plans], known=vectors)
            self._link(embedder, [plan.paper for plan in plans], {**vectors, **late})
            self._count_terms(plans)
            self.index(embedder).maintain()
        counts = merge_policy.counts(plans)
        return IngestResult(
            source=digest.source, new=counts.new, updated=counts.updated,
            duplicate=counts.unchanged + digest.duplicates, skipped=len(digest.skipped),
            embedded=len(vectors) + len(late), reused=reused, seconds=time.perf_counter() - start,
            incomplete=digest.incomplete,
        )

    def embed(self, model: str | Embedder | None = None) -> tuple[int, int]:
        """Embed every paper that has no vector of this model yet. Returns (embedded, reused)."""
        self.store.require_writable()
        embedder = self.embedder(model)
        papers = list(self.store.get_papers(self.store.unlinked(embedder.key)).values())
        vectors, reused = self._embed_missing(embedder, papers)
        with self.store.write():
            self._link(embedder, papers, vectors)
        return len(vectors), reused

    def add_vectors(self, model: str | Embedder | None, ids: Iterable[str], matrix: np.ndarray) -> VectorCounts:
        """Store vectors computed elsewhere (another machine, a GPU) for papers of the library.

        Each row must be the model's unit-length embedding of the paper's document text; the
        papers must be in the library (ids written any way ``related`` accepts: 2606.04092v2,
        arXiv:…). A paper's vector of the model is replaced by the one given. Returns what was
        done: how many papers got a vector, had theirs replaced, or already had that one."""
        self.store.require_writable()
        embedder = self.embedder(model)
        ids, matrix = [canonical_id(i) or i for i in as_texts(ids, "ids")], np.asarray(matrix)
        _check_vectors(ids, matrix, embedder.spec)
        papers = self.store.get_papers(ids)
        unknown = [i for i in ids if i not in papers]
        if unknown:
            raise LibraryError(f"{len(unknown)} of {plural(len(ids), 'id')} not in the library {self.store.location} "
                               f"(first: {', '.join(unknown[:3])}); ingest their digests first")
        hashes = [text_hash(embedder.spec.document_text(papers[i])) for i in ids]
        matrix = matrix.astype(np.float32)
        with self.store.write():
            before = self.store.linked_vectors(embedder.key, PaperFilter(ids=tuple(ids)))
            before = dict(zip(before.arxiv_ids, before.matrix))
            vector_ids = self.store.replace_vectors(embedder.key, "external", dict(zip(hashes, matrix)))
            self.store.link(embedder.key, {i: vector_ids[h] for i, h in zip(ids, hashes)})
            self.index(embedder).maintain()
        same = sum(1 for i, row in zip(ids, matrix) if i in before and np.array_equal(before[i], row))
        return VectorCounts(added=len(ids) - len(before), replaced=len(before) - same, unchanged=same)

    def _embed_missing(self, embedder: Embedder, papers: list[Paper],
                       known: dict[str, np.ndarray] | None = None) -> tuple[dict[str, np.ndarray], int]:
        """Vectors (by text hash) of the papers' texts that have none stored yet; and how many had one."""
        known = known or {}
        texts = {text_hash(t): t for t in embedder.document_texts(papers)}
        stored = self.store.vector_ids_of_hashes(embedder.key, texts)
        missing = {h: t for h, t in texts.items() if h not in stored and h not in known}
        matrix = embedder.encode(list(missing.values()))
        return dict(zip(missing, matrix)), len(texts) - len(missing)

    def _link(self, embedder: Embedder, papers: list[Paper], vectors: dict[str, np.ndarray]) -> None:
        hashes = {p.arxiv_id: text_hash(embedder.spec.document_text(p)) for p in papers}
        vector_ids = self.store.put_vectors(embedder.key, embedder.backend, vectors) if vectors else {}
        vector_ids.update(self.store.vector_ids_of_hashes(embedder.key, set(hashes.values()) - set(vector_ids)))
        self.store.link(embedder.key, {i: vector_ids[h] for i, h in hashes.items()})

    def _count_terms(self, plans: list[Upsert]) -> None:
        delta, documents = Counter(), 0
        for plan in plans:
            if not plan.text_changed:
                continue
            delta.update(term_counts(paper_text(plan.paper.title, plan.paper.abstract)).keys())
            if plan.old is None:
                documents += 1
            else:
                delta.subtract(term_counts(paper_text(plan.old.title, plan.old.abstract)).keys())
        self.store.add_term_counts(delta, documents)

    # -- reading ------------------------------------------------------------------------------

    def papers(self, since: dt.date | str | None = None, until: dt.date | str | None = None,
               categories: str | Iterable[str] | None = None, date: dt.date | str | None = None,
               ids: str | Iterable[str] | None = None):
        """Papers as a pandas DataFrame, one row per paper, sorted by arXiv id.

        ``date`` keeps papers that appeared in that day's digest (re-publications too);
        ``since`` / ``until`` filter on the date a paper was first seen. Dates may be ISO text
        ("2026-06-09"); ``categories`` and ``ids`` one string or a list of them."""
        import pandas as pd

        rows = []
        for paper, dates in self.store.iter_papers(_filter(since, until, categories, date, ids)):
            row = paper.as_dict()
            row["first_seen"] = paper.date
            row["dates"] = dates
            rows.append(row)
        return pd.DataFrame(rows, columns=_FRAME_COLUMNS)

    def paper(self, arxiv_id: str) -> Paper:
        """A paper of the library, its id written any way (2606.04092v2, arXiv:…, an abs URL)."""
        if not isinstance(arxiv_id, str):
            raise TypeError(f"give one arXiv id as a string (2606.04092), not {type(arxiv_id).__name__}")
        key = canonical_id(arxiv_id) or arxiv_id
        found = self.store.get_papers([key]).get(key)
        if found is None:
            raise LibraryError(
                f"{arxiv_id} is not in the library {self.store.location}; ingest the digest that lists it "
                "(`semdigest ingest DIGEST`) or check the id"
            )
        return found

    def vectors(self, model: str | Embedder | None = None, ids: str | Iterable[str] | None = None
                ) -> tuple[list[str], np.ndarray]:
        """(ids sorted, unit-vector matrix) of papers embedded with ``model``; ``ids`` (one or a
        list) keeps only those."""
        embedder = self.embedder(model)
        linked = self.store.linked_vectors(embedder.key, PaperFilter(ids=ids))
        matrix = linked.matrix if linked.matrix.size else np.zeros((0, embedder.spec.dimension), np.float32)
        return linked.arxiv_ids, matrix

    def related(self, arxiv_id: str, k: int = 10, since: dt.date | None = None,
                until: dt.date | None = None, categories: Iterable[str] | None = None,
                model: str | Embedder | None = None) -> Hits:
        """The k papers nearest to a paper of the library."""
        from .. import neighbors

        paper = self.paper(arxiv_id)
        ids, matrix = self.vectors(model, ids=[paper.arxiv_id])
        if not ids:
            raise LibraryError(f"{paper.arxiv_id} has no {self.embedder(model).key} vector yet; run "
                               "`semdigest ingest` with that model")
        return neighbors.related(self.index(model), self.store, paper, matrix[0], _positive(k),
                                 _filter(since, until, categories))

    def search(self, text: str, k: int = 10, since: dt.date | None = None, until: dt.date | None = None,
               categories: Iterable[str] | None = None, model: str | Embedder | None = None) -> Hits:
        """The k papers nearest to a free-text description."""
        from .. import neighbors

        if not isinstance(text, str):
            raise TypeError(f"search takes the text to look for as a string, not {type(text).__name__}")
        if not text.strip():
            raise LibraryError("the search text is empty; describe what you are looking for")
        embedder = self._query_embedder(model)
        return neighbors.search(self.index(embedder), self.store, text, embedder.encode_queries([text])[0],
                                _positive(k), _filter(since, until, categories))

    def seen_before(self, date: dt.date, k: int = 5, model: str | Embedder | None = None,
                    explain: bool = True) -> dict[str, Hits]:
        """For every paper of that day's digest, its nearest papers first seen on earlier days (with
        the terms each shares with it, unless ``explain`` is False)."""
        from .. import neighbors

        date = as_date(date, "date", required=True)
        ids, matrix = self.vectors(model, ids=self.store.arxiv_ids(PaperFilter(date=date)))
        papers = self.store.get_papers(ids)
        return neighbors.seen_before(self.index(model), self.store, [papers[i] for i in ids], matrix, date,
                                     _positive(k), explain)

    # -- interests ("For you") ------------------------------------------------------------------

    def interests(self) -> list[str]:
        """Names of the library's interests, sorted."""
        return self.store.interest_names()

    def interest(self, name: str, create: bool = False):
        """The interest called ``name``; a new empty one when ``create``, else an InterestError."""
        from ..interests import Interest

        found = self.store.get_interest(name)
        if found is None:
            if create:
                return Interest(name)
            known = ", ".join(repr(n) for n in self.interests()) or "none yet"
            raise InterestError(f"no interest called {name!r} in {self.store.location} (interests: {known}); "
                                f"make it with `semdigest interests add {_shell_word(name)} ARXIV_ID...`")
        return found

    def save_interest(self, interest) -> None:
        """Store ``interest`` whole (one transaction), replacing the one of the same name."""
        with self.store.write():
            self.store.save_interest(interest)

    def remove_interest(self, name: str) -> None:
        self.interest(name)  # an unknown name says which exist
        with self.store.write():
            self.store.delete_interest(name)

    def rank(self, date: dt.date, interest=None, ranker=None, k: int | None = None,
             model: str | Embedder | None = None, **params):
        """That day's papers ordered by one interest (a name or an Interest): a Ranking.

        Without ``interest``, every interest of the library that has something to rank by
        (papers with vectors, references or descriptions): {name: Ranking}. Each paper names
        its closest interest papers and the terms it shares with the closest one. The background
        the rankers contrast with is the library's papers first seen before the day (a fixed
        sample of ``BACKGROUND_SAMPLE`` when there are more). ``k`` keeps the best k.
        """
        from .. import interests as fy

        date = as_date(date, "date", required=True)
        if interest is None:
            rankings = {}
            for name in self.interests():
                try:
                    rankings[name] = self.rank(date, name, ranker, k, model, **params)
                except InterestError:  # only papers not ingested yet: nothing to rank by today
                    continue
            return rankings
        if isinstance(interest, str):
            interest = self.interest(interest)
        if k is not None:
            _positive(k)
        embedder = self._query_embedder(model)
        ids, matrix = self.vectors(embedder, ids=self.store.arxiv_ids(PaperFilter(date=date)))
        if not ids:
            raise LibraryError(f"no embedded papers on {date} in {self.store.location}; ingest that day's digest "
                               "first (`semdigest ingest DIGEST`)")
        vectors = self.interest_vectors(interest, model)
        ranking = fy.rank(interest, ids, matrix, vectors, self._background(embedder, date),
                          ranker=ranker or fy.DEFAULT_RANKER, **params)
        if k is not None:
            ranking = fy.Ranking(ranking[:k], interest=ranking.interest, ranker=ranking.ranker)
        return self._explain(ranking, interest)

    def interest_vectors(self, interest, model: str | Embedder | None = None):
        """An interest's vectors (a name or an Interest) in ``model``'s space, what rank learns from.

        Its papers bring their stored vectors; its references and descriptions are embedded
        once and kept in the library under the model key and the hash of the exact text, as
        paper vectors are, so a later rank embeds only texts it has not seen (``embedded`` on
        the result counts those). A read-only library embeds them every time.
        """
        from .. import interests as fy

        if isinstance(interest, str):
            interest = self.interest(interest)
        embedder = self.embedder(model)
        own = {*interest.papers, *interest.not_interesting, *(r.arxiv_id for r in interest.references if r.arxiv_id)}
        return fy.interest_vectors(interest, *self.vectors(embedder, ids=sorted(own)), embedder=embedder,
                                   stored=_KeptInterestVectors(self.store, interest.name, embedder.key))

    def _background(self, embedder: Embedder, date: dt.date) -> tuple[list[str], np.ndarray]:
        linked = self.store.linked_vectors(embedder.key, PaperFilter(until=date - dt.timedelta(days=1)))
        if len(linked.arxiv_ids) <= BACKGROUND_SAMPLE:
            return linked.arxiv_ids, linked.matrix
        keep = np.sort(np.random.default_rng(0).choice(len(linked.arxiv_ids), BACKGROUND_SAMPLE, replace=False))
        return [linked.arxiv_ids[i] for i in keep], linked.matrix[keep]

    def _explain(self, ranking, interest):
        """Titles, and the terms each paper shares with its closest interest paper (why-related)."""
        from dataclasses import replace

        from .. import interests as fy

        texts = {f'"{d}"': (d, d) for d in interest.descriptions}
        texts |= {r.label: (r.title, paper_text(r.title, r.abstract)) for r in interest.references}
        needed = {label for paper in ranking for label in paper.closest} - set(texts)
        papers = self.store.get_papers([p.arxiv_id for p in ranking] + sorted(needed))
        texts |= {i: (p.title, paper_text(p.title, p.abstract)) for i, p in papers.items() if i in needed}
        explained = []
        for paper in ranking:
            own = papers[paper.arxiv_id]
            closest_text = texts.get(paper.closest[0], ("", ""))[1] if paper.closest else ""
            terms = shared_terms(paper_text(own.title, own.abstract), [closest_text], self.store.term_frequencies)[0]
            explained.append(replace(paper, title=own.title, terms=tuple(terms),
                                     closest_titles=tuple(texts.get(c, (c, ""))[0] for c in paper.closest)))
        return fy.Ranking(explained, interest=ranking.interest, ranker=ranking.ranker)

    # -- topics across days (topics/tracking.py) ---------------------------------------------

    def track_topics(self, date: dt.date, topics, ids: Iterable[str] | None = None, vectors: np.ndarray | None = None,
                     model: str | Embedder | None = None, tracker=None):
        """Give a day's topics their standing ids and store them, in one write transaction: a
        ``TrackedDay`` (ids, sizes, labels, each paper's topic, events).

        ``topics`` is the day's ``TopicMap``, or a fitted ``TopicModel`` with the ``ids`` it was
        fitted on (in that order); ``vectors`` are those papers' vectors (default: the library's,
        of ``model``). A day already tracked is not matched again: what was stored comes back,
        so re-running a past day renumbers nothing. Days are best tracked in date order.
        """
        from ..topics.tracking import TopicTracker

        date = as_date(date, "date", required=True)
        fit, ids = _topic_fit(topics, as_texts(ids, "ids"))
        embedder = self.embedder(model)
        if vectors is None:
            found, matrix = self.vectors(embedder, ids=ids)
            row = {i: n for n, i in enumerate(found)}
            missing = [i for i in ids if i not in row]
            if missing:
                raise LibraryError(f"{plural(len(missing), 'paper')} without a {embedder.key} vector (first: {missing[0]}); "
                                   "ingest their digest first")
            vectors = matrix[[row[i] for i in ids]]
        with self.store.write():
            if date in self.store.tracked_dates():
                return self._stored_day(date, fit, ids)
            previous_date, previous = self._previous_sizes(date)
            day = (tracker or TopicTracker()).track(
                date, fit.topics_, ids, fit.labels_, vectors, self.store.standing_topics(embedder.key),
                self.store.latest_topics_of(ids, date), previous, previous_date)
            if day.sizes:
                self.store.save_tracked_day(embedder.key, day)
        return day

    def tracked_day(self, date: dt.date):
        """What was stored for a tracked day (a ``TrackedDay``), or None if it was not tracked."""
        date = as_date(date, "date", required=True)
        if date not in self.store.tracked_dates():
            return None
        return self._stored_day(date)

    def _previous_sizes(self, date: dt.date) -> tuple[dt.date | None, dict[int, int]]:
        earlier = [d for d in self.store.tracked_dates() if d < date]
        if not earlier:
            return None, {}
        return earlier[-1], {t: n for _, t, n, _ in self.store.topic_sizes(earlier[-1], earlier[-1])}

    def _stored_day(self, date: dt.date, fit=None, ids=None):
        from ..topics.tracking import TrackedDay

        rows = self.store.topic_sizes(date, date)
        papers = self.store.paper_topics(date)
        previous_date, previous = self._previous_sizes(date)
        labels_before = {t: label for _, t, _, label in self.store.topic_sizes(previous_date, previous_date)} \
            if previous_date else {}
        mapping = {}
        if fit is not None:  # the fit's own topic ids -> stored ids, by the papers they share
            for own in sorted(set(int(t) for t in fit.labels_)):
                held = Counter(papers[i] for i, t in zip(ids, fit.labels_) if t == own and i in papers)
                if held:
                    mapping[own] = held.most_common(1)[0][0]
        return TrackedDay(date, mapping, {t: n for _, t, n, _ in rows}, {t: label for _, t, _, label in rows}, papers,
                          self.store.topic_events(date, date), [], previous_date, previous, labels_before)

    def topic_history(self, since: dt.date | None = None, until: dt.date | None = None):
        """Tracked topics per day as a pandas DataFrame: date, topic, label (that day), size,
        share (of the day's papers); by date, then size."""
        import pandas as pd

        since, until = as_date(since, "since"), as_date(until, "until")
        frame = pd.DataFrame(self.store.topic_sizes(since, until),
                             columns=["date", "topic", "size", "label"])[["date", "topic", "label", "size"]]
        frame["share"] = frame["size"] / frame.groupby("date")["size"].transform("sum")
        return frame.sort_values(["date", "size", "topic"], ascending=[True, False, True], ignore_index=True)

    def topic_events(self, since: dt.date | None = None, until: dt.date | None = None):
        """Events of tracked days as a pandas DataFrame: date, kind, topic, others, label, what
        (a sentence)."""
        import pandas as pd

        labels = self._topic_labels()
        events = self.store.topic_events(as_date(since, "since"), as_date(until, "until"))
        return pd.DataFrame([{"date": e.date, "kind": e.kind, "topic": e.topic, "others": list(e.others),
                              "label": labels.get(e.topic, ""), "what": str(e)} for e in events],
                            columns=["date", "kind", "topic", "others", "label", "what"])

    def topic_lineage(self, topic: int):
        """One topic across days as a pandas DataFrame: date, size, label, events (what happened
        to it that day: born, split off from 3, absorbed 7, grew, gone ...)."""
        import pandas as pd

        history = {d: (n, label) for d, t, n, label in self.store.topic_sizes() if t == topic}
        happened: dict[dt.date, list[str]] = {}
        for e in self.store.topic_events():
            text = _event_for(e, topic)
            if text:
                happened.setdefault(e.date, []).append(text)
        if not history and not happened:
            known = sorted({t for _, t, _, _ in self.store.topic_sizes()})
            raise LibraryError(f"no tracked topic {topic} in {self.store.location} (topics: "
                               f"{', '.join(map(str, known[:20])) or 'none yet; run `semdigest day`'})")
        label = self._topic_labels().get(topic, "")
        return pd.DataFrame([{"date": d, "size": history.get(d, (0, label))[0], "label": history.get(d, (0, label))[1],
                              "events": "; ".join(happened.get(d, []))} for d in sorted({*history, *happened})],
                            columns=["date", "size", "label", "events"])

    def _topic_labels(self) -> dict[int, str]:
        """Each topic's latest label."""
        return {t: label for _, t, _, label in self.store.topic_sizes()}

    @staticmethod
    def _spec(key: str) -> ModelSpec:
        return get_model(ModelKey.parse(key).name)


_FRAME_COLUMNS = ["arxiv_id", "version", "title", "authors", "abstract", "primary_category", "categories",
                  "tldr", "motivation", "method", "result", "conclusion", "code_url", "first_seen", "source",
                  "line", "flagged", "dates"]


def _filter(since=None, until=None, categories=None, date=None, ids=None) -> PaperFilter:
    return PaperFilter(since=since, until=until, date=date, categories=categories or (), ids=ids)


def _topic_fit(topics, ids):
    """(the fitted TopicModel, the ids in its fit order) from a TopicMap or a TopicModel and ids."""
    if hasattr(topics, "model") and hasattr(topics, "papers"):  # a TopicMap
        return topics.model, list(topics.papers["arxiv_id"])
    if ids is None or not hasattr(topics, "labels_"):
        raise LibraryError("track_topics needs a TopicMap, or a fitted TopicModel and the ids it was fitted on")
    ids = list(ids)
    if len(ids) != len(topics.labels_):
        raise LibraryError(f"{plural(len(ids), 'id')} for a TopicModel fitted on {plural(len(topics.labels_), 'paper')}")
    return topics, ids


def _event_for(event, topic: int) -> str:
    """What an event says about one topic ("" if it is not involved)."""
    others = ", ".join(map(str, event.others))
    if event.topic == topic:
        if event.kind == "split":
            return f"split into {others}"
        return f"absorbed {others}" if event.kind == "merged" else event.kind
    if topic in event.others:
        if event.kind == "split":
            return f"split off from {event.topic}"
        if event.kind == "merged":
            return f"merged into {event.topic}"
    return ""


class _KeptInterestVectors:
    """Where interest_vectors finds and keeps an interest's embedded texts: the store's
    interest_vectors, keyed by model and text hash. A text another interest embedded is
    copied to this one, so removing that interest does not make this one embed it again."""

    def __init__(self, store: PaperStore, interest: str, model: str):
        self.store, self.interest, self.model = store, interest, model
        self.writable = not getattr(store, "read_only", False)

    def get(self, texts: list[str]) -> dict[str, np.ndarray]:
        hashes = {text_hash(t): t for t in texts}
        vectors, kept = self.store.interest_vectors(self.interest, self.model, hashes)
        found = {hashes[h]: v for h, v in vectors.items()}
        borrowed = {hashes[h]: v for h, v in vectors.items() if h not in kept}
        if borrowed:
            self.put(borrowed)
        return found

    def put(self, vectors: dict[str, np.ndarray]) -> None:
        if self.writable:
            with self.store.write():
                self.store.put_interest_vectors(self.interest, self.model,
                                                {text_hash(t): v for t, v in vectors.items()})


def _shell_word(text: str) -> str:
    import shlex

    return shlex.quote(text)


def _positive(k: int) -> int:
    if k < 1:
        raise LibraryError(f"k={k}: ask for at least one paper")
    return k


def _check_vectors(ids: list[str], matrix: np.ndarray, spec: ModelSpec) -> None:
    if matrix.ndim != 2 or matrix.shape[0] != len(ids):
        raise LibraryError(f"expected one vector per id ({len(ids)} x {spec.dimension}), got shape {matrix.shape}")
    if matrix.shape[1] != spec.dimension:
        raise LibraryError(f"the vectors have dimension {matrix.shape[1]}; model {spec.name} has {spec.dimension}: "
                           "were they made with another model?")
    if len(set(ids)) != len(ids):
        raise LibraryError("the same id appears twice; give one vector per paper")
    norms = np.linalg.norm(matrix.astype(np.float64), axis=1)
    if not np.all(np.isfinite(norms)) or np.any(np.abs(norms - 1) > _UNIT_TOLERANCE):
        bad = int(np.sum(~np.isfinite(norms) | (np.abs(norms - 1) > _UNIT_TOLERANCE)))
        raise LibraryError(f"not unit length: {plural(bad, 'vector')} (normalise them: v / ||v||, as "
                           "sentence-transformers' normalize_embeddings=True does)")


__all__ = ["Library", "IngestResult", "VectorCounts", "text_hash"]
