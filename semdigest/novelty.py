"""Novelty: how unlike the library a paper is, as a percentile of the library's own papers.

A paper's *closeness* is the mean cosine similarity to its ``NOVELTY_K`` nearest papers first
seen before it (what `related --day` and the report's "seen before" find; a paper re-published
on a later day is judged as of the day it was first seen, so weekend copies keep their value).
Its novelty is the share of a calibration sample of the library's papers that are closer than that
to the rest of the library (the papers first seen before the same day, their own day's papers left
out, as a new day's papers never count each other), taken within the paper's own neighbourhood:
the share of the ``LOCAL_K`` sample papers nearest to it that are closer to their earlier papers
(the whole sample's share counts as one more of them, which orders papers further than all their
neighbours). 0.99 means "further from what you have than 99% of the papers around it are". A rare
field's papers are far from one another too, so a routine paper of cs.IT is not "new" because
cs.IT is sparse (against the whole sample, 4-7 of the report's top 8 on the shared days were from
four rare fields, 10% of the papers; within the neighbourhood 1-5). The sample (``CALIBRATION_SAMPLE`` papers, seeded) is
cached in the library and drawn afresh when the library before the day differs by more than
``REFRESH_GROWTH`` from the one it was drawn from (see ``Calibration.fresh_for``).

``day_novelty(library, date)`` measures a library's day; the rest takes arrays or scores.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .records import PaperFilter, as_date

NOVELTY_K = 3              # earlier papers a paper's closeness is averaged over
CALIBRATION_SAMPLE = 500   # library papers the percentile is taken against (resolution 0.002)
REFRESH_GROWTH = 0.10      # draw the sample again when the library before the day differs by 10%
MIN_CALIBRATION = 20       # fewer sampled papers than this: no percentile (the library is too young)
LOCAL_K = 100              # sample papers nearest a paper that its percentile is taken among
SAME_DAY_MARGIN = 20       # extra neighbours fetched for a sample paper, as its own day's are dropped
_DAY = dt.timedelta(days=1)


def closeness(scores: Sequence[Sequence[float]], k: int = NOVELTY_K) -> np.ndarray:
    """Mean of each paper's k best similarities to earlier papers (NaN where it has none)."""
    return np.array([float(np.mean(sorted(s, reverse=True)[:k])) if len(s) else math.nan for s in scores])


@dataclass(frozen=True)
class Calibration:
    """The closeness of a sample of library papers (``ids``), sorted; built for a library of
    ``papers`` papers before day ``date`` with ``k`` neighbours."""

    date: str
    papers: int
    k: int
    values: tuple[float, ...]
    ids: tuple[str, ...] = ()

    def novelty(self, closeness_values: np.ndarray, near: np.ndarray | None = None) -> np.ndarray:
        """Share of the sample closer to its earlier papers than each value (ties count half);
        with ``near`` (for value r, positions in ``ids`` of the sample papers around it), the
        share of those, the whole sample's share counting as one more of them. NaN where the
        value is NaN or the sample is too small to say."""
        values = np.asarray(closeness_values, dtype=np.float64)
        if len(self.values) < MIN_CALIBRATION:
            return np.full(len(values), math.nan)
        sample = np.asarray(self.values)
        above = len(sample) - np.searchsorted(sample, values, side="right")
        equal = np.searchsorted(sample, values, side="right") - np.searchsorted(sample, values, side="left")
        out = (above + 0.5 * equal) / len(sample)
        if near is not None:  # the rank among the papers around it; the whole sample's breaks ties
            among = sample[near]
            local = (among > values[:, None]).sum(axis=1) + 0.5 * (among == values[:, None]).sum(axis=1)
            out = (local + out) / (among.shape[1] + 1)
        return np.where(np.isnan(values), math.nan, out)

    def fresh_for(self, papers_before: int, k: int) -> bool:
        """Whether this sample stands for a library of ``papers_before`` papers: made with the same
        k from a library within ``REFRESH_GROWTH`` of that size (either way: a day's few papers
        first seen a day or two before it are judged with the same sample, not a new one each)."""
        return (self.k == k and len(self.ids) == len(self.values)  # a sample stored without its ids: drawn again
                and abs(papers_before - self.papers) <= self.papers * REFRESH_GROWTH)

    def to_json(self) -> str:
        return json.dumps({"date": self.date, "papers": self.papers, "k": self.k,
                           "values": [round(v, 5) for v in self.values], "ids": list(self.ids)})

    @classmethod
    def from_json(cls, text: str) -> "Calibration":
        data = json.loads(text)
        pairs = sorted(zip(data["values"], data.get("ids") or [""] * len(data["values"])))
        ids = tuple(i for _, i in pairs) if data.get("ids") else ()
        return cls(data["date"], int(data["papers"]), int(data["k"]), tuple(v for v, _ in pairs), ids)

    def neighbourhoods(self, matrix: np.ndarray, sample: np.ndarray, k: int = LOCAL_K) -> np.ndarray:
        """For each row of ``matrix``, the positions (in ``ids``) of its ``k`` nearest sample papers
        (``sample``: their vectors, in the order of ``ids``)."""
        k = min(k, len(sample))
        similarity = np.asarray(matrix, dtype=np.float32) @ np.asarray(sample, dtype=np.float32).T
        return np.argpartition(-similarity, k - 1, axis=1)[:, :k]


def calibration_rows(n_eligible: int, size: int = CALIBRATION_SAMPLE, seed: int = 0) -> np.ndarray:
    """Rows of the eligible papers (in arXiv-id order) that form the sample, sorted."""
    if n_eligible <= size:
        return np.arange(n_eligible)
    return np.sort(np.random.default_rng(seed).choice(n_eligible, size, replace=False))


def day_novelty(library, date: dt.date, model=None, earlier: Mapping | None = None):
    """How unlike the library each paper of that day's digest is: a DataFrame (arxiv_id, title,
    novelty, closeness, nearest_id, nearest_title, nearest_score), most novel first.

    ``novelty`` is a percentile of the library's own papers (0.99: further from the papers
    before it than 99% of the library's papers are from theirs); ``closeness`` the mean cosine
    to its NOVELTY_K nearest papers first seen before it. ``earlier`` takes `seen_before`'s
    result for the day (at least NOVELTY_K hits each) so the day is not searched twice."""
    import pandas as pd

    embedder = library.embedder(model)
    date = as_date(date, "date", required=True)
    ids, matrix = library.vectors(embedder, ids=library.store.arxiv_ids(PaperFilter(date=date)))
    papers = library.store.get_papers(ids)
    nearest: dict[str, list[tuple[str, float]]] = {}
    by_day: dict[dt.date, list[int]] = {}
    for row, arxiv_id in enumerate(ids):
        first = papers[arxiv_id].date
        if first == date and earlier is not None:
            nearest[arxiv_id] = [(h.arxiv_id, h.score) for h in earlier.get(arxiv_id, [])][:NOVELTY_K]
        elif first is not None:  # re-published: judged as of the day it was first seen
            by_day.setdefault(first, []).append(row)
    for first, rows in sorted(by_day.items()):
        nearest.update(zip([ids[r] for r in rows], _earlier(library, embedder, matrix[rows],
                                                                 [ids[r] for r in rows], first, NOVELTY_K)))
    values = closeness([[s for _, s in nearest.get(i, [])] for i in ids])
    novelty = np.full(len(ids), np.nan)
    for first in sorted({papers[i].date for i in ids if papers[i].date is not None}):
        calibration = _calibration(library, embedder, first)
        rows = [r for r, i in enumerate(ids) if papers[i].date == first]
        if calibration is not None and rows:
            found, sample = library.vectors(embedder, ids=list(calibration.ids))
            near = None  # a sample paper without its vector now: the whole sample's percentile
            if len(found) == len(calibration.ids) >= MIN_CALIBRATION:
                position = {i: n for n, i in enumerate(found)}
                near = calibration.neighbourhoods(matrix[rows], sample[[position[i] for i in calibration.ids]])
            novelty[rows] = calibration.novelty(values[rows], near)
    best = [nearest[i][0] if nearest.get(i) else (None, np.nan) for i in ids]
    titles = library.store.get_papers([b for b, _ in best if b])
    frame = pd.DataFrame({
        "arxiv_id": ids, "title": [papers[i].title for i in ids], "novelty": novelty, "closeness": values,
        "nearest_id": [b for b, _ in best], "nearest_title": [titles[b].title if b else None for b, _ in best],
        "nearest_score": [s for _, s in best]})
    return frame.sort_values(["novelty", "arxiv_id"], ascending=[False, True], na_position="last",
                             ignore_index=True)


def _earlier(library, embedder, matrix: np.ndarray, ids: list[str], first: dt.date, k: int
             ) -> list[list[tuple[str, float]]]:
    """Each row's k nearest papers first seen before ``first``."""
    where = PaperFilter(until=first - _DAY)
    if len(ids) == 0 or library.store.count_papers(where, at_most=1) == 0:
        return [[] for _ in ids]
    return library.index(embedder).search(matrix, k, where, exclude=[{i} for i in ids])


def _calibration(library, embedder, cutoff: dt.date) -> Calibration | None:
    """The closeness of a sample of the papers first seen before ``cutoff`` to the rest of them
    (their own day's papers left out), cached in the store and used while the library before
    the day stays within REFRESH_GROWTH of the one it was drawn from."""
    key = _novelty_key(embedder.key)
    before = PaperFilter(until=cutoff - _DAY)
    papers_before = library.store.count_papers(before)
    cached = library.store.get_meta(key)
    cached = Calibration.from_json(cached) if cached else None
    if cached is not None and cached.fresh_for(papers_before, NOVELTY_K):
        return cached
    if papers_before == 0:
        return None
    ids = library.store.arxiv_ids(before)
    sample = [ids[r] for r in calibration_rows(len(ids), CALIBRATION_SAMPLE)]
    linked = library.store.linked_vectors(embedder.key, PaperFilter(ids=tuple(sample)))
    firsts = {a: p.date for a, p in library.store.get_papers(linked.arxiv_ids).items()}
    same_day = {day: set(library.store.arxiv_ids(PaperFilter(since=day, until=day)))
                for day in {d for d in firsts.values() if d is not None}}
    # one search for the whole sample; each paper's own day is dropped from its hits after
    found = library.index(embedder).search(linked.matrix, NOVELTY_K + SAME_DAY_MARGIN, before,
                                           exclude=[{a} for a in linked.arxiv_ids])
    measured = closeness([[s for i, s in hits if i not in same_day.get(firsts[a], ())][:NOVELTY_K]
                          for a, hits in zip(linked.arxiv_ids, found)])
    pairs = sorted((float(v), a) for v, a in zip(measured, linked.arxiv_ids) if not np.isnan(v))
    calibration = Calibration(cutoff.isoformat(), papers_before, NOVELTY_K, tuple(v for v, _ in pairs),
                              tuple(a for _, a in pairs))
    if not library.read_only and (cached is None or papers_before >= cached.papers):
        with library.store.write():
            library.store.set_meta(key, calibration.to_json())
    return calibration


def _novelty_key(model: str) -> str:
    return f"novelty-calibration:{model}"
