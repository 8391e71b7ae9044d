"""The SQL both stores share for what features keep in the library: interests ("For you"), topics
tracked across days, and the positions of the reference map. Mixed into ``sql.SQLStore``, whose
dialect hooks (``q``, ``any_of``, ``_list``, ``_date`` ...) it uses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import numpy as np

from ..records import Interest, Reference, StandingTopic, TopicEvent
from .base import translating_errors

INTEREST_LISTS = ("papers", "descriptions", "read", "not_interesting")  # interest_items.kind: ordered lists


@translating_errors
class SQLFeatures:
    # -- interests ----------------------------------------------------------------------------

    def save_interest(self, interest: Interest) -> None:
        self._delete_interest_rows(interest.name)  # its stored vectors stay: the texts are mostly the same
        interest_id = self._run("INSERT INTO {s}.interests (name) VALUES (%s) RETURNING id",
                                (interest.name,)).fetchone()[0]
        self._many("INSERT INTO {s}.interest_items VALUES (%s, %s, %s, %s)", [
            (interest_id, kind, position, value)
            for kind in INTEREST_LISTS for position, value in enumerate(getattr(interest, kind))])
        self._many("INSERT INTO {s}.interest_references VALUES (%s, %s, %s, %s, %s, %s)", [
            (interest_id, position, r.title, r.abstract, r.arxiv_id, r.key)
            for position, r in enumerate(interest.references)])

    def get_interest(self, name: str) -> Interest | None:
        row = self._run("SELECT id FROM {s}.interests WHERE name = %s", (name,)).fetchone()
        if row is None:
            return None
        lists: dict[str, list[str]] = {kind: [] for kind in INTEREST_LISTS}
        for kind, value in self._run("SELECT kind, value FROM {s}.interest_items WHERE interest_id = %s "
                                     "ORDER BY kind, position", row):
            lists[kind].append(value)
        references = [Reference(*r) for r in self._run(
            "SELECT title, abstract, arxiv_id, key FROM {s}.interest_references WHERE interest_id = %s "
            "ORDER BY position", row)]
        return Interest(name, references=tuple(references), **{k: tuple(v) for k, v in lists.items()})

    def interest_names(self) -> list[str]:
        return [r[0] for r in self._run("SELECT name FROM {s}.interests ORDER BY name")]

    def delete_interest(self, name: str) -> bool:
        self._run("DELETE FROM {s}.interest_vectors WHERE interest = %s", (name,))
        return self._delete_interest_rows(name)

    def _delete_interest_rows(self, name: str) -> bool:
        row = self._run("SELECT id FROM {s}.interests WHERE name = %s", (name,)).fetchone()
        if row is None:
            return False
        for table in ("interest_items", "interest_references"):
            self._run(f"DELETE FROM {{s}}.{table} WHERE interest_id = %s", row)
        self._run("DELETE FROM {s}.interests WHERE id = %s", row)
        return True

    def interest_vectors(self, interest: str, model: str, hashes: Iterable[str]
                         ) -> tuple[dict[str, np.ndarray], set[str]]:
        vectors: dict[str, np.ndarray] = {}
        kept: set[str] = set()
        for text_hash, blob, own in self._rows_of(
                "SELECT text_hash, vector, interest = %s FROM {s}.interest_vectors WHERE model = %s AND {cond}",
                "text_hash", sorted(set(hashes)), (interest, model)):
            vectors.setdefault(text_hash, _from_blob(blob))
            if own:
                kept.add(text_hash)
        return vectors, kept

    def put_interest_vectors(self, interest: str, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        self._many("INSERT INTO {s}.interest_vectors VALUES (%s, %s, %s, %s) ON CONFLICT (interest, model, text_hash) "
                   "DO UPDATE SET vector = excluded.vector", [(interest, model, h, _blob(v)) for h, v in vectors.items()])

    def count_interest_vectors(self, interest: str) -> dict[str, int]:
        return dict(self._run("SELECT model, count(*) FROM {s}.interest_vectors WHERE interest = %s "
                              "GROUP BY model ORDER BY model", (interest,)).fetchall())

    # -- topics across days -------------------------------------------------------------------

    def tracked_dates(self) -> list[dt.date]:
        return [self._from_date(r[0]) for r in self._run("SELECT DISTINCT date FROM {s}.topic_days ORDER BY date")]

    def standing_topics(self, model: str) -> list[StandingTopic]:
        return [StandingTopic(i, label, tuple(self._from_list(terms)), _from_blob(centroid), _from_blob(named),
                              self._from_date(first), self._from_date(last))
                for i, label, terms, centroid, named, first, last in self._run(
                    "SELECT id, label, terms, centroid, named, first_seen, last_seen FROM {s}.tracked_topics "
                    "WHERE model = %s ORDER BY id", (model,))]

    def latest_topics_of(self, ids: Iterable[str], before: dt.date) -> dict[str, int]:
        return dict(self._rows_of(
            "SELECT arxiv_id, topic_id FROM {s}.paper_topics t WHERE date = (SELECT max(date) FROM {s}.paper_topics u "
            "WHERE u.arxiv_id = t.arxiv_id AND u.date < %s) AND {cond}", "arxiv_id", list(ids), (self._date(before),)))

    def paper_topics(self, date: dt.date) -> dict[str, int]:
        return dict(self._run("SELECT arxiv_id, topic_id FROM {s}.paper_topics WHERE date = %s ORDER BY arxiv_id",
                              (self._date(date),)).fetchall())

    def topic_sizes(self, since: dt.date | None = None, until: dt.date | None = None
                    ) -> list[tuple[dt.date, int, int, str]]:
        return [(self._from_date(d), t, n, label) for d, t, n, label in self._run(
            "SELECT date, topic_id, size, label FROM {s}.topic_days WHERE date >= %s AND date <= %s "
            "ORDER BY date, topic_id", self._date_range(since, until))]

    def topic_events(self, since: dt.date | None = None, until: dt.date | None = None) -> list[TopicEvent]:
        return [TopicEvent(self._from_date(d), kind, topic, tuple(self._from_list(others)))
                for d, kind, topic, others in self._run(
                    "SELECT date, kind, topic_id, others FROM {s}.topic_events WHERE date >= %s AND date <= %s "
                    "ORDER BY date, position", self._date_range(since, until))]

    def _date_range(self, since: dt.date | None, until: dt.date | None) -> tuple:
        return self._date(since or dt.date.min), self._date(until or dt.date.max)

    def save_tracked_day(self, model: str, day) -> None:
        date = self._date(day.date)
        self._many(
            "INSERT INTO {s}.tracked_topics VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET "
            "label = excluded.label, terms = excluded.terms, centroid = excluded.centroid, named = excluded.named, "
            "first_seen = excluded.first_seen, last_seen = excluded.last_seen", [
                (t.id, model, t.label, self._list(t.terms), _blob(t.centroid), _blob(t.named),
                 self._date(t.first_seen), self._date(t.last_seen)) for t in day.topics])
        self._many("INSERT INTO {s}.topic_days VALUES (%s, %s, %s, %s)",
                   [(date, t, n, day.labels[t]) for t, n in sorted(day.sizes.items())])
        self._many("INSERT INTO {s}.topic_events VALUES (%s, %s, %s, %s, %s)", [
            (date, position, e.kind, e.topic, self._list(e.others)) for position, e in enumerate(day.events)])
        self._many("INSERT INTO {s}.paper_topics VALUES (%s, %s, %s)",
                   [(date, i, t) for i, t in sorted(day.papers.items())])

    # -- the reference map (maps that stay put) -------------------------------------------------

    def put_map_points(self, model: str, points: Iterable[tuple[str, int, float, float, bool]]) -> None:
        self._many("INSERT INTO {s}.map_points VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (model, arxiv_id) "
                   "DO UPDATE SET vector_id = excluded.vector_id, x = excluded.x, y = excluded.y, "
                   "anchor = excluded.anchor",
                   [(model, a, int(v), float(x), float(y), self._bool(anchor)) for a, v, x, y, anchor in points])

    def map_points(self, model: str, ids: Iterable[str] | None = None, anchors_only: bool = False
                   ) -> list[tuple[str, int, float, float, bool]]:
        query = "SELECT arxiv_id, vector_id, x, y, anchor FROM {s}.map_points WHERE model = %s"
        params: list = [model]
        if anchors_only:
            query, params = query + " AND anchor = %s", [*params, self._bool(True)]
        if ids is None:
            rows = self._run(query + " ORDER BY arxiv_id", params).fetchall()
        else:  # in chunks: each chunk in order, and the chunks in order
            rows = self._rows_of(query + " AND {cond} ORDER BY arxiv_id", "arxiv_id", sorted(set(ids)), params)
        return [(a, int(v), float(x), float(y), bool(anchor)) for a, v, x, y, anchor in rows]

    def clear_map_points(self, model: str) -> None:
        self._run("DELETE FROM {s}.map_points WHERE model = %s", (model,))


def _blob(vector) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def _from_blob(blob) -> np.ndarray:
    return np.frombuffer(bytes(blob), dtype="<f4").astype(np.float32)
