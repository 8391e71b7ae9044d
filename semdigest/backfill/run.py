"""The storing half of a backfill: read a source in batches, keep what the filter keeps, and
commit each batch together with the source's checkpoint, in one transaction. Killed at any
moment, the same backfill starts again after the last committed batch: no paper twice, none
missing. Papers merge by arXiv id with the library's (store/merge.py: plan_backfill)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from ..library.ingest import count_terms
from .filters import BackfillFilter
from .sources import Batch, checkpoint_name

REEMBED_KEY = "backfill:reembed"  # papers whose stored text a backfill repaired: their vectors are stale


@dataclass
class Counts:
    """What a backfill of one source did, over all its runs."""

    records: int = 0    # read: papers, bad and deleted records
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    filtered: int = 0   # papers the filter left out
    bad: int = 0        # unreadable records (skipped with file, line and reason)
    deleted: int = 0    # OAI-PMH records marked deleted

    @property
    def skipped(self) -> int:
        return self.filtered + self.bad + self.deleted

    def __iadd__(self, other: "Counts") -> "Counts":
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)
        return self

    def __str__(self) -> str:
        return (f"{self.added:,} added, {self.updated:,} updated, {self.unchanged:,} unchanged, "
                f"{self.skipped:,} skipped ({self.filtered:,} filtered out, {self.bad:,} unreadable"
                + (f", {self.deleted:,} deleted" if self.deleted else "") + f") of {self.records:,} records")


@dataclass
class Checkpoint:
    """A source's place, kept in the library's meta table (key ``name``)."""

    name: str
    source: str
    position: dict = field(default_factory=dict)
    counts: Counts = field(default_factory=Counts)
    done: bool = False

    def to_json(self) -> str:
        return json.dumps({"source": self.source, "position": self.position, "counts": asdict(self.counts),
                           "done": self.done})

    @classmethod
    def load(cls, store, name: str, source: str) -> "Checkpoint":
        text = store.get_meta(name)
        if text is None:
            return cls(name, source)
        kept = json.loads(text)
        return cls(name, kept["source"], kept["position"], Counts(**kept["counts"]), kept["done"])


@dataclass
class SourceResult:
    source: str
    counts: Counts            # totals over every run of this backfill
    resumed_at: int           # records read by earlier runs (0: started afresh)
    already_done: bool        # finished by an earlier run: nothing read now
    warnings: list[str]
    seconds: float

    def __str__(self) -> str:
        if self.already_done:
            return f"{self.source}: already backfilled ({self.counts}); --restart reads it again"
        resumed = f"; resumed after {self.resumed_at:,} records" if self.resumed_at else ""
        return f"{self.source}: {self.counts}{resumed}; {self.seconds:.1f} s"


Progress = Callable[[str, Counts, float | None], None]  # source, counts so far, fraction done (or None)


def store_source(library, source, where: BackfillFilter = BackfillFilter(), restart: bool = False,
                 progress: Progress | None = None, keep_warnings: int = 20) -> SourceResult:
    """Read one source (sources.SnapshotSource or OAISource) into the library, batch by batch."""
    store = library.store
    store.require_writable()
    name = checkpoint_name(source.key, where.as_dict())
    checkpoint = Checkpoint(name, str(source)) if restart else Checkpoint.load(store, name, str(source))
    start, resumed_at, warnings = time.perf_counter(), checkpoint.counts.records, []
    if checkpoint.done and source.same_as(checkpoint.position):
        return SourceResult(str(source), checkpoint.counts, resumed_at, True, [], 0.0)
    if checkpoint.done:  # a new snapshot in the old one's place: read it all, the merge updates
        checkpoint, resumed_at = Checkpoint(name, str(source)), 0
    for batch in source.batches(checkpoint.position or None):
        counts = _store_batch(library, batch, where, checkpoint)
        checkpoint.counts += counts
        warnings.extend(batch.warnings[:max(0, keep_warnings - len(warnings))])
        if progress:
            progress(str(source), checkpoint.counts, batch.fraction)
    return SourceResult(str(source), checkpoint.counts, resumed_at, False, warnings, time.perf_counter() - start)


def _store_batch(library, batch: Batch, where: BackfillFilter, checkpoint: Checkpoint) -> Counts:
    """One transaction: the batch's kept papers, the term counts, and the checkpoint after it."""
    kept = {p.arxiv_id: p for p in batch.papers if where.keeps(p)}  # a later record of an id wins
    store = library.store
    counts = Counts(records=batch.records, filtered=len(batch.papers) - sum(map(where.keeps, batch.papers)),
                    bad=batch.bad, deleted=batch.deleted)
    with store.write():
        plans = store.upsert_papers(list(kept.values()), backfill=True) if kept else []
        count_terms(store, plans)
        repaired = [p.paper.arxiv_id for p in plans if p.old is not None and p.text_changed]
        if repaired:
            stale = json.loads(store.get_meta(REEMBED_KEY) or "[]")
            store.set_meta(REEMBED_KEY, json.dumps(sorted(set(stale) | set(repaired))))
        statuses = [p.status for p in plans]
        counts.added, counts.updated, counts.unchanged = (statuses.count(s) for s in ("new", "updated", "unchanged"))
        counts.unchanged += len(batch.papers) - counts.filtered - len(kept)  # an id twice in one batch
        done = Checkpoint(checkpoint.name, checkpoint.source, batch.position, _plus(checkpoint.counts, counts),
                          batch.done)
        store.set_meta(checkpoint.name, done.to_json())
    checkpoint.position, checkpoint.done = batch.position, batch.done
    return counts


def _plus(a: Counts, b: Counts) -> Counts:
    total = Counts(**asdict(a))
    total += b
    return total


def store_sources(library, sources: Iterable, where: BackfillFilter = BackfillFilter(), restart: bool = False,
                  progress: Progress | None = None) -> list[SourceResult]:
    """Every source in turn (each with its own checkpoint)."""
    return [store_source(library, s, where, restart, progress) for s in sources]
