"""Topics that keep their identity across days: a day's topics matched to the library's standing topics.

Each day is clustered on its own (``TopicModel``); tracking then says which of the day's topics
continue a topic of the library, which are new, and what changed. A day topic *belongs* to a
standing topic by the share of its papers that belong to it: a paper the library already placed
on an earlier day (a weekend copy republishes a whole day; cross-listed papers recur) counts for
the topic it was in, a new paper for the topic most of its nearest earlier papers were in
(``TrackedPast.neighbours``; ``earlier_neighbours`` finds them), or, when it has none, for the
standing topic whose centroid is nearest. So an id continues only where most of the day topic's
papers sit among that id's papers, and where at least ``min_identity`` of its *new* papers do (what
issue 23 measures: a carried id keeps its subject): a topic whose subject moved gets a new id, not
the old label. Matching is
one-to-one (``scipy.optimize.linear_sum_assignment`` on those shares) and needs a share of at
least ``min_share`` and a cosine of at least ``min_similarity`` between the day topic's mean and
the standing centroid, both taken around the day's mean (the cosine is waived when the papers
seen before and the new papers' nearest earlier papers alone make the share: it guards the
nearest-centroid votes). First against the topics of the previous tracked day, then,
for what is left, against topics last seen within ``memory_days``.

Events of a day (``TopicEvent.kind``):

- ``born``: a day topic that continues no standing topic; it gets a new id.
- ``split``: a day topic that belongs to a standing topic already matched to another day topic:
  it gets a new id, and the event lists the topic and every topic it split into (itself first).
- ``continues``: a day topic that belongs to a standing topic no day topic carries, but whose new
  papers sit among it too seldom (under ``min_identity``): a new id that continues the old one
  (which is then not ``gone``).
- ``merged``: a topic of the previous day left unmatched to which a matched day topic also
  belongs (by the same share and cosine): the event names the surviving topic and those it absorbed.
- ``gone``: a topic of the previous tracked day that is neither matched nor merged today.
- ``grew`` / ``shrank``: a continuing topic whose share of the day's papers is at least ``change``
  times (grew) or at most 1/``change`` times (shrank) its share on the previous tracked day, and
  whose size changed by at least ``min_change`` papers. Shares, not sizes: days range from 200 to
  530 papers, and a topic is not growing because Tuesday is a big day.
- ``returned``: a topic absent from the previous tracked day that recurs (matched in the second
  round); it keeps its id.

A topic's label on a day is that day's own label (what its papers of the day are about); its
standing label is its latest. Its centroid (the mean of its papers' vectors) moves halfway to the
day's mean each day it recurs. Everything is deterministic: day topics are taken in their
id order (largest first), standing topics in id order, and new ids count up from the largest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval

from ..records import TOPIC_EVENTS, StandingTopic, TopicEvent


@dataclass(frozen=True)
class DayTopics:
    """A day's fitted topics, what ``TopicTracker.track`` matches: ``topics`` (``TopicModel.topics_``:
    id, label, terms, centroid); ``ids``, ``labels``, ``vectors``: each paper, its day topic id
    and its unit vector."""

    date: dt.date
    topics: Sequence
    ids: Sequence[str]
    labels: np.ndarray
    vectors: np.ndarray

    @classmethod
    def from_model(cls, date: dt.date, model, ids: Sequence[str], vectors: np.ndarray) -> "DayTopics":
        """From a fitted TopicModel and the ids and vectors it was fitted on, in that order."""
        return cls(date, model.topics_, list(ids), model.labels_, vectors)


@dataclass(frozen=True)
class TrackedPast:
    """What the library knew before the day: its standing topics, the standing topic of papers
    placed on earlier days (``known``: the latest), and the previous tracked day's sizes by
    standing id."""

    standing: Sequence[StandingTopic] = ()
    known: Mapping[str, int] = field(default_factory=dict)
    previous: Mapping[int, int] = field(default_factory=dict)
    previous_date: dt.date | None = None
    neighbours: Mapping[str, Sequence[int]] = field(default_factory=dict)  # new paper -> its nearest earlier papers' topics


def earlier_neighbours(ids: Sequence[str], vectors: np.ndarray, earlier_topics: Sequence[int],
                       earlier_vectors: np.ndarray, k: int = 10) -> dict[str, tuple[int, ...]]:
    """For each paper, the topics of its ``k`` nearest earlier papers (cosine), nearest first."""
    if not len(earlier_topics) or not len(ids):
        return {}
    topics = np.asarray(earlier_topics)
    k = min(k, len(topics))
    similarity = np.asarray(vectors, dtype=np.float32) @ np.asarray(earlier_vectors, dtype=np.float32).T
    nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
    ranked = np.take_along_axis(nearest, np.argsort(-np.take_along_axis(similarity, nearest, axis=1), axis=1,
                                                    kind="stable"), axis=1)
    return {i: tuple(int(t) for t in topics[row]) for i, row in zip(ids, ranked)}


def mostly(topics: Sequence[int]) -> int | None:
    """The topic most of these are in (ties: the nearest first), or None."""
    if not len(topics):
        return None
    counts: dict[int, int] = {}
    for t in topics:
        counts[t] = counts.get(t, 0) + 1
    return max(counts, key=lambda t: (counts[t], -list(topics).index(t)))


@dataclass
class TrackedDay:
    """A day's topics under their standing ids, and what changed.

    ``ids`` maps the day's own topic ids (``TopicModel.labels_``) to standing ids; ``sizes`` and
    ``labels`` are per standing id; ``papers`` gives each paper's standing topic; ``topics`` are
    the standing topics the day created or changed (what the store must save)."""

    date: dt.date
    ids: dict[int, int]
    sizes: dict[int, int]
    labels: dict[int, str]
    papers: dict[str, int]
    events: list[TopicEvent] = field(default_factory=list)
    topics: list[StandingTopic] = field(default_factory=list)
    previous_date: dt.date | None = None
    previous: dict[int, int] = field(default_factory=dict)         # standing id -> size that day
    previous_labels: dict[int, str] = field(default_factory=dict)

    @property
    def new(self) -> list[int]:
        """Ids that appeared for the first time this day (born, split off, or continuing another)."""
        born = [e.topic for e in self.events if e.kind in ("born", "continues")]
        return sorted(born + [t for e in self.events if e.kind == "split" for t in e.others[1:]])

    @property
    def carried(self) -> float:
        """Share of the day's topics that continue a topic of an earlier day."""
        return 1 - len(self.new) / len(self.sizes) if self.sizes else 0.0

    def growth(self) -> dict[int, float]:
        """Continuing topics: their share of the day's papers over their share on the previous
        tracked day (2.0: twice as large a part of the day)."""
        today, before = sum(self.sizes.values()), sum(self.previous.values())
        return {t: (n / today) / (self.previous[t] / before) for t, n in self.sizes.items()
                if self.previous.get(t) and today and before}

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([{"date": self.date, "topic": t, "label": self.labels[t], "size": n}
                             for t, n in sorted(self.sizes.items(), key=lambda kv: (-kv[1], kv[0]))])

    def __repr__(self) -> str:
        kinds = {k: sum(e.kind == k for e in self.events) for k in TOPIC_EVENTS}
        events = ", ".join(f"{n} {k}" for k, n in kinds.items() if n) or "no events"
        return f"TrackedDay({self.date}, topics={len(self.sizes)}, carried={self.carried:.0%}, {events})"


class TopicTracker(BaseEstimator):
    """Match a day's topics to the library's standing topics.

    Parameters
    ----------
    min_share : float, default=0.5
        A day topic continues a standing topic when at least this share of its papers belong to
        it (papers seen before: the topic they were in; new papers: the topic most of their
        nearest earlier papers were in, else the nearest centroid).
    min_identity : float, default=0.7
        ... and at least this share of its new papers (not placed on an earlier day) have nearest
        earlier papers mostly in it. On the 14 shared days (five topics a day), mean identity and
        topics carried a weekday: 0 gave 0.76 and 3.0, 0.6 0.80 and 2.9, 0.7 0.85 and 2.0, 0.75 0.87
        and 0.1 (new ids fragment a subject's earlier papers; the next day's votes split); from
        06-08, 0.7 0.77 and 2.75, 0.8 0.84 and 1.5. 0.7 is within 0.01 of the best any choice of ids
        reaches on the same day topics (``identity.identity_frontier``): the limit is the topics.
    min_similarity : float, default=0.5
        ... and the cosine between the day topic's mean and the standing centroid, both taken
        around the day's mean vector, is at least this (waived when papers seen before and new
        papers' nearest earlier papers alone make ``min_share``; enforcing it there too took the
        identity from 0.85 to 0.84 and carried 1.4 topics a weekday instead of 2.0). On the 14
        shared days a topic and its continuation had 0.65-0.91 and different subjects mostly
        below 0.5 (raw cosines: 0.90-0.98 against 0.6-0.93).
    change : float, default=1.5
        Grew / shrank: the topic's share of the day's papers is at least ``change`` times / at
        most 1/``change`` times its share on the previous tracked day ...
    min_change : int, default=5
        ... and its size changed by at least this many papers.
    memory_days : int, default=28
        Topics absent from the previous tracked day but seen within this many days may return.

    Examples
    --------
    >>> day = TopicTracker().track(DayTopics.from_model(date, model, ids, matrix), TrackedPast())  # doctest: +SKIP
    >>> day.events[0].kind                                                            # doctest: +SKIP
    'born'
    """

    _parameter_constraints = {
        "min_share": [Interval(Real, 0, 1, closed="both")],
        "min_identity": [Interval(Real, 0, 1, closed="both")],
        "min_similarity": [Interval(Real, -1, 1, closed="both")],
        "change": [Interval(Real, 1, None, closed="left")],
        "min_change": [Interval(Integral, 0, None, closed="left")],
        "memory_days": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, min_share=0.5, min_identity=0.7, min_similarity=0.5, change=1.5, min_change=5,
                 memory_days=28):
        self.min_share = min_share
        self.min_identity = min_identity
        self.min_similarity = min_similarity
        self.change = change
        self.min_change = min_change
        self.memory_days = memory_days

    def track(self, today: DayTopics, past: TrackedPast) -> TrackedDay:
        """Give the day's topics their standing ids, given what the library knew before the day."""
        self._validate_params()
        date, topics, ids = today.date, today.topics, list(today.ids)
        labels, X = np.asarray(today.labels, dtype=int), np.asarray(today.vectors, dtype=np.float32)
        standing, known, previous, previous_date = past.standing, past.known, past.previous, past.previous_date
        day = sorted(topics, key=lambda t: t.id)
        before = {"previous_date": previous_date, "previous": dict(previous),
                  "previous_labels": {t.id: t.label for t in standing if t.id in previous}}
        if not day:
            return TrackedDay(date, {}, {}, {}, {}, **before)
        row_of = {t.id: j for j, t in enumerate(day)}
        rows = np.array([row_of[t] for t in labels], dtype=int)
        sizes = np.bincount(rows, minlength=len(day))
        # Cosines are taken around the day's mean: MiniLM's vectors share one direction, which makes
        # every centre look like every other (raw cosines 0.6-0.97 between unrelated topics).
        middle = X.mean(axis=0)
        means = np.array([X[rows == j].mean(axis=0) for j in range(len(day))], dtype=np.float32)
        centres = _unit(means - middle)
        Xc = _unit(X - middle)
        by_id = {t.id: t for t in standing}
        active = [by_id[i] for i in sorted(previous) if i in by_id]
        recent = [t for t in sorted(standing, key=lambda t: t.id) if t.id not in previous and t.last_seen
                  and abs((date - t.last_seen).days) <= self.memory_days]

        new = np.array([i not in known for i in ids])
        known = {**{i: t for i, near in past.neighbours.items() if (t := mostly(near)) is not None}, **known}
        first = _Round(active, ids, rows, Xc, sizes, centres, middle, known, new, self)
        matched = first.assign(range(len(day)))
        second = _Round(recent, ids, rows, Xc, sizes, centres, middle, known, new, self)
        returned = second.assign([j for j in range(len(day)) if j not in matched])

        events, changed, standing_of = [], {}, {}
        for j, (i, kind) in sorted({**{j: (i, "kept") for j, i in matched.items()},
                                    **{j: (i, "returned") for j, i in returned.items()}}.items()):
            old = (first if kind == "kept" else second).candidates[i]
            changed[old.id] = self._continue(old, day[j], means[j], date)
            standing_of[j] = old.id
            if kind == "returned":
                events.append(TopicEvent(date, "returned", old.id))
        next_id = max(by_id, default=0) + 1
        carried = set(standing_of.values())  # a matched or returned topic keeps its id
        splits: dict[int, list[int]] = {}
        continued: set[int] = set()
        for j in range(len(day)):
            if j in standing_of:
                continue
            standing_of[j] = next_id
            changed[next_id] = StandingTopic(next_id, day[j].label, tuple(day[j].terms), means[j], means[j],
                                             date, date)
            parent = next((r.candidates[i].id for r in (first, second) if (i := r.best_for(j)) is not None), None)
            if parent in carried:
                splits.setdefault(parent, []).append(next_id)
            elif parent is not None:  # its subject sits in an old topic, but its new papers too seldom do
                events.append(TopicEvent(date, "continues", next_id, (parent,)))
                continued.add(parent)
            else:
                events.append(TopicEvent(date, "born", next_id))
            next_id += 1
        for parent, pieces in splits.items():
            events.append(TopicEvent(date, "split", parent, (parent, *pieces)))

        absorbed: dict[int, list[int]] = {}
        for i, old in enumerate(first.candidates):
            if i in matched.values():
                continue
            into = first.absorber(i, matched)
            if old.id in continued:
                continue  # a new id continues it: said there
            if into is None:
                events.append(TopicEvent(date, "gone", old.id))
            else:
                absorbed.setdefault(standing_of[into], []).append(old.id)
        events += [TopicEvent(date, "merged", t, tuple(a)) for t, a in absorbed.items()]

        total, total_before = int(sizes.sum()), sum(previous.values())
        for j, i in matched.items():
            old_id, now = first.candidates[i].id, int(sizes[j])
            then = previous.get(old_id, 0)
            if total_before and abs(now - then) >= self.min_change:
                ratio = (now / total) / max(then / total_before, 1e-12)
                if ratio >= self.change:
                    events.append(TopicEvent(date, "grew", old_id))
                elif ratio <= 1 / self.change:
                    events.append(TopicEvent(date, "shrank", old_id))

        events.sort(key=lambda e: (TOPIC_EVENTS.index(e.kind), e.topic))
        label_of = {t: changed[t].label for t in standing_of.values()}
        return TrackedDay(
            date=date, ids={day[j].id: standing_of[j] for j in range(len(day))},
            sizes={standing_of[j]: int(sizes[j]) for j in range(len(day))}, labels=label_of,
            papers={i: standing_of[r] for i, r in zip(ids, rows)}, events=events,
            topics=[changed[t] for t in sorted(changed)], **before,
        )

    @staticmethod
    def _continue(old: StandingTopic, today, mean: np.ndarray, date: dt.date) -> StandingTopic:
        """The standing topic after a day it recurs: the day's label (what its papers of the day are
        about), its centroid halfway to today's mean."""
        return replace(old, label=today.label, terms=tuple(today.terms), named=mean,
                       centroid=((np.asarray(old.centroid, dtype=np.float32) + mean) / 2).astype(np.float32),
                       first_seen=min(old.first_seen or date, date), last_seen=max(old.last_seen or date, date))


class _Round:
    """One round of matching: the day's topics against some standing topics (``candidates``)."""

    def __init__(self, candidates: list[StandingTopic], ids, rows, X, sizes, centres, middle, known, new,
                 tracker: TopicTracker):
        self.candidates, self.tracker = candidates, tracker
        k, m = len(sizes), len(candidates)
        self.share = np.zeros((k, m))
        self.known_share = np.zeros((k, m))
        self.cosine = np.full((k, m), -1.0)
        self.new_share = np.ones((k, m))
        if not m:
            return
        C = _unit(np.array([t.centroid for t in candidates], dtype=np.float32) - middle)
        column = {t.id: n for n, t in enumerate(candidates)}
        # papers placed before, or whose nearest earlier papers were mostly in one topic, vote for it
        # (for no candidate if it is not one); the others for the nearest centroid
        seen = np.array([column.get(known.get(i), -1) for i in ids])
        vote = np.where(seen >= 0, seen, np.argmax(X @ C.T, axis=1))
        counted = np.array([i not in known for i in ids]) | (seen >= 0)
        np.add.at(self.share, (rows[counted], vote[counted]), 1)
        np.add.at(self.known_share, (rows[seen >= 0], seen[seen >= 0]), 1)
        self.share /= sizes[:, None]
        self.known_share /= sizes[:, None]
        self.cosine = centres @ C.T
        # the day topic's new papers: the share whose nearest earlier papers were mostly in the candidate
        voted = new & (seen >= 0)
        new_votes = np.zeros((k, m))
        np.add.at(new_votes, (rows[voted], seen[voted]), 1)
        new_count = np.bincount(rows[new], minlength=k)[:, None]
        self.new_share = np.where(new_count > 0, new_votes / np.maximum(new_count, 1), 1.0)

    def allowed(self, carry: bool = True) -> np.ndarray:
        """Pairs where the day topic continues the candidate (``carry``: under its id; else only
        in subject: its new papers need not mostly sit among the candidate's)."""
        t = self.tracker
        identity = self.new_share >= t.min_identity if carry else True
        return ((self.share >= t.min_share) & identity
                & ((self.cosine >= t.min_similarity) | (self.known_share >= t.min_share)))

    def assign(self, day_rows) -> dict[int, int]:
        """One-to-one: day row -> candidate column, maximising the total share of allowed pairs."""
        from scipy.optimize import linear_sum_assignment

        day_rows = list(day_rows)
        if not day_rows or not self.candidates:
            return {}
        allowed = self.allowed()[day_rows]
        gain = np.where(allowed, self.share[day_rows] + self.new_share[day_rows], 0.0)
        found = {}
        for r, c in zip(*linear_sum_assignment(gain, maximize=True)):
            if allowed[r, c]:
                found[day_rows[r]] = int(c)
        return found

    def best_for(self, j: int) -> int | None:
        """The candidate a day topic belongs to most, if it continues its subject."""
        if not self.candidates:
            return None
        i = int(np.argmax(self.share[j]))
        return i if self.allowed(carry=False)[j, i] else None

    def absorber(self, i: int, matched: dict[int, int]) -> int | None:
        """The matched day topic that holds most of candidate ``i``'s papers, if allowed."""
        rows = sorted(matched)
        if not rows:
            return None
        allowed = self.allowed()[rows, i]
        share = np.where(allowed, self.share[rows, i], -1.0)
        best = int(np.argmax(share))
        return rows[best] if allowed[best] else None


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1.0)
