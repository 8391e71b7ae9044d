"""`semdigest library copy SRC DST`: a library from one store to another (SQLite <-> PostgreSQL).

All or nothing: DST must be empty, everything is written in one transaction of DST, and before
it commits the papers, their digest dates and every model's vectors are counted and
checksummed on both sides; any difference rolls the copy back. Interests are copied too; the
topics tracked across days are not (run `semdigest day` on the target to track its days).
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from dataclasses import replace

import numpy as np

from ..embedding.models import get_model
from ..errors import LibraryError
from ..library import Library, text_hash
from ..plural import plural
from ..records import ModelKey
from ..store import PaperFilter, PaperStore
from ..terms import paper_text, term_counts
from ._common import note

_BATCH = 2000  # papers per round trip
_TERM_FLUSH = 200_000  # papers whose term counts are added to DST at once


def register_into(library_parser) -> None:
    """Add `copy SRC DST` to the `library` command (whose other actions live in admin.py)."""
    for action in library_parser._actions:
        if action.dest == "action":
            action.choices = [*action.choices, "copy"]
            action.help = "check: integrity; copy SRC DST: copy a library to an empty one (all or nothing)"
    library_parser.add_argument("src", nargs="?", metavar="SRC", help="copy: the library to read (path or URL)")
    library_parser.add_argument("dst", nargs="?", metavar="DST", help="copy: an empty library to fill (path or URL)")
    library_parser.epilog += "\n  semdigest library copy my.sqlite 'postgresql://lab@db/papers?schema=lab'"
    check = library_parser.get_default("run")
    library_parser.set_defaults(run=lambda args: run_copy(args) if args.action == "copy" else check(args))


def run_copy(args) -> int:
    if not args.src or not args.dst:
        raise LibraryError("library copy needs SRC and DST: semdigest library copy SRC DST")
    with Library.open(args.src, create=False) as source, Library.open(args.dst) as target:
        counts, digest = copy_library(source.store, target.store)
        vectors = sum(v for k, v in counts.items() if k.startswith("vectors"))
        note(f"copied {plural(counts['papers'], 'paper')}, {plural(counts['appearances'], 'digest date')} and "
             f"{plural(vectors, 'vector')} from {source.store.location} "
             f"to {target.store.location}; checksum {digest[:16]} equal on both sides")
    return 0


def copy_library(source: PaperStore, target: PaperStore) -> tuple[dict[str, int], str]:
    """Copy every paper, digest date, linked vector and interest; returns the counts and the checksum."""
    if target.count_papers() or target.models():
        raise LibraryError(f"{target.location} already holds {plural(target.count_papers(), 'paper')}; copy into an empty "
                           "library (a new file, or a new ?schema=NAME)")
    models = list(source.models())
    total = source.count_papers()
    bar = _progress(total)
    with target.write():
        with target.bulk_load():  # PostgreSQL: each model's HNSW index built once, after its vectors
            ids = source.arxiv_ids(PaperFilter())
            terms = _TermCounts(target)
            for start in range(0, len(ids), _BATCH):
                batch = ids[start:start + _BATCH]
                rows = list(source.iter_papers(PaperFilter(ids=tuple(batch))))
                _copy_papers(target, rows, terms)
                for model in models:
                    _copy_vectors(source, target, model, batch, {p.arxiv_id: p for p, _ in rows})
                bar.update(len(batch))
            terms.flush()
            bar.close()
            if models:
                note(f"building the vector index of {plural(len(models), 'model')} in {target.location}")
        for name in source.interest_names():
            target.save_interest(source.get_interest(name))
        for model in models:
            _copy_map(source, target, model)
            index = target.vector_index(model, get_model(ModelKey.parse(model).name).dimension)
            if index.needs_folding():
                index.rebuild(extend=True)
        want, got = summary(source, models), summary(target, models)
        if want != got:
            raise LibraryError(f"the copy in {target.location} differs from {source.location} ({got[0]} against "
                               f"{want[0]}); nothing was written")
    return want


def _copy_papers(target: PaperStore, rows, terms: _TermCounts) -> None:
    """Each paper as first seen, then once per later digest date: the stored row and every date."""
    first = [paper for paper, _ in rows]
    target.upsert_papers([paper for paper, dates in rows if dates or not paper.date])
    # only a backfill brought these (a dated paper without a digest date): no appearance either
    target.upsert_papers([paper for paper, dates in rows if not dates and paper.date], backfill=True)
    later = [replace(paper, date=_date(d)) for paper, dates in rows for d in dates
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


def _copy_vectors(source: PaperStore, target: PaperStore, model: str, ids: list[str], papers: dict) -> None:
    linked = source.linked_vectors(model, PaperFilter(ids=tuple(ids)))
    if not linked.arxiv_ids:
        return
    spec = get_model(ModelKey.parse(model).name)
    hashes = [text_hash(spec.document_text(papers[i])) for i in linked.arxiv_ids]
    vector_ids = target.put_vectors(model, "copied", dict(zip(hashes, linked.matrix)))
    target.link(model, {i: vector_ids[h] for i, h in zip(linked.arxiv_ids, hashes)})


def _copy_map(source: PaperStore, target: PaperStore, model: str) -> None:
    """The reference map and every stored position, so the copy draws every day where the source
    did; a position placed from a vector that is no longer the paper's is left to be placed again."""
    from ..library.placement import _reference_key

    info = source.get_meta(_reference_key(model))
    if info is None:
        return
    points = source.map_points(model)
    current = source.linked_vectors(model, PaperFilter(ids=tuple(p[0] for p in points)))
    current = dict(zip(current.arxiv_ids, current.vector_ids))
    kept = [p for p in points if current.get(p[0]) == p[1]]
    now = target.linked_vectors(model, PaperFilter(ids=tuple(p[0] for p in kept)))
    now = dict(zip(now.arxiv_ids, now.vector_ids))
    target.put_map_points(model, [(a, now[a], x, y, anchor) for a, _, x, y, anchor in kept])
    target.set_meta(_reference_key(model), info)


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


def _date(text: str):
    import datetime as dt

    return dt.date.fromisoformat(text) if text else None


def _progress(total: int):
    from tqdm import tqdm

    return tqdm(total=total, desc="Copying", unit="paper", disable=not sys.stderr.isatty(), leave=False)
