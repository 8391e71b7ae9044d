"""Library methods for maps that stay put and for novelty (issue 15): the reference map's
coordinates and each paper's novelty, kept in the store. The analysis is in maps/reference.py
and novelty.py; this only loads, wires and stores."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping

import numpy as np

from ..errors import LibraryError
from ..maps.reference import MIN_REFERENCE_SIZE, REFERENCE_SIZE, fit_reference, place, reference_sample
from ..novelty import (CALIBRATION_SAMPLE, NOVELTY_K, SAME_DAY_MARGIN, Calibration, calibration_rows,
                       closeness)
from ..records import as_date
from ..store import PaperFilter

# While the reference was fitted on fewer papers than this, it is refitted whenever the library
# has doubled since (a young library's first days make a poor map); from then on only on request.
SETTLED_REFERENCE = 5_000
_DAY = dt.timedelta(days=1)


class PlacementMixin:
    """``Library``'s reference map and novelty; see the README, "Across days"."""

    # -- the reference map ------------------------------------------------------------------

    def reference(self, model=None) -> dict | None:
        """What the model's reference map was fitted on (papers, library size, seed, date), or None."""
        value = self.store.get_meta(reference_key(self.embedder(model).key))
        return json.loads(value) if value else None

    def rebuild_reference(self, model=None, size: int = REFERENCE_SIZE, seed: int = 42) -> dict:
        """Fit the reference map afresh on (a seeded sample of) the library's papers and forget
        every placed position: every map drawn from now on uses the new reference."""
        if size < MIN_REFERENCE_SIZE:
            raise LibraryError(f"size={size}: fit the reference on at least {MIN_REFERENCE_SIZE} papers "
                               "(a smaller library is fitted whole)")
        embedder = self.embedder(model)
        ids = self.store.arxiv_ids(PaperFilter())
        chosen = [ids[i] for i in reference_sample(ids, size, seed)]
        linked = self.store.linked_vectors(embedder.key, PaperFilter(ids=tuple(chosen)))
        if len(linked.arxiv_ids) < 2:
            raise LibraryError(f"the library {self.store.location} has {len(linked.arxiv_ids)} embedded papers; "
                               "a map needs at least two: ingest a digest first")
        coords = fit_reference(linked.matrix, linked.arxiv_ids, random_state=seed)
        info = {"papers": len(linked.arxiv_ids), "library_papers": len(ids), "seed": seed,
                "built": dt.date.today().isoformat(), "version": (self.reference(embedder) or {}).get("version", 0) + 1}
        with self.store.write():
            self.store.clear_map_points(embedder.key)
            self.store.put_map_points(embedder.key, [(a, v, x, y, True) for a, v, (x, y)
                                                     in zip(linked.arxiv_ids, linked.vector_ids, coords)])
            self.store.set_meta(reference_key(embedder.key), json.dumps(info))
        return info

    def _current_reference(self, embedder) -> dict:
        info = self.reference(embedder)
        outgrown = info is not None and info["papers"] < SETTLED_REFERENCE and \
            self.store.count_papers() >= 2 * info["library_papers"]
        if info is not None and not outgrown:
            return info
        if _read_only(self.store):
            if info is not None:
                return info
            raise LibraryError(f"the library {self.store.location} has no reference map and is read-only here; "
                               "draw a library map once where it can be written")
        return self.rebuild_reference(embedder, seed=(info or {}).get("seed", 42))

    def map_coordinates(self, ids: Iterable[str], model=None):
        """Positions of papers on the library's reference map: a DataFrame (arxiv_id, x, y, anchor),
        in arXiv-id order. A paper without one is placed now and its position stored, so it is
        the same every time it is drawn. The reference is fitted the first time it is needed."""
        import pandas as pd

        embedder = self.embedder(model)
        self._current_reference(embedder)
        linked = self.store.linked_vectors(embedder.key, PaperFilter(ids=ids))
        stored = {p[0]: p for p in self.store.map_points(embedder.key, linked.arxiv_ids)}
        missing = [i for i, (a, v) in enumerate(zip(linked.arxiv_ids, linked.vector_ids))
                   if a not in stored or (not stored[a][4] and stored[a][1] != v)]  # text changed: re-place
        if missing:
            anchors = self.store.map_points(embedder.key, anchors_only=True)
            vectors = self.store.vectors_by_id(embedder.key, [p[1] for p in anchors])
            coords = place(linked.matrix[missing], vectors, np.array([(p[2], p[3]) for p in anchors]))
            placed = [(linked.arxiv_ids[i], int(linked.vector_ids[i]), x, y, False)
                      for i, (x, y) in zip(missing, coords)]
            if not _read_only(self.store):
                with self.store.write():
                    self.store.put_map_points(embedder.key, placed)
            stored.update((p[0], p) for p in placed)
        rows = [stored[a] for a in linked.arxiv_ids]
        return pd.DataFrame({"arxiv_id": [r[0] for r in rows], "x": [r[2] for r in rows],
                             "y": [r[3] for r in rows], "anchor": [r[4] for r in rows]})

    # -- novelty ----------------------------------------------------------------------------

    def novelty(self, date: dt.date, model=None, earlier: Mapping | None = None):
        """How unlike the library each paper of that day's digest is: a DataFrame (arxiv_id, title,
        novelty, closeness, nearest_id, nearest_title, nearest_score), most novel first.

        ``novelty`` is a percentile of the library's own papers (0.99: further from the papers
        before it than 99% of the library's papers are from theirs); ``closeness`` the mean cosine
        to its NOVELTY_K nearest papers first seen before it. ``earlier`` takes `seen_before`'s
        result for the day (at least NOVELTY_K hits each) so the day is not searched twice."""
        import pandas as pd

        embedder = self.embedder(model)
        date = as_date(date, "date", required=True)
        ids, matrix = self.vectors(embedder, ids=self.store.arxiv_ids(PaperFilter(date=date)))
        papers = self.store.get_papers(ids)
        nearest: dict[str, list[tuple[str, float]]] = {}
        by_day: dict[dt.date, list[int]] = {}
        for row, arxiv_id in enumerate(ids):
            first = papers[arxiv_id].date
            if first == date and earlier is not None:
                nearest[arxiv_id] = [(h.arxiv_id, h.score) for h in earlier.get(arxiv_id, [])][:NOVELTY_K]
            elif first is not None:  # re-published: judged as of the day it was first seen
                by_day.setdefault(first, []).append(row)
        for first, rows in sorted(by_day.items()):
            nearest.update(zip([ids[r] for r in rows], self._earlier(embedder, matrix[rows], [ids[r] for r in rows],
                                                                     first, NOVELTY_K)))
        values = closeness([[s for _, s in nearest.get(i, [])] for i in ids])
        novelty = np.full(len(ids), np.nan)
        for first in sorted({papers[i].date for i in ids if papers[i].date is not None}):
            calibration = self._calibration(embedder, first)
            rows = [r for r, i in enumerate(ids) if papers[i].date == first]
            if calibration is not None and rows:
                novelty[rows] = calibration.novelty(values[rows])
        best = [nearest[i][0] if nearest.get(i) else (None, np.nan) for i in ids]
        titles = self.store.get_papers([b for b, _ in best if b])
        frame = pd.DataFrame({
            "arxiv_id": ids, "title": [papers[i].title for i in ids], "novelty": novelty, "closeness": values,
            "nearest_id": [b for b, _ in best], "nearest_title": [titles[b].title if b else None for b, _ in best],
            "nearest_score": [s for _, s in best]})
        return frame.sort_values(["novelty", "arxiv_id"], ascending=[False, True], na_position="last",
                                 ignore_index=True)

    def _earlier(self, embedder, matrix: np.ndarray, ids: list[str], first: dt.date, k: int
                 ) -> list[list[tuple[str, float]]]:
        """Each row's k nearest papers first seen before ``first``."""
        where = PaperFilter(until=first - _DAY)
        if len(ids) == 0 or self.store.count_papers(where, at_most=1) == 0:
            return [[] for _ in ids]
        return self.index(embedder).search(matrix, k, where, exclude=[{i} for i in ids])

    def _calibration(self, embedder, cutoff: dt.date) -> Calibration | None:
        """The closeness of a sample of the papers first seen before ``cutoff`` to the rest of them
        (their own day's papers left out), cached in the store and used while the library before
        the day stays within REFRESH_GROWTH of the one it was drawn from."""
        key = _novelty_key(embedder.key)
        before = PaperFilter(until=cutoff - _DAY)
        papers_before = self.store.count_papers(before)
        cached = self.store.get_meta(key)
        cached = Calibration.from_json(cached) if cached else None
        if cached is not None and cached.fresh_for(papers_before, NOVELTY_K):
            return cached
        if papers_before == 0:
            return None
        ids = self.store.arxiv_ids(before)
        sample = [ids[r] for r in calibration_rows(len(ids), CALIBRATION_SAMPLE)]
        linked = self.store.linked_vectors(embedder.key, PaperFilter(ids=tuple(sample)))
        firsts = {a: p.date for a, p in self.store.get_papers(linked.arxiv_ids).items()}
        same_day = {day: set(self.store.arxiv_ids(PaperFilter(since=day, until=day)))
                    for day in {d for d in firsts.values() if d is not None}}
        # one search for the whole sample; each paper's own day is dropped from its hits after
        found = self.index(embedder).search(linked.matrix, NOVELTY_K + SAME_DAY_MARGIN, before,
                                            exclude=[{a} for a in linked.arxiv_ids])
        values = [v for v in closeness([[s for i, s in hits if i not in same_day.get(firsts[a], ())][:NOVELTY_K]
                                        for a, hits in zip(linked.arxiv_ids, found)]) if not np.isnan(v)]
        calibration = Calibration(cutoff.isoformat(), papers_before, NOVELTY_K, tuple(sorted(values)))
        if not _read_only(self.store) and (cached is None or papers_before >= cached.papers):
            with self.store.write():
                self.store.set_meta(key, calibration.to_json())
        return calibration


def reference_key(model: str) -> str:
    return f"reference-map:{model}"


def _novelty_key(model: str) -> str:
    return f"novelty-calibration:{model}"


def _read_only(store) -> bool:
    return bool(getattr(store, "read_only", False))
