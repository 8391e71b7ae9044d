"""The continuation rule of topic tracking (issue 23), on small hand-made days: an id carries on
only when most of the day topic's new papers had nearest earlier papers in it; else a new id that
says which topic it continues. The tracker alone: no model, no store."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np

from semdigest.records import StandingTopic, TopicEvent
from semdigest.topics.tracking import DayTopics, TopicTracker, TrackedPast

BEFORE, TODAY = dt.date(2026, 6, 11), dt.date(2026, 6, 12)
AXES = np.eye(3, dtype=np.float32)


def _standing(topic: int, axis: int) -> StandingTopic:
    return StandingTopic(topic, f"subject {topic}", (), AXES[axis], AXES[axis], BEFORE, BEFORE)


def _day(votes_of_second: list[int]) -> tuple[DayTopics, TrackedPast]:
    """Two day topics of ten new papers each, near subject 1 (axis 0) and subject 2 (axis 1).
    The first's papers all had their nearest earlier papers mostly in topic 1; the second's in the
    topics ``votes_of_second`` lists (one per paper)."""
    rng = np.random.default_rng(0)
    vectors = np.vstack([AXES[a] + rng.normal(0, 0.05, (10, 3)) for a in (0, 1)]).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"2606.{n:05d}" for n in range(20)]
    topics = [SimpleNamespace(id=0, label="today's first", terms=()),
              SimpleNamespace(id=1, label="today's second", terms=())]
    votes = [1] * 10 + votes_of_second
    neighbours = {i: (v,) * 10 for i, v in zip(ids, votes)}
    past = TrackedPast((_standing(1, 0), _standing(2, 1)), {}, {1: 10, 2: 10}, BEFORE, neighbours)
    return DayTopics(TODAY, topics, ids, np.array([0] * 10 + [1] * 10), vectors), past


def test_an_id_carries_on_when_its_new_papers_mostly_sat_among_its_papers():
    day = TopicTracker().track(*_day([2] * 8 + [1] * 2))
    assert day.ids == {0: 1, 1: 2} and day.new == [] and day.carried == 1.0


def test_a_topic_whose_new_papers_too_seldom_sat_there_gets_a_new_id_that_continues_it():
    today, past = _day([2] * 6 + [1] * 4)  # 60% of its new papers: its subject, but not its id's
    day = TopicTracker().track(today, past)
    assert day.ids == {0: 1, 1: 3} and day.new == [3]
    assert TopicEvent(TODAY, "continues", 3, (2,)) in day.events
    assert not any(e.kind == "gone" and e.topic == 2 for e in day.events)  # continued, not gone
    assert TopicEvent(TODAY, "continues", 3, (2,)).said_of(2) == "continued as 3"
    # the former rule (any majority of the day topic's papers) kept the id
    assert TopicTracker(min_identity=0.0).track(today, past).ids == {0: 1, 1: 2}


def test_a_topic_of_another_subject_is_born_and_one_of_the_same_splits_off():
    today, past = _day([7] * 10)  # its new papers sat among a topic that is not a candidate
    day = TopicTracker().track(today, past)
    assert day.ids == {0: 1, 1: 3}
    assert set(day.events) == {TopicEvent(TODAY, "born", 3), TopicEvent(TODAY, "gone", 2)}
    today, past = _day([1] * 10)  # among topic 1's, which the first day topic carries on
    day = TopicTracker().track(today, past)
    assert day.ids == {0: 1, 1: 3} and TopicEvent(TODAY, "split", 1, (1, 3)) in day.events
