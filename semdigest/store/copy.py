"""A library from one store to another (SQLite <-> PostgreSQL), all or nothing, and the checksum
that proves it.

DST must be empty; everything is written in one transaction of DST, and before it commits the
papers, their digest dates and every model's vectors are counted and checksummed on both sides;
any difference rolls the copy back. Interests and reference maps are copied too; the topics
tracked across days are not (`semdigest day` on the target tracks its days).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from ..errors import LibraryError
from ..plural import plural
from ..terms import paper_text, term_counts
from .base import PaperFilter, PaperStore

_BATCH = 2000  # papers per round trip
_TERM_FLUSH = 200_000  # papers whose term counts are added to DST at once


def copy_library(source: PaperStore, target: PaperStore, index_ready: Callable[[str], None] = lambda model: None,
                 map_key: Callable[[str], str] | None = None) -> tuple[dict[str, int], str]:
    """Copy every paper, digest date, linked vector (under its text hash) and interest, and each
    model's reference map (its meta entry ``map_key(model)`` and positions). ``index_ready(model)``,
    called inside the transaction once the model's vectors are all in, builds its index. Returns
    the counts and the checksum."""
    if target.count_papers() or target.models():
        raise LibraryError(f"{target.location} already holds {plural(target.count_papers(), 'paper')}; copy into an "
                           "empty library (a new file, or a new ?schema=NAME)")
    models = list(source.models())
    bar = _progress(source.count_papers())
    with target.write():
        with target.bulk_load():
            ids = source.arxiv_ids(PaperFilter())
            terms = _TermCounts(target)
            for start in range(0, len(ids), _BATCH):
                batch = ids[start:start + _BATCH]
                rows = list(source.iter_papers(PaperFilter(ids=tuple(batch))))
                _copy_papers(target, rows, terms)
                for model in models:
                    _copy_vectors(source, target, model, batch)
                bar.update(len(batch))
            terms.flush()
            bar.close()
        for name in source.interest_names():
            target.save_interest(source.get_interest(name))
        for model in models:
            if map_key is not None:
                _copy_map(source, target, model, map_key(model))
            index_ready(model)
        want, got = summary(source, models), summary(target, models)
        if want != got:
            raise LibraryError(f"the copy in {target.location} differs from {source.location} ({got[0]} against "
                               f"{want[0]}); nothing was written")
    return want


def summary(store: PaperStore, models: list[str]) -> tuple[dict[str, int], str]:
    """Counts and a SHA-256 over every paper, its digest dates and its vectors, in arXiv-id order."""
    digest = hashlib.sha256()
    counts = Counter()
    ids = store.arxiv_ids(PaperFilter())
    for start in range(0, len(ids), _BATCH):
        batch = PaperFilter(ids=tuple(ids[start:start + _BATCH]))
        for paper, dates in store.iter_papers(batch):
            digest.update(repr((sorted(paper.as_dict().items()), paper.date, dates)).encode())
            counts["papers"] += 1
            counts["appearances"] += len(dates)
        for model in models:
            linked = store.linked_vectors(model, batch)
            digest.update(model.encode() + "\n".join(linked.arxiv_ids).encode())
            digest.update(np.ascontiguousarray(linked.matrix, dtype="<f4").tobytes())
            counts[f"vectors {model}"] += len(linked.arxiv_ids)
    return dict(counts), digest.hexdigest()


def _copy_papers(target: PaperStore, rows, terms: _TermCounts) -> None:
    """Each paper as first seen, then once per later digest date: the stored row and every date."""
    first = [paper for paper, _ in rows]
    target.upsert_papers([paper for paper, dates in rows if dates or not paper.date])
    # a dated paper without a digest date only a backfill brought: no appearance in the copy either
    target.upsert_papers([paper for paper, dates in rows if not dates and paper.date], backfill=True)
    later = [replace(paper, date=dt.date.fromisoformat(d) if d else None) for paper, dates in rows for d in dates
             if not paper.date or d != paper.date.isoformat()]
    if later:
        target.upsert_papers(later)
    for paper in first:
        terms.delta.update(term_counts(paper_text(paper.title, paper.abstract)).keys())
    terms.documents += len(first)
    if terms.documents >= _TERM_FLUSH:
        terms.flush()


class _TermCounts:
    """Document frequencies gathered over many batches: PostgreSQL updating each term's row once
    per batch inside one transaction keeps every old version (a 20k-paper copy spent a third of
    its time there); flushed every _TERM_FLUSH papers to bound memory."""

    def __init__(self, target: PaperStore):
        self.target, self.delta, self.documents = target, Counter(), 0

    def flush(self) -> None:
        if self.documents:
            self.target.add_term_counts(self.delta, self.documents)
        self.delta, self.documents = Counter(), 0


def _copy_vectors(source: PaperStore, target: PaperStore, model: str, ids: list[str]) -> None:
    linked = source.linked_vectors(model, PaperFilter(ids=tuple(ids)))
    if not linked.arxiv_ids:
        return
    of_vector = source.vector_hashes(model, linked.vector_ids)
    hashes = [of_vector[int(v)] for v in linked.vector_ids]
    vector_ids = target.put_vectors(model, "copied", dict(zip(hashes, linked.matrix)))
    target.link(model, {i: vector_ids[h] for i, h in zip(linked.arxiv_ids, hashes)})


def _copy_map(source: PaperStore, target: PaperStore, model: str, key: str) -> None:
    """The reference map and every stored position, so the copy draws every day where the source
    did; a position placed from a vector that is no longer the paper's is left to be placed again."""
    info = source.get_meta(key)
    if info is None:
        return
    points = source.map_points(model)
    current = source.linked_vectors(model, PaperFilter(ids=tuple(p[0] for p in points)))
    current = dict(zip(current.arxiv_ids, current.vector_ids))
    kept = [p for p in points if current.get(p[0]) == p[1]]
    now = target.linked_vectors(model, PaperFilter(ids=tuple(p[0] for p in kept)))
    now = dict(zip(now.arxiv_ids, now.vector_ids))
    target.put_map_points(model, [(a, now[a], x, y, anchor) for a, _, x, y, anchor in kept])
    target.set_meta(key, info)


def _progress(total: int):
    from tqdm import tqdm

    return tqdm(total=total, desc="Copying", unit="paper", disable=not sys.stderr.isatty(), leave=False)
