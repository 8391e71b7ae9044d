"""Issue 23's identity measure and its ceiling (topics/identity.py) against a brute force on small
made-up histories: every assignment of ids to the day topics, scored by ``carried_identity``."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

import numpy as np
import pytest

from semdigest.topics.identity import carried_identity, identity_frontier
from semdigest.topics.tracking import earlier_neighbours, mostly


def _history(seed: int):
    """Three days of three topics, each topic a random mixture of four subjects; a few of a
    day's papers are papers of the day before again (cross-lists)."""
    rng = np.random.default_rng(seed)
    subjects = rng.normal(size=(4, 16))
    vectors, days, count = {}, [], 0
    for day in range(3):
        papers = {}
        for topic in range(3):
            mix = rng.dirichlet([0.5] * 4)
            for _ in range(int(rng.integers(5, 9))):
                count += 1
                v = subjects[rng.choice(4, p=mix)] + 0.6 * rng.normal(size=16)
                vectors[f"p{count}"] = v / np.linalg.norm(v)
                papers[f"p{count}"] = topic
        if days:
            again = sorted(days[-1][1])[:3]
            papers.update({i: int(rng.integers(0, 3)) for i in again})
        days.append((dt.date(2026, 6, 1 + day), papers))
    return days, vectors


def _every_assignment(days, vectors, least):
    """(carried identities) of every assignment whose carried pairs hold at least ``least`` of the
    day topic's new papers' votes; a day topic without new papers keeps its papers' usual id."""
    out = []

    def walk(n, labels, next_id, identities, tracked):
        if n == len(days):
            out.append(carried_identity(tracked, vectors))
            assert np.allclose(sorted(out[-1]), sorted(identities))  # the measure agrees with the votes
            return
        date, papers = days[n]
        new = sorted(i for i in papers if i not in labels)
        votes = {}
        if labels and new:
            found = sorted(labels)
            near = earlier_neighbours(new, np.array([vectors[i] for i in new]), [labels[i] for i in found],
                                      np.array([vectors[i] for i in found]))
            votes = {i: mostly(near[i]) for i in new}
        choices = []
        for topic in sorted(set(papers.values())):
            mine = [i for i in new if papers[i] == topic]
            if not mine:
                held = [labels[i] for i in papers if papers[i] == topic]
                choices.append([(max(set(held), key=lambda t: (held.count(t), -t)), None)])
                continue
            shares = {t: sum(votes.get(i) == t for i in mine) / len(mine) for t in set(labels.values())}
            choices.append([(None, None)] + [(t, s) for t, s in sorted(shares.items()) if s >= least and s > 0])
        for picked in itertools.product(*choices):
            carried = [t for t, _ in picked if t is not None]
            if len(set(carried)) < len(carried):
                continue
            ids, nid = {}, next_id
            for topic, (t, _) in zip(sorted(set(papers.values())), picked):
                if t is None:
                    nid += 1
                ids[topic] = t if t is not None else nid
            fresh = [ids[topic] for topic, (t, _) in zip(sorted(set(papers.values())), picked) if t is None]
            day = SimpleNamespace(date=date, papers={i: ids[t] for i, t in papers.items()},
                                  sizes={ids[t]: 1 for t in set(papers.values())}, new=fresh)
            walk(n + 1, {**labels, **day.papers}, nid,
                 identities + [s for t, s in picked if t is not None and s is not None], tracked + [day])

    walk(0, {}, 0, [], [])
    return out


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_the_frontier_is_the_best_mean_of_every_assignment_per_carried_count(seed):
    days, vectors = _history(seed)
    best: dict[int, float] = {}
    for shares in _every_assignment(days, vectors, least=0.5):
        if shares:
            best[len(shares)] = max(best.get(len(shares), 0.0), float(np.mean(shares)))
    assert best, "a history where nothing can carry tests nothing"
    frontier = identity_frontier(days, vectors, width=10**6)
    assert frontier.keys() == best.keys()
    assert all(frontier[n] == pytest.approx(best[n]) for n in best), (frontier, best)
    narrow = identity_frontier(days, vectors, width=1)  # a narrow search finds no more than the best
    assert all(narrow[n] <= best[n] + 1e-12 for n in narrow)


def test_identity_counts_only_carried_ids_and_new_papers():
    e = np.eye(4)
    vectors = {"a1": e[0], "a2": e[0], "b1": e[1], "b2": e[1], "a3": e[0], "b3": e[1], "c3": e[2]}
    first = SimpleNamespace(papers={"a1": 1, "a2": 1, "b1": 2, "b2": 2}, sizes={1: 2, 2: 2}, new=[1, 2])
    # 1 carries on with a new paper of its subject and one of 2's: 1/2; 3 is new: not counted;
    # b1 was seen before: not counted
    second = SimpleNamespace(papers={"a3": 1, "b3": 1, "c3": 3, "b1": 1}, sizes={1: 3, 3: 1}, new=[3])
    assert carried_identity([first, second], vectors) == [pytest.approx(0.5)]
    assert carried_identity([first], vectors) == []
