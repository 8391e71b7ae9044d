"""Issue 23's identity of tracked topic ids, and the most any choice of ids could reach.

Identity: for each topic id carried to a later day, the share of its new papers (not on an earlier
tracked day) whose ``k`` nearest earlier papers mostly (the most common id, nearest first on a tie)
had that id. ``carried_identity`` measures it on tracked days; ``identity_frontier`` asks what the
best choice of ids could have reached on the same day topics: the tracker decides only which day
topic carries which id, the day topics themselves are fixed by each day's papers. Both are used by
benchmarks/crossday_bench.py and the tests.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence

import numpy as np

from .tracking import earlier_neighbours, mostly


def carried_identity(days: Sequence, vectors: Mapping[str, np.ndarray], k: int = 10) -> list[float]:
    """Per carried topic-day of ``days`` (``TrackedDay``s in date order; a day whose topics carry
    no new paper counts for none): the share of its new papers whose nearest earlier papers mostly
    had its id. ``vectors``: each paper's unit vector."""
    shares = []
    for n, day in enumerate(days[1:], start=1):
        earlier: dict[str, int] = {}
        for before in days[:n]:
            earlier.update(before.papers)
        new = sorted(set(day.papers) - set(earlier))
        if not new:
            continue
        found = sorted(earlier)
        near = earlier_neighbours(new, _rows(vectors, new), [earlier[i] for i in found], _rows(vectors, found), k)
        for topic in sorted(set(day.sizes) - set(day.new)):
            mine = [i for i in new if day.papers[i] == topic]
            if mine:
                shares.append(float(np.mean([mostly(near[i]) == topic for i in mine])))
    return shares


def identity_frontier(partitions: Sequence[tuple[dt.date, Mapping[str, int]]], vectors: Mapping[str, np.ndarray],
                      k: int = 10, width: int = 12, least: float = 0.5) -> dict[int, float]:
    """The best mean identity any assignment of ids reaches, per number of carried topic-days.

    ``partitions``: each day (in date order) as its papers' day topics (any numbering). An
    assignment gives each day topic either a new id or one id of an earlier day (one-to-one); a
    day topic without new papers keeps the id most of its papers had (a weekend copy). Searched
    day by day, keeping for each number of carried topic-days the ``width`` choices with the
    highest total identity so far; pairs where under ``least`` of the day topic's new papers vote
    for the id are not tried (they would only lower the mean).
    """
    index: dict[str, int] = {}
    for _, papers in partitions:
        for i in sorted(papers):
            index.setdefault(i, len(index))
    matrix = _rows(vectors, list(index))
    steps, seen = [], np.zeros(len(index), dtype=bool)
    for _, papers in partitions:
        rows = np.array([index[i] for i in sorted(papers)])
        topics = np.array([papers[i] for i in sorted(papers)])
        new = ~seen[rows]
        earlier = np.flatnonzero(seen)
        nearest = None
        if len(earlier) and new.any():
            k_ = min(k, len(earlier))
            similarity = matrix[rows[new]] @ matrix[earlier].T
            nearest = earlier[np.argsort(-similarity, axis=1, kind="stable")[:, :k_]]
        steps.append((rows, topics, new, nearest))
        seen[rows] = True
    start = np.full(len(index), -1)
    states = [(start, 0, ())]  # (each paper's latest id, ids used so far, identities of carried topic-days)
    for rows, topics, new, nearest in steps:
        grown = []
        for labels, used, carried in states:
            votes = np.array([mostly(labels[row]) for row in nearest]) if nearest is not None else None
            forced, options = _options(labels, rows, topics, new, votes, least)
            free = [(j, t, v) for j, t, v in options if j not in forced and t not in forced.values()]
            for pairs in _matchings(free):
                ids, next_id = dict(forced), used
                ids.update({j: t for j, t, _ in pairs})
                for j in sorted(set(topics.tolist()) - set(ids)):
                    next_id += 1
                    ids[j] = next_id
                after = labels.copy()
                after[rows] = [ids[t] for t in topics.tolist()]
                grown.append((after, next_id, carried + tuple(v for _, _, v in pairs)))
        states = []
        for _, group in itertools.groupby(sorted(grown, key=lambda s: (len(s[2]), -sum(s[2]))),
                                          key=lambda s: len(s[2])):
            states += list(group)[:width]
    best: dict[int, float] = {}
    for _, _, carried in states:
        if carried:
            best[len(carried)] = max(best.get(len(carried), 0.0), float(np.mean(carried)))
    return dict(sorted(best.items()))


def _options(labels, rows, topics, new, votes, least):
    """(day topics without new papers -> the id most of their papers had; (day topic, id, identity)
    for the pairs worth trying)."""
    forced, options = {}, []
    new_topics = topics[new]
    for j in sorted(set(topics.tolist())):
        mine = new_topics == j
        if not mine.any():
            held = labels[rows[topics == j]]
            held = held[held >= 0]
            if len(held):
                forced[j] = int(np.bincount(held).argmax())
            continue
        if votes is None:
            continue
        ids, counts = np.unique(votes[mine], return_counts=True)
        options += [(j, int(t), c / mine.sum()) for t, c in zip(ids, counts) if t >= 0 and c / mine.sum() >= least]
    return forced, options


def _matchings(pairs):
    """Every set of pairs that uses each day topic and each id at most once (the empty set too)."""
    out = [()]
    for size in range(1, len(pairs) + 1):
        for chosen in itertools.combinations(pairs, size):
            if len({p[0] for p in chosen}) == size and len({p[1] for p in chosen}) == size:
                out.append(chosen)
    return out


def _rows(vectors: Mapping[str, np.ndarray], ids: Sequence[str]) -> np.ndarray:
    return np.array([vectors[i] for i in ids], dtype=np.float32).reshape(len(ids), -1)
