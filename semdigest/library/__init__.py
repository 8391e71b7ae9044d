"""The Library: a thin facade over a paper store, a vector index per model and the embedder.
It opens, ingests, embeds, and hands out papers, vectors and indexes; it ranks nothing. The
features are functions over it: neighbors (related, search, seen-before), interests.rank_day,
topics.history, novelty.day_novelty, maps.reference, and report.pipeline for a whole day."""

from __future__ import annotations

import datetime as dt
import shlex
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..arxiv_ids import canonical_id
from ..config import default_library
from ..embedding import Embedder
from ..errors import InterestError, LibraryError
from ..index import open_index
from ..embedding.models import get_model
from ..records import Digest, Interest, ModelKey, Paper, PaperFilter
from ..store import AddCounts, PaperStore, open_store
from ..store import merge as merge_policy
from .ingest import (IngestResult, VectorCounts, count_terms, embed_missing, link, replaces_dates, store_vectors,
                     text_hash)

class Library:
    """Papers, digest dates, vectors and interests. Open with ``Library.open(path)``. Reading
    (``papers``, ``vectors``) loads no model; ``ingest`` embeds only texts without a vector yet."""

    def __init__(self, store: PaperStore, index_options: dict | None = None):
        self.store = store
        self.index_options = index_options or {}  # the vector indexes' tunables (index.open_index)
        self._embedders: dict[object, Embedder] = {}
        self._indexes: dict[str, object] = {}

    @classmethod
    def open(cls, path: str | Path | None = None, create: bool = True, index_options: dict | None = None
             ) -> "Library":
        """A library file (SQLite) or a ``postgresql://user@host/db?schema=NAME`` URL."""
        return cls(open_store(path or default_library(), create=create), index_options)

    @property
    def location(self) -> str:
        """The file path, or the server URL with its password masked: what messages show."""
        return self.store.location

    @property
    def path(self) -> Path:
        return Path(self.store.location)

    @property
    def read_only(self) -> bool:
        return bool(getattr(self.store, "read_only", False))

    def close(self) -> None:
        self.store.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __len__(self) -> int:
        return self.store.count_papers()

    def __repr__(self) -> str:
        models = ", ".join(f"{m}: {n}" for m, n in self.store.models().items()) or "none"
        return f"Library({self.store.location!r}, papers={len(self)}, embeddings={{{models}}})"

    def embedder(self, model: str | Embedder | None = None) -> Embedder:
        """The embedder for ``model``; building it loads nothing until it encodes."""
        if isinstance(model, Embedder):
            return model
        if model not in self._embedders:
            self._embedders[model] = Embedder(model)
        return self._embedders[model]

    def query_embedder(self, model: str | Embedder | None = None) -> Embedder:
        """One query encodes on the CPU faster than a GPU starts: use it unless told otherwise."""
        if isinstance(model, Embedder):
            return model
        if ("query", model) not in self._embedders:
            self._embedders[("query", model)] = Embedder(model, device="cpu", progress=False)
        return self._embedders[("query", model)]

    def index(self, model: str | Embedder | None = None):
        """The vector index of a model, as the store keeps it: what neighbours are searched on."""
        embedder = self.embedder(model)
        if embedder.key not in self._indexes:
            self._indexes[embedder.key] = open_index(self.store, embedder.key, embedder.spec.dimension,
                                                     progress=embedder.progress, **self.index_options)
        return self._indexes[embedder.key]

    def rebuild_index(self, model: str | Embedder | None = None):
        """Build the model's vector index afresh (with a progress bar); returns what it now holds."""
        key, held = self.embedder(model).key, self.store.models()
        if key not in held:
            raise LibraryError(f"the library {self.store.location} holds no {key} vectors, so there is no index to "
                               f"rebuild (vectors held: {', '.join(held) or 'none'}); ingest with that model first")
        index = self.index(model)
        with self.store.write():
            return index.rebuild(extend=False)

    def check(self) -> None:
        """SQLite's full integrity check, and each model's index against the store."""
        self.store.check()
        for key in self.store.models():
            open_index(self.store, key, get_model(ModelKey.parse(key).name).dimension, **self.index_options).check()

    def add(self, digest: Digest, redate: bool = False) -> AddCounts:
        """Add a digest's papers without embedding them (one transaction); ``redate`` as in ``ingest``."""
        with self.store.write():
            plans = self.store.upsert_papers(digest.papers, replaces_dates(digest, redate))
            count_terms(self.store, plans)
        return merge_policy.counts(plans)

    def ingest(self, digest: Digest, model: str | Embedder | None = None, redate: bool = False) -> IngestResult:
        """Add a digest and embed what is new, as one all-or-nothing transaction.

        A file holds one day: the digest's date replaces the dates a file of the same name gave
        its papers before (so ingesting a file again with its right date repairs a wrong one,
        first-seen dates included). A file whose name carries its date always does this; for
        another (``listing.xml``, reused day after day) ask for it with ``redate``. The model's
        index is kept usable: a missing, damaged or stale index file is rebuilt."""
        start = time.perf_counter()
        self.store.require_writable()  # before embedding: minutes of work that could not be stored
        embedder = self.embedder(model)
        # Embed outside the write lock, from the records as they will be merged; a concurrent
        # writer can only make a text appear that is embedded inside the lock below.
        stored = self.store.get_papers(p.arxiv_id for p in digest.papers)
        preview = merge_policy.plan_upserts(digest.papers, {i: (p, None) for i, p in stored.items()})
        vectors, reused = embed_missing(self.store, embedder, [plan.paper for plan in preview])
        with self.store.write():
            plans = self.store.upsert_papers(digest.papers, replaces_dates(digest, redate))
            late, _ = embed_missing(self.store, embedder, [plan.paper for plan in plans], known=vectors)
            link(self.store, embedder, [plan.paper for plan in plans], {**vectors, **late})
            count_terms(self.store, plans)
            self.index(embedder).add()
        counts = merge_policy.counts(plans)
        return IngestResult(
            source=digest.source, new=counts.new, updated=counts.updated,
            duplicate=counts.unchanged + digest.duplicates, skipped=len(digest.skipped),
            embedded=len(vectors) + len(late), reused=reused, seconds=time.perf_counter() - start,
            incomplete=digest.incomplete,
        )

    def embed(self, model: str | Embedder | None = None) -> tuple[int, int]:
        """Embed every paper that has no vector of this model yet. Returns (embedded, reused)."""
        self.store.require_writable()
        embedder = self.embedder(model)
        papers = list(self.store.get_papers(self.store.unlinked(embedder.key)).values())
        vectors, reused = embed_missing(self.store, embedder, papers)
        with self.store.write():
            link(self.store, embedder, papers, vectors)
            self.index(embedder).add()
        return len(vectors), reused

    def add_vectors(self, model: str | Embedder | None, ids: Iterable[str], matrix: np.ndarray) -> VectorCounts:
        """Store vectors computed elsewhere (another machine, a GPU) for papers of the library.

        Each row must be the model's unit-length embedding of the paper's document text; the
        papers must be in the library (ids written any way ``paper`` accepts: 2606.04092v2,
        arXiv:…). A paper's vector of the model is replaced by the one given. Returns what was
        done: how many papers got a vector, had theirs replaced, or already had that one."""
        self.store.require_writable()
        embedder = self.embedder(model)
        with self.store.write():
            counts = store_vectors(self.store, embedder, ids, matrix)
            self.index(embedder).add()
        return counts

    def papers(self, since: dt.date | str | None = None, until: dt.date | str | None = None,
               categories: str | Iterable[str] | None = None, date: dt.date | str | None = None,
               ids: str | Iterable[str] | None = None):
        """Papers as a pandas DataFrame, one row per paper, sorted by arXiv id.

        ``date`` keeps papers that appeared in that day's digest (re-publications too);
        ``since`` / ``until`` filter on the date a paper was first seen. Dates may be ISO text
        ("2026-06-09"); ``categories`` and ``ids`` one string or a list of them."""
        import pandas as pd

        rows = []
        where = PaperFilter(since=since, until=until, date=date, categories=categories or (), ids=ids)
        for paper, dates in self.store.iter_papers(where):
            row = paper.as_dict()
            row["first_seen"] = paper.date
            row["dates"] = dates
            rows.append(row)
        return pd.DataFrame(rows, columns=_FRAME_COLUMNS)

    def paper(self, arxiv_id: str) -> Paper:
        """A paper of the library, its id written any way (2606.04092v2, arXiv:…, an abs URL)."""
        if not isinstance(arxiv_id, str):
            raise TypeError(f"give one arXiv id as a string (2606.04092), not {type(arxiv_id).__name__}")
        key = canonical_id(arxiv_id) or arxiv_id
        found = self.store.get_papers([key]).get(key)
        if found is None:
            raise LibraryError(
                f"{arxiv_id} is not in the library {self.store.location}; ingest the digest that lists it "
                "(`semdigest ingest DIGEST`) or check the id"
            )
        return found

    def vectors(self, model: str | Embedder | None = None, ids: str | Iterable[str] | None = None
                ) -> tuple[list[str], np.ndarray]:
        """(ids sorted, unit-vector matrix) of papers embedded with ``model``; ``ids`` (one or a list)."""
        embedder = self.embedder(model)
        linked = self.store.linked_vectors(embedder.key, PaperFilter(ids=ids))
        matrix = linked.matrix if linked.matrix.size else np.zeros((0, embedder.spec.dimension), np.float32)
        return linked.arxiv_ids, matrix

    # -- interests ("For you": interests.rank_day ranks a day by them) --------------------------

    def interests(self) -> list[str]:
        """Names of the library's interests, sorted."""
        return self.store.interest_names()

    def interest(self, name: str, create: bool = False):
        """The interest called ``name``; a new empty one when ``create``, else an InterestError."""

        found = self.store.get_interest(name)
        if found is None:
            if create:
                return Interest(name)
            known = ", ".join(repr(n) for n in self.interests()) or "none yet"
            raise InterestError(f"no interest called {name!r} in {self.store.location} (interests: {known}); "
                                f"make it with `semdigest interests add {shlex.quote(name)} ARXIV_ID...`")
        return found

    def save_interest(self, interest) -> None:
        """Store ``interest`` whole (one transaction), replacing the one of the same name."""
        with self.store.write():
            self.store.save_interest(interest)

    def remove_interest(self, name: str) -> None:
        self.interest(name)  # an unknown name says which exist
        with self.store.write():
            self.store.delete_interest(name)


_FRAME_COLUMNS = ["arxiv_id", "version", "title", "authors", "abstract", "primary_category", "categories",
                  "tldr", "motivation", "method", "result", "conclusion", "code_url", "first_seen", "source",
                  "line", "flagged", "dates"]

__all__ = ["IngestResult", "Library", "VectorCounts", "text_hash"]
