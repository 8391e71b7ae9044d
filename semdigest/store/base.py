"""What a paper store is: the protocol every backend (SQLite, PostgreSQL) implements.

A store keeps papers, the dates of the digests they appeared in, their categories, one vector
per (model, exact text) with an integer id, the link from each paper to its current vector per
model, and document frequencies of terms (for why-related in O(k)); and what features keep:
interests, topics tracked across days, map positions. One abstract class per concern, and
``PaperStore`` all of them. It knows nothing of embedding models, digests or vector indexes: the
Library hands it records, vectors and counts, and index/ reads it through its own protocol.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..records import Interest, Paper, PaperFilter, StandingTopic, TopicEvent
from .merge import Upsert


@dataclass(frozen=True)
class LinkedVectors:
    """Papers and their vectors of one model, in arXiv-id order."""

    arxiv_ids: list[str]
    vector_ids: np.ndarray   # int64, the index keys
    matrix: np.ndarray       # float32 unit vectors, one row per paper


_UNTRANSLATED = ("write", "damaged", "errors_translated", "q", "any_of", "sql_where")  # or helpers of SQL


def translating_errors(cls):
    """Class decorator of a store: every public method (and every generator one returns) runs
    inside the store's ``errors_translated()``, which turns the backend's errors into a
    LibraryError that says what to do. ``write`` translates inside its own transaction."""
    def wrap(method):
        @functools.wraps(method)
        def translated(self, *args, **kwargs):
            with self.errors_translated():
                result = method(self, *args, **kwargs)
            return _iterate_translating(self, result) if inspect.isgenerator(result) else result
        return translated

    for name, value in list(vars(cls).items()):
        if callable(value) and not name.startswith("_") and name not in _UNTRANSLATED:
            setattr(cls, name, wrap(value))
    return cls


def _iterate_translating(store, rows: Iterator) -> Iterator:
    with store.errors_translated():
        yield from rows


def _run_ignoring_oserrors(actions: list[Callable[[], None]]) -> None:
    for action in actions:
        try:
            action()
        except OSError:
            pass


class StoreLifecycle(ABC):
    """What a store is, its transactions and its meta entries. Writes happen inside
    ``with store.write():`` (one transaction)."""

    location: str  # what to show the user: a path, or a URL with the password masked
    read_only: bool  # the store may only be read here (permissions, a read-only role)
    index_kind: str  # the vector index made for this store (index.open_index picks it by this name)
    index_folder: Path | None = None  # where a file index of this store lives, if it keeps one

    @abstractmethod
    def write(self) -> AbstractContextManager[None]:
        """One all-or-nothing write transaction; waits while another writer holds the lock."""

    @abstractmethod
    def require_writable(self) -> None:
        """A LibraryError saying why, when this store may not be written here: asked before long
        work (embedding) whose result could not be stored."""

    def after_commit(self, action: Callable[[], None]) -> None:
        """Inside ``write()``: run ``action`` once the transaction has committed (removing a file the
        commit made obsolete, which a crash before the commit still needs)."""
        self._after_transaction[0].append(action)

    def after_rollback(self, action: Callable[[], None]) -> None:
        """Inside ``write()``: run ``action`` if the transaction does not commit (removing a file only
        it would have used)."""
        self._after_transaction[1].append(action)

    @contextmanager
    def _finishing(self) -> Iterator[None]:
        """Around a write transaction, its COMMIT included: runs what ``after_commit`` or
        ``after_rollback`` registered. A file left behind by a failed action is harmless (the
        index sweeps such files at its next rebuild), so their OSErrors are ignored."""
        self._after_transaction: tuple[list, list] = ([], [])
        try:
            yield
        except BaseException:
            _run_ignoring_oserrors(self._after_transaction[1])
            raise
        _run_ignoring_oserrors(self._after_transaction[0])

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Inside ``write()``: many rows arrive at once (a copy); a store may refresh its planner's
        statistics at the end. The default does nothing."""
        yield

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def check(self) -> None:
        """The backend's own integrity check; a LibraryError that says how to recover."""

    @abstractmethod
    def data_version(self) -> object:
        """Changes whenever any connection commits: the key for in-memory caches."""

    @abstractmethod
    def get_meta(self, key: str) -> str | None: ...

    @abstractmethod
    def set_meta(self, key: str, value: str) -> None: ...


class PaperRecords(ABC):
    """Papers and the dates of the digests they appeared in."""

    @abstractmethod
    def upsert_papers(self, papers: Iterable[Paper], replace_dates: bool = False,
                      backfill: bool = False) -> list[Upsert]:
        """Apply the shared merge policy (store/merge.py); record every appearance. With
        ``replace_dates``, first drop the appearances the papers replace (a file ingested again
        with its right date). With ``backfill``, the papers are arXiv's metadata, not a digest's:
        merged by merge.plan_backfill, and no appearance is recorded."""

    @abstractmethod
    def get_papers(self, ids: Iterable[str]) -> dict[str, Paper]: ...

    @abstractmethod
    def iter_papers(self, where: PaperFilter = PaperFilter()) -> Iterator[tuple[Paper, list[str]]]:
        """Matching papers in arXiv-id order, each with its digest dates."""

    @abstractmethod
    def paper_listing(self) -> Iterator[tuple[str, dt.date | None, str | None, list[str]]]:
        """(arXiv id, first seen, primary category, digest dates) of every paper, in arXiv-id order:
        what a listing of the whole library needs, without reading each paper's texts."""

    @abstractmethod
    def count_papers(self, where: PaperFilter = PaperFilter(), at_most: int | None = None) -> int:
        """How many papers pass ``where``; with ``at_most``, counting stops there (a cheap
        "any at all?" or "few enough?" on a large library)."""

    @abstractmethod
    def arxiv_ids(self, where: PaperFilter) -> list[str]: ...

    @abstractmethod
    def full_text_search(self, query: str, k: int = 50,
                         where: PaperFilter = PaperFilter()) -> list[tuple[str, float]]:
        """Up to k (arXiv id, score) of matching papers whose title, authors or abstract hold every
        word of ``query`` (else any, when none holds all), best first; ``query`` is what a reader
        types, never search syntax, so no query can fail."""


class VectorRecords(ABC):
    """One vector per (model, exact text) with an integer id, and each paper's current vector per model."""

    @abstractmethod
    def vector_ids_of_hashes(self, model: str, hashes: Iterable[str]) -> dict[str, int]:
        """Ids of the stored vectors of these exact texts (by hash), for those that exist."""

    @abstractmethod
    def vector_hashes(self, model: str, vector_ids: Iterable[int]) -> dict[int, str]:
        """The text hash each of these vectors is stored under."""

    @abstractmethod
    def put_vectors(self, model: str, backend: str, vectors: Mapping[str, np.ndarray]) -> dict[str, int]:
        """Store new vectors keyed by text hash; returns text hash -> vector id."""

    @abstractmethod
    def link(self, model: str, links: Mapping[str, int]) -> None:
        """Point papers (arXiv id -> vector id) at their current vector of ``model``."""

    @abstractmethod
    def unlinked(self, model: str, after: str = "", limit: int | None = None) -> list[str]:
        """Papers with no vector of ``model`` yet, in arXiv-id order; with ``after`` and ``limit``,
        at most ``limit`` of those after that id (one page of a large backlog)."""

    @abstractmethod
    def linked_vectors(self, model: str, where: PaperFilter = PaperFilter(),
                       min_vector_id: int = 0) -> LinkedVectors:
        """Matching papers with a vector of ``model`` (vector id > min_vector_id)."""

    @abstractmethod
    def vectors_by_id(self, model: str, vector_ids: Iterable[int]) -> np.ndarray:
        """The vectors of these ids, in their order; a KeyError for an id that is no vector of ``model``."""

    @abstractmethod
    def retire_vectors(self, model: str, vector_ids: Iterable[int]) -> None:
        """Free these vectors' (model, text) slots for new values; the rows stay, unlinked, like the
        vector of a text that changed (an index file or a map may still name them)."""

    def replace_vectors(self, model: str, backend: str, vectors: Mapping[str, np.ndarray]) -> dict[str, int]:
        """``put_vectors``, except that a stored vector of the same text with another value is
        replaced: the new value gets a new id (so no index segment holds a stale value under a live
        id) and every paper linked to the old one is linked to it. Returns text hash -> vector id."""
        stored = self.vector_ids_of_hashes(model, vectors)
        hashes = list(stored)
        current = self.vectors_by_id(model, [stored[h] for h in hashes]) if hashes else []
        stale = {stored[h]: h for h, row in zip(hashes, current)
                 if not np.array_equal(row, np.asarray(vectors[h], dtype=np.float32))}
        relink = self.papers_of_vectors(model, stale) if stale else {}
        if stale:
            self.retire_vectors(model, stale)
        ids = self.put_vectors(model, backend, vectors)
        if relink:
            self.link(model, {arxiv_id: ids[stale[old]] for old, papers in relink.items() for arxiv_id in papers})
        return ids

    @abstractmethod
    def papers_of_vectors(self, model: str, vector_ids: Iterable[int],
                          where: PaperFilter = PaperFilter()) -> dict[int, list[str]]:
        """Matching papers whose current vector is one of these: vector id -> arXiv ids."""

    @abstractmethod
    def vector_id_range(self, model: str, after: int = 0) -> tuple[int, int]:
        """(count, largest id) of the vectors of ``model`` with an id above ``after``, linked or not;
        quick when few are (a new index tail, or "is any vector newer than the index file?")."""

    @abstractmethod
    def iter_vectors(self, model: str, max_vector_id: int, batch: int = 10_000
                     ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Every vector of ``model`` with id <= max_vector_id, in (ids, matrix) batches."""

    @abstractmethod
    def models(self) -> dict[str, int]:
        """Model key -> number of papers linked to a vector of it."""


class TermCounts(ABC):
    """Document frequencies of terms (why-related in O(k))."""

    @abstractmethod
    def add_term_counts(self, delta: Counter, documents: int) -> None:
        """Add (negative: remove) documents' terms to the document frequencies, and ``documents``
        to the number of documents counted."""

    @abstractmethod
    def term_frequencies(self, terms: Iterable[str]) -> tuple[dict[str, int], int]:
        """Document frequency of each known term, and the number of documents counted."""


class InterestRecords(ABC):
    """Interests ("For you") and the vectors of their texts."""

    @abstractmethod
    def save_interest(self, interest: Interest) -> None:
        """Store ``interest`` whole, replacing any interest of that name (inside ``write()``);
        every list keeps its order."""

    @abstractmethod
    def get_interest(self, name: str) -> Interest | None:
        """The interest called ``name`` as it was saved, or None."""

    @abstractmethod
    def interest_names(self) -> list[str]:
        """Names of the stored interests, sorted."""

    @abstractmethod
    def delete_interest(self, name: str) -> bool:
        """Remove the interest and its stored vectors (inside ``write()``); False when there was
        none of that name."""

    @abstractmethod
    def interest_vectors(self, interest: str, model: str, hashes: Iterable[str]
                         ) -> tuple[dict[str, np.ndarray], set[str]]:
        """Stored vectors of ``model`` for these exact texts (by hash), whichever interest stored
        them, and the hashes among them kept for ``interest``. Saving an interest keeps its
        vectors; removing it removes them."""

    @abstractmethod
    def put_interest_vectors(self, interest: str, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        """Keep vectors (text hash -> vector) of ``interest``'s texts (inside ``write()``)."""

    @abstractmethod
    def count_interest_vectors(self, interest: str) -> dict[str, int]:
        """Model key -> number of vectors kept for ``interest``."""


class TopicRecords(ABC):
    """Topics tracked across days (topics/tracking.py)."""

    @abstractmethod
    def tracked_dates(self) -> list[dt.date]:
        """Days whose topics were tracked, in order."""

    @abstractmethod
    def standing_topics(self, model: str) -> list[StandingTopic]:
        """The library's standing topics of vectors of ``model``, in id order."""

    @abstractmethod
    def latest_topics_of(self, ids: Iterable[str], before: dt.date) -> dict[str, int]:
        """For papers tracked on a day before ``before``: their topic on the latest such day."""

    @abstractmethod
    def paper_topics(self, date: dt.date) -> dict[str, int]:
        """arXiv id -> topic id of the papers of a tracked day."""

    @abstractmethod
    def topic_sizes(self, since: dt.date | None = None, until: dt.date | None = None
                    ) -> list[tuple[dt.date, int, int, str]]:
        """(date, topic id, papers, label that day) of tracked days, by date then topic id."""

    @abstractmethod
    def topic_events(self, since: dt.date | None = None, until: dt.date | None = None) -> list[TopicEvent]:
        """The events of tracked days, by date then their order that day."""

    @abstractmethod
    def save_tracked_day(self, model: str, day) -> None:
        """Store a ``TrackedDay`` (inside ``write()``): its new and changed standing topics, sizes
        and labels, events, and each paper's topic; the day must not be tracked yet."""

class MapRecords(ABC):
    """Positions on the reference map (maps that stay put)."""

    @abstractmethod
    def put_map_points(self, model: str, points: Iterable[tuple[str, int, float, float, bool]]) -> None:
        """Store map positions (inside ``write()``): (arXiv id, the vector id it was placed from,
        x, y, anchor: fitted in the reference layout rather than placed on it), replacing any."""

    @abstractmethod
    def map_points(self, model: str, ids: Iterable[str] | None = None, anchors_only: bool = False
                   ) -> list[tuple[str, int, float, float, bool]]:
        """Stored map positions of ``model`` (of ``ids`` only; of anchors only), in arXiv-id order."""

    @abstractmethod
    def clear_map_points(self, model: str) -> None:
        """Forget every map position of ``model`` (inside ``write()``): the reference is rebuilt."""


class PaperStore(StoreLifecycle, PaperRecords, VectorRecords, TermCounts, InterestRecords, TopicRecords, MapRecords):
    """The protocol every store implements (sql.py for both SQL stores), concern by concern."""
