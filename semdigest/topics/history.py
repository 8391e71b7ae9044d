"""Topics across a library's days: give a day's topics their standing ids (tracking.py does the
matching) and keep them in the store; read back a tracked day, the topics per day, the events,
and one topic's lineage. Functions over a Library; the wording of an event is TopicEvent's."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

import numpy as np

from ..errors import LibraryError
from ..plural import plural
from ..records import as_date, as_texts
from .tracking import DayTopics, TopicTracker, TrackedDay, TrackedPast, earlier_neighbours


def track_topics(library, date: dt.date, topics, ids: Iterable[str] | None = None, vectors: np.ndarray | None = None,
                 model=None, tracker: TopicTracker | None = None) -> TrackedDay:
    """Give a day's topics their standing ids and store them, in one write transaction: a
    ``TrackedDay`` (ids, sizes, labels, each paper's topic, events).

    ``topics`` is the day's ``TopicMap``, or a fitted ``TopicModel`` with the ``ids`` it was
    fitted on (in that order); ``vectors`` are those papers' vectors (default: the library's,
    of ``model``). A day already tracked is not matched again: what was stored comes back,
    so re-running a past day renumbers nothing. Days are best tracked in date order.
    """
    store = library.store
    date = as_date(date, "date", required=True)
    fit, ids = _topic_fit(topics, as_texts(ids, "ids"))
    embedder = library.embedder(model)
    if vectors is None:
        found, matrix = library.vectors(embedder, ids=ids)
        row = {i: n for n, i in enumerate(found)}
        missing = [i for i in ids if i not in row]
        if missing:
            raise LibraryError(f"{plural(len(missing), 'paper')} without a {embedder.key} vector (first: {missing[0]}); "
                               "ingest their digest first")
        vectors = matrix[[row[i] for i in ids]]
    with store.write():
        if date in store.tracked_dates():
            return _stored_day(store, date, fit, ids)
        previous_date, previous = _previous_sizes(store, date)
        tracker = tracker or TopicTracker()
        earlier = _earlier_topics(store, date, tracker.memory_days)
        found, matrix = library.vectors(embedder, ids=sorted(earlier)) if earlier else ([], np.zeros((0, 1)))
        neighbours = earlier_neighbours(ids, vectors, [earlier[i] for i in found], matrix)
        day = tracker.track(
            DayTopics.from_model(date, fit, ids, vectors),
            TrackedPast(store.standing_topics(embedder.key), store.latest_topics_of(ids, date),
                        previous, previous_date, neighbours))
        if day.sizes:
            store.save_tracked_day(embedder.key, day)
    return day


def _earlier_topics(store, date: dt.date, days: int) -> dict[str, int]:
    """Papers tracked within ``days`` before ``date``: their topic on the latest such day."""
    out: dict[str, int] = {}
    for earlier in store.tracked_dates():
        if date - dt.timedelta(days=days) <= earlier < date:
            out.update(store.paper_topics(earlier))
    return out


def tracked_day(library, date: dt.date) -> TrackedDay | None:
    """What was stored for a tracked day (a ``TrackedDay``), or None if it was not tracked."""
    date = as_date(date, "date", required=True)
    if date not in library.store.tracked_dates():
        return None
    return _stored_day(library.store, date)


def topic_history(library, since: dt.date | None = None, until: dt.date | None = None):
    """Tracked topics per day as a pandas DataFrame: date, topic, label (that day), size,
    share (of the day's papers); by date, then size."""
    import pandas as pd

    since, until = as_date(since, "since"), as_date(until, "until")
    frame = pd.DataFrame(library.store.topic_sizes(since, until),
                         columns=["date", "topic", "size", "label"])[["date", "topic", "label", "size"]]
    frame["share"] = frame["size"] / frame.groupby("date")["size"].transform("sum")
    return frame.sort_values(["date", "size", "topic"], ascending=[True, False, True], ignore_index=True)


def topic_events(library, since: dt.date | None = None, until: dt.date | None = None):
    """Events of tracked days as a pandas DataFrame: date, kind, topic, others, label, what
    (a sentence)."""
    import pandas as pd

    labels = _latest_labels(library.store)
    events = library.store.topic_events(as_date(since, "since"), as_date(until, "until"))
    return pd.DataFrame([{"date": e.date, "kind": e.kind, "topic": e.topic, "others": list(e.others),
                          "label": labels.get(e.topic, ""), "what": str(e)} for e in events],
                        columns=["date", "kind", "topic", "others", "label", "what"])


def topic_lineage(library, topic: int):
    """One topic across days as a pandas DataFrame: date, size, label, events (what happened
    to it that day: born, split off from 3, absorbed 7, grew, gone ...)."""
    import pandas as pd

    store = library.store
    history = {d: (n, label) for d, t, n, label in store.topic_sizes() if t == topic}
    happened: dict[dt.date, list[str]] = {}
    for e in store.topic_events():
        if text := e.said_of(topic):
            happened.setdefault(e.date, []).append(text)
    if not history and not happened:
        known = sorted({t for _, t, _, _ in store.topic_sizes()})
        raise LibraryError(f"no tracked topic {topic} in {store.location} (topics: "
                           f"{', '.join(map(str, known[:20])) or 'none yet; run `semdigest day`'})")
    label = _latest_labels(store).get(topic, "")
    return pd.DataFrame([{"date": d, "size": history.get(d, (0, label))[0], "label": history.get(d, (0, label))[1],
                          "events": "; ".join(happened.get(d, []))} for d in sorted({*history, *happened})],
                        columns=["date", "size", "label", "events"])


def _previous_sizes(store, date: dt.date) -> tuple[dt.date | None, dict[int, int]]:
    earlier = [d for d in store.tracked_dates() if d < date]
    if not earlier:
        return None, {}
    return earlier[-1], {t: n for _, t, n, _ in store.topic_sizes(earlier[-1], earlier[-1])}


def _stored_day(store, date: dt.date, fit=None, ids=None) -> TrackedDay:
    rows = store.topic_sizes(date, date)
    papers = store.paper_topics(date)
    previous_date, previous = _previous_sizes(store, date)
    labels_before = {t: label for _, t, _, label in store.topic_sizes(previous_date, previous_date)} \
        if previous_date else {}
    mapping = {}
    if fit is not None:  # the fit's own topic ids -> stored ids, by the papers they share
        for own in sorted(set(int(t) for t in fit.labels_)):
            held = Counter(papers[i] for i, t in zip(ids, fit.labels_) if t == own and i in papers)
            if held:
                mapping[own] = held.most_common(1)[0][0]
    return TrackedDay(date, mapping, {t: n for _, t, n, _ in rows}, {t: label for _, t, _, label in rows}, papers,
                      store.topic_events(date, date), [], previous_date, previous, labels_before)


def _latest_labels(store) -> dict[int, str]:
    """Each topic's latest label."""
    return {t: label for _, t, _, label in store.topic_sizes()}


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
