"""The vector index of one model of a file library: two segments kept in step with the store.

- the *main* segment: an HNSW file beside the library holding every vector of the model up to
  an id (``covers``), written only when it is built or extended;
- the *tail*: the store's vectors with larger ids, searched exactly.

Ingest adds vectors to the store only, so the tail grows and nothing is rewritten; when the
tail passes ``tail_limit`` vectors it is folded into the main segment (inside the ingest's
transaction: if saving fails, the ingest rolls back). Small libraries are all tail: exact.

Every candidate the main segment returns is mapped to the papers whose *current* vector it is
(a paper whose text changed points at a newer vector; its old one is skipped) and rescored
exactly with the store's float32 vector, so scores equal exact search's. A filter that keeps
few papers is searched exactly over those papers alone; a broad one over-fetches.

The main segment's state (file, covers, size, checksums) lives in the store's meta table, so it
changes in the same transaction as the vectors. A fold writes a new file under a new name and
removes the old one only after the commit, so a crash at any moment leaves a committed state whose
file exists. On open the file is checked against that state and the store: present, its size,
its checksum (the whole file when it was modified since it was written, else its first and last
64 KiB; `library check` always reads it whole), dimension and a sample of vectors. A usearch file
damaged inside can crash the process that searches it, so it is never opened before its checksum
matches. A missing, damaged or stale file is rebuilt from the store, where the library can be
written (a query says so on stderr), or is an error of one line that says how to rebuild it:
never a crash or a silently wrong answer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import secrets
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..errors import LibraryError
from ..records import ModelKey
from ..store.base import PaperFilter
from .base import Hits, VectorSource, as_queries, best
from .exact import ExactIndex, exact_hits, shaped
from .hnsw import HNSWIndex

TAIL_LIMIT = 20_000     # exact search over 20k vectors: ~3 ms; beyond it the tail joins the HNSW file
EXACT_LIMIT = 20_000    # a filter keeping at most this many papers is searched exactly
_OVERFETCH = 3          # candidates per wanted hit from the HNSW graph, before filtering
_SPOT_CHECKS = 4        # vectors compared with the store when the main segment is opened
_ENDS = 64 * 1024       # bytes at each end of the file that every open compares with their checksum
_log = logging.getLogger("semdigest")
_UNVERIFIABLE = "without a checksum (written by semdigest before checksums were kept), so it cannot be verified"


@dataclass(frozen=True)
class MainState:
    file: str
    covers: int   # largest vector id in the file
    size: int     # vectors in the file
    ndim: int
    bytes: int
    # recorded when the file was written; None in a state written before checksums were kept
    sha256: str | None = None       # of the whole file
    sha256_ends: str | None = None  # of its first and last _ENDS bytes
    mtime_ns: int | None = None     # a file modified since then is read whole on open

    def __str__(self) -> str:
        return f"{self.size} vectors (ids up to {self.covers}, dimension {self.ndim}) in {self.file}, {self.bytes} bytes"


class SegmentedIndex:
    """Search papers of ``store`` by vectors of ``model``; see the module docstring."""

    def __init__(self, store: VectorSource, model: str, ndim: int, folder: Path | None = None,
                 tail_limit: int = TAIL_LIMIT, exact_limit: int = EXACT_LIMIT, progress: bool | None = None):
        self.store, self.model, self.ndim = store, model, int(ndim)
        self.progress = sys.stderr.isatty() if progress is None else progress
        self.folder = Path(folder or store.index_folder)
        self.tail_limit, self.exact_limit = tail_limit, exact_limit
        self._main: HNSWIndex | None = None
        self._main_state: MainState | None = None
        self._tail: tuple[object, list[str], ExactIndex] | None = None

    # -- state ------------------------------------------------------------------------------

    @property
    def _meta_key(self) -> str:
        return f"index:{self.model}"

    def state(self) -> MainState | None:
        value = self.store.get_meta(self._meta_key)
        return MainState(**json.loads(value)) if value else None

    def main(self, repaired: bool = False) -> tuple[HNSWIndex | None, int]:
        """The main segment, checked against the store, and the largest vector id it covers; a
        missing, damaged or stale file is rebuilt first (see the module docstring)."""
        state = self.state()
        if state is None:
            return None, 0
        if state != self._main_state:
            index, problem = self._opened(state)
            if problem:
                if repaired:  # rebuilt, and still wrong: nothing more to try here
                    raise self._error(state, problem)
                self._repair(state, problem)
                return self.main(repaired=True)
            self._main, self._main_state = index, state
        return self._main, state.covers

    def _opened(self, state: MainState, whole: bool = False) -> tuple[HNSWIndex | None, str | None]:
        """(the main segment's file opened, None), or (None, what is wrong with it)."""
        path = self.folder / state.file
        if whole and state.sha256 is None:
            return None, _UNVERIFIABLE
        try:
            size, modified = path.stat().st_size, path.stat().st_mtime_ns
            if size != state.bytes:
                return None, f"{size} bytes where {state.bytes} were written (truncated or replaced)"
            if state.sha256 is not None:
                whole = whole or modified != state.mtime_ns
                if (_sha256(path) != state.sha256) if whole else (_sha256_ends(path) != state.sha256_ends):
                    return None, "damaged (its checksum differs from the one recorded when it was written)"
        except FileNotFoundError:
            return None, "missing (deleted?)"
        except OSError as error:
            return None, f"unreadable ({error.strerror or error})"
        try:
            index = HNSWIndex.open(path)
        except Exception as error:  # usearch reports a damaged file with several types
            return None, f"unreadable ({error})"
        problem = self._disagreement(index, state)
        return (None, problem) if problem else (index, None)

    def _error(self, state: MainState, problem: str, why: str = "") -> LibraryError:
        return LibraryError(
            f"the vector index {self.folder / state.file} of model {self.model} is {problem}{why}; rebuild it from "
            f"the library with `semdigest index rebuild --library {self.store.location}`")

    def _repair(self, state: MainState, problem: str) -> None:
        """Rebuild the main segment for a reader, in a write of its own; where the library cannot be
        written, a LibraryError that says how to rebuild it."""
        if self.store.read_only:
            raise self._error(state, problem, "; this library is read-only here, so it was not rebuilt")
        _log.warning("semdigest: the vector index %s of model %s is %s; rebuilding it from the library",
                     self.folder / state.file, self.model, problem)
        with self.store.write():
            if self.state() == state:  # else another process has rebuilt or folded it meanwhile
                self.rebuild(extend=False)

    def _disagreement(self, index: HNSWIndex, state: MainState) -> str | None:
        if index.ndim != state.ndim or index.ndim != self.ndim:
            return f"of dimension {index.ndim}, the model's is {self.ndim} (another model's index?)"
        if len(index) != state.size:
            return f"holding {len(index)} vectors where {state.size} were written"
        if self.store.vector_id_range(self.model, after=state.covers - 1)[0] == 0:  # no vector as new as the file's
            return "newer than the library (was the library file restored from a backup?)"
        sample = np.unique(np.linspace(1, state.covers, _SPOT_CHECKS).astype(np.int64))
        stored = {int(k): v for k in sample if (v := self._stored(int(k))) is not None}  # other models' ids skipped
        if stored and not np.allclose(index.get(np.array(list(stored))), np.vstack(list(stored.values())),
                                      atol=2e-3):  # half precision in the file
            return "holding other vectors than the library's (another library's or model's index?)"
        return None

    def _stored(self, vector_id: int) -> np.ndarray | None:
        try:
            return self.store.vectors_by_id(self.model, [vector_id])[0]
        except KeyError:
            return None

    def tail(self) -> tuple[list[str], ExactIndex]:
        """The papers whose vector is newer than the main segment, cached until the store changes."""
        version = self.store.data_version()
        if self._tail is None or self._tail[0] != version:
            covers = self.main()[1]
            linked = self.store.linked_vectors(self.model, min_vector_id=covers)
            tail = ExactIndex(np.arange(len(linked.arxiv_ids)), shaped(linked.matrix, self.ndim))
            self._tail = (version, linked.arxiv_ids, tail)
        return self._tail[1], self._tail[2]

    # -- search -----------------------------------------------------------------------------

    def search(self, queries: np.ndarray, k: int, where: PaperFilter = PaperFilter(),
               exclude: list[set[str]] | None = None) -> Hits:
        """For each query, up to k (arXiv id, cosine) of papers passing ``where``, best first,
        never one in ``exclude[i]``; equal scores in arXiv-id order."""
        queries, exclude = as_queries(queries, exclude)
        passing = self.store.count_papers(where) if where else None
        if where and passing <= self.exact_limit:
            linked = self.store.linked_vectors(self.model, where)
            return exact_hits(linked.arxiv_ids, shaped(linked.matrix, self.ndim), queries, k, exclude)
        if where:  # a broad filter: the tail's papers that pass it, straight from the store
            linked = self.store.linked_vectors(self.model, where, min_vector_id=self.main()[1])
            found = exact_hits(linked.arxiv_ids, shaped(linked.matrix, self.ndim), queries, k, exclude)
        else:
            tail_ids, tail = self.tail()
            found = exact_hits(tail_ids, tail.matrix, queries, k, exclude)
        main, _ = self.main()
        if main is not None:
            share = 1.0 if not where else max(passing / max(len(main), 1), 1e-6)
            for q, hits in enumerate(self._from_main(main, queries, k, where, exclude, share)):
                found[q] = best(found[q] + hits, k)  # a paper's current vector is in one segment only
        return found

    def _from_main(self, main: HNSWIndex, queries: np.ndarray, k: int, where: PaperFilter,
                   exclude: list[set[str]], share: float) -> Hits:
        """The k best of the main segment for every query, all queries at once: one graph search
        and one store lookup per round (a day's 500 queries cost a few store round trips)."""
        fetch = [math.ceil((k + len(e)) * _OVERFETCH / share) for e in exclude]
        candidates: list[list[tuple[str, int]]] = [[] for _ in queries]
        pending = list(range(len(queries)))
        while pending:
            width = min(max(fetch[q] for q in pending), len(main))
            keys = main.search(queries[pending], width)
            papers = self.store.papers_of_vectors(self.model, np.unique(np.concatenate(keys)), where)
            still = []
            for q, row in zip(pending, keys):
                hits = [(arxiv_id, int(key)) for key in row for arxiv_id in papers.get(int(key), ())
                        if arxiv_id not in exclude[q]]
                if len(hits) >= k or width >= len(main):
                    candidates[q] = hits
                else:  # stale vectors or a filter rejected too many: look further
                    fetch[q] = width * 4
                    still.append(q)
            pending = still
        wanted = sorted({key for hits in candidates for _, key in hits})
        if not wanted:
            return [[] for _ in queries]
        row_of = {key: row for row, key in enumerate(wanted)}
        vectors = self.store.vectors_by_id(self.model, wanted)
        return [best([(arxiv_id, float(vectors[row_of[key]] @ query)) for arxiv_id, key in hits], k)
                for query, hits in zip(queries, candidates)]

    # -- building ---------------------------------------------------------------------------

    def check(self) -> None:
        """The main segment against the store, its file read whole; a LibraryError that says how
        to rebuild it if anything differs."""
        state = self.state()
        if state is not None:
            problem = self._opened(state, whole=True)[1]
            if problem:
                raise self._error(state, problem, "; an ingest rebuilds it too")

    def needs_folding(self) -> bool:
        state = self.state()  # the main segment holds every vector of the model up to state.covers
        beyond, _ = self.store.vector_id_range(self.model, after=state.covers if state else 0)
        return beyond > self.tail_limit

    def add(self) -> None:
        """Inside the store's write (an ingest): rebuild a main segment that is missing, damaged or
        stale, and fold a tail grown past ``tail_limit`` into it."""
        state = self.state()
        if state is not None:
            problem = _UNVERIFIABLE if state.sha256 is None else None
            if problem is None and state != self._main_state:
                index, problem = self._opened(state)
                if not problem:
                    self._main, self._main_state = index, state
            if problem:
                _log.warning("semdigest: the vector index %s of model %s is %s; rebuilding it from the library",
                             self.folder / state.file, self.model, problem)
                self.rebuild(extend=False)
                return
        if self.needs_folding():
            self.rebuild(extend=True)

    def rebuild(self, extend: bool = True) -> MainState:
        """Fold the tail into the main segment (``extend``) or build it afresh from every vector of
        the model; call inside the store's write transaction, which records the new state. The new
        file gets a name of its own; the one it replaces is removed once the transaction commits."""
        state = self.state()
        if extend and state is not None and self._opened(state, whole=True)[1]:
            extend = False  # never load a damaged file: build afresh
        count, largest = self.store.vector_id_range(self.model)
        start = 0
        if extend and state is not None:
            main = HNSWIndex.open(self.folder / state.file, view=False)
            start = state.covers
        else:
            main = HNSWIndex.build(self.ndim, [])
        bar = _progress(count - (state.size if extend and state else 0), f"Indexing {self.model}", self.progress)
        for keys, matrix in self._batches(start, largest):
            main.add(keys, matrix)
            bar.update(len(keys))
        bar.close()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._sweep(keep=state.file if state else None)
        path = self.folder / f"{_slug(self.model)}-{largest}-{secrets.token_hex(4)}.usearch"
        self.store.after_rollback(lambda: path.unlink(missing_ok=True))
        try:
            size = main.save(path)
            new = MainState(file=path.name, covers=largest, size=len(main), ndim=self.ndim, bytes=size,
                            sha256=_sha256(path), sha256_ends=_sha256_ends(path), mtime_ns=path.stat().st_mtime_ns)
        except (OSError, RuntimeError) as error:
            raise LibraryError(f"could not save the vector index in {self.folder} ({error}); the library was "
                               "left as it was. Free some disk space and run the command again") from None
        self.store.set_meta(self._meta_key, json.dumps(asdict(new)))
        if state is not None:
            old = self.folder / state.file
            self.store.after_commit(lambda: old.unlink(missing_ok=True))
        self._main, self._main_state, self._tail = None, None, None
        return new

    def _sweep(self, keep: str | None) -> None:
        """Remove this model's files that no committed state names: left by a process killed between
        saving a file and committing it, or between committing and removing the file it replaced.
        Called inside the write lock, so no other writer is between those steps now."""
        prefix = f"{_slug(self.model)}-"
        for path in self.folder.iterdir():
            name = path.name
            ours = (name.startswith(prefix) and name.endswith(".usearch")) or \
                (name.startswith(f".{prefix}") and name.endswith(".partial"))
            if ours and name != keep:
                path.unlink(missing_ok=True)

    def _batches(self, start: int, largest: int):
        for keys, matrix in self.store.iter_vectors(self.model, largest):
            keep = keys > start
            if keep.any():
                yield keys[keep], matrix[keep]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_ends(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(_ENDS)
        handle.seek(max(handle.seek(0, 2) - _ENDS, 0))
        return hashlib.sha256(head + handle.read(_ENDS)).hexdigest()


def _slug(model: str) -> str:
    return f"{ModelKey.parse(model).name}-{hashlib.sha256(model.encode()).hexdigest()[:10]}"


def _progress(total: int, description: str, shown: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=description, unit="vector", disable=not shown, leave=False)
