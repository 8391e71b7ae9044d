"""The persistent library: papers added from digests, embedded once, found again by meaning."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import platformdirs

from ..embedding import Embedder
from ..errors import LibraryError
from ..neighbors import TermExplainer, top_k
from ..records import Digest, Paper
from ..results import Hit, Hits
from .store import AddCounts, SQLiteStore

ENV_VAR = "SEMDIGEST_LIBRARY"


def default_path() -> Path:
    """$SEMDIGEST_LIBRARY, else library.sqlite in the user's data directory."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    return Path(platformdirs.user_data_dir("semdigest")) / "library.sqlite"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IngestResult:
    source: str
    new: int
    updated: int
    duplicate: int
    skipped: int
    embedded: int
    reused: int
    seconds: float

    def __str__(self) -> str:
        return (f"{self.source}: {self.new} new, {self.updated} updated, {self.duplicate} duplicate, "
                f"{self.skipped} skipped; {self.embedded} embedded, {self.reused} reused; "
                f"{self.seconds:.1f} s")


class Library:
    """Papers, digest dates and embeddings in one file. Open with ``Library.open(path)``."""

    def __init__(self, store: SQLiteStore):
        self.store = store
        self._embedders: dict[str, Embedder] = {}
        self._cache: dict = {}

    @classmethod
    def open(cls, path: str | Path | None = None, create: bool = True) -> "Library":
        return cls(SQLiteStore(path or default_path(), create=create))

    @property
    def path(self) -> Path:
        return self.store.path

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
        return f"Library({str(self.path)!r}, papers={len(self)}, embeddings={{{models}}})"

    # -- writing ------------------------------------------------------------------------

    def embedder(self, model: str | Embedder | None = None) -> Embedder:
        if isinstance(model, Embedder):
            return model
        if model not in self._embedders:
            self._embedders[model] = Embedder(model)
        return self._embedders[model]

    def add(self, digest: Digest) -> AddCounts:
        """Add a digest's papers without embedding them (one transaction)."""
        with self.store.write() as conn:
            return self.store.upsert_papers(conn, digest.papers)

    def embed(self, model: str | Embedder | None = None) -> tuple[int, int]:
        """Embed every paper whose exact text has no vector for this model yet.
        Returns (embedded, reused)."""
        embedder = self.embedder(model)
        papers = list(self.store.get_papers().values())
        vectors, reused = self._embed_missing(embedder, papers)
        with self.store.write() as conn:
            self.store.put_vectors(conn, embedder.key, embedder.backend, vectors)
        return len(vectors), reused

    def ingest(self, digest: Digest, model: str | Embedder | None = None) -> IngestResult:
        """Add a digest and embed what is new, as one all-or-nothing transaction."""
        start = time.perf_counter()
        embedder = self.embedder(model)
        # Embed outside the write lock: vectors are keyed by text, so a concurrent ingest
        # embedding the same text only makes an INSERT OR IGNORE that does nothing.
        vectors, reused = self._embed_missing(embedder, digest.papers)
        with self.store.write() as conn:
            counts = self.store.upsert_papers(conn, digest.papers)
            self.store.put_vectors(conn, embedder.key, embedder.backend, vectors)
        return IngestResult(
            source=digest.source, new=counts.new, updated=counts.updated,
            duplicate=counts.unchanged + digest.duplicates, skipped=len(digest.skipped),
            embedded=len(vectors), reused=reused, seconds=time.perf_counter() - start,
        )

    def _embed_missing(self, embedder: Embedder, papers: Iterable[Paper]) -> tuple[dict[str, np.ndarray], int]:
        known = self.store.known_hashes(embedder.key)
        texts: dict[str, str] = {}
        reused = 0
        for text in embedder.document_texts(list(papers)):
            digest = text_hash(text)
            if digest in known:
                reused += 1
            elif digest not in texts:
                texts[digest] = text
        matrix = embedder.encode(list(texts.values()))
        return dict(zip(texts, matrix)), reused

    # -- reading ------------------------------------------------------------------------

    def papers(self, since: dt.date | None = None, until: dt.date | None = None,
               categories: Iterable[str] | None = None, date: dt.date | None = None,
               ids: Iterable[str] | None = None) -> pd.DataFrame:
        """Papers as a DataFrame, one row per paper, sorted by arXiv id.

        ``date`` keeps papers that appeared in that day's digest (re-publications too);
        ``since`` / ``until`` filter on the date a paper was first seen."""
        papers, appearances = self._snapshot()
        frame = pd.DataFrame([p.as_dict() for p in papers.values()], columns=_FRAME_COLUMNS)
        frame = frame.rename(columns={"date": "first_seen"})
        frame["dates"] = [appearances.get(i, []) for i in frame["arxiv_id"]]
        frame["first_seen"] = pd.to_datetime(frame["first_seen"]).dt.date
        keep = _filter_mask(frame, since, until, categories)
        if date is not None:
            keep &= frame["dates"].map(lambda ds: date.isoformat() in ds)
        if ids is not None:
            keep &= frame["arxiv_id"].isin(set(ids))
        return frame[keep].sort_values("arxiv_id").reset_index(drop=True)

    def paper(self, arxiv_id: str) -> Paper:
        found = self.store.get_papers([arxiv_id]).get(arxiv_id)
        if found is None:
            raise LibraryError(
                f"{arxiv_id} is not in the library {self.path}; ingest the digest that lists it "
                "(`semdigest ingest DIGEST`) or check the id"
            )
        return found

    def vectors(self, model: str | Embedder | None = None, ids: Iterable[str] | None = None
                ) -> tuple[list[str], np.ndarray]:
        """(ids sorted, unit-vector matrix) of papers embedded with ``model``."""
        embedder = self.embedder(model)
        all_ids, matrix = self._matrix(embedder)
        if ids is None:
            return all_ids, matrix
        wanted = set(ids)
        rows = [i for i, arxiv_id in enumerate(all_ids) if arxiv_id in wanted]
        return [all_ids[i] for i in rows], matrix[rows]

    def related(self, arxiv_id: str, k: int = 10, since: dt.date | None = None,
                until: dt.date | None = None, categories: Iterable[str] | None = None,
                model: str | Embedder | None = None) -> Hits:
        """The k papers nearest to a paper of the library."""
        paper = self.paper(arxiv_id)
        embedder = self.embedder(model)
        ids, matrix = self._matrix(embedder)
        row = self._row_of(embedder).get(arxiv_id)
        if row is None:
            raise LibraryError(f"{arxiv_id} has no {embedder.spec.name} embedding yet; run `semdigest embed`")
        allowed = self._allowed(ids, since, until, categories)
        found, scores = top_k(matrix, matrix[row], k, allowed, exclude=[row])
        return self._hits(found[0], scores[0], ids, embedder.spec.document_text(paper), f"{arxiv_id} ({paper.title})")

    def search(self, text: str, k: int = 10, since: dt.date | None = None, until: dt.date | None = None,
               categories: Iterable[str] | None = None, model: str | Embedder | None = None) -> Hits:
        """The k papers nearest to a free-text description."""
        embedder = self.embedder(model)
        ids, matrix = self._matrix(embedder)
        allowed = self._allowed(ids, since, until, categories)
        found, scores = top_k(matrix, embedder.encode_queries([text]), k, allowed)
        return self._hits(found[0], scores[0], ids, text, repr(text))

    def seen_before(self, date: dt.date, k: int = 5, model: str | Embedder | None = None) -> dict[str, Hits]:
        """For every paper of that day's digest, its nearest papers first seen on earlier days."""
        embedder = self.embedder(model)
        ids, matrix = self._matrix(embedder)
        day = self.papers(date=date)
        rows = self._row_of(embedder)
        day_rows = [rows[i] for i in day["arxiv_id"] if i in rows]
        allowed = self._allowed(ids, None, date - dt.timedelta(days=1), None)
        if not day_rows or not allowed.any():
            return {}
        found, scores = top_k(matrix, matrix[day_rows], k, allowed)
        papers = self._snapshot()[0]
        return {
            ids[row]: self._hits(found[q], scores[q], ids, embedder.spec.document_text(papers[ids[row]]), ids[row])
            for q, row in enumerate(day_rows)
        }

    # -- in-memory views, rebuilt when the file changes ---------------------------------

    def _cached(self, key, build):
        version = self.store.data_version()
        if key not in self._cache or self._cache[key][0] != version:
            self._cache[key] = (version, build())
        return self._cache[key][1]

    def _snapshot(self) -> tuple[dict[str, Paper], dict[str, list[str]]]:
        return self._cached("papers", lambda: (self.store.get_papers(), self.store.appearances()))

    def _matrix(self, embedder: Embedder) -> tuple[list[str], np.ndarray]:
        def build():
            papers = self._snapshot()[0]
            stored = self.store.get_vectors(embedder.key)
            ids, rows = [], []
            for arxiv_id in sorted(papers):
                vector = stored.get(text_hash(embedder.spec.document_text(papers[arxiv_id])))
                if vector is not None:
                    ids.append(arxiv_id)
                    rows.append(vector)
            matrix = np.vstack(rows) if rows else np.zeros((0, embedder.spec.dimension), np.float32)
            return ids, np.ascontiguousarray(matrix, dtype=np.float32)
        return self._cached(("matrix", embedder.key), build)

    def _row_of(self, embedder: Embedder) -> dict[str, int]:
        return self._cached(("rows", embedder.key), lambda: {i: r for r, i in enumerate(self._matrix(embedder)[0])})

    def _explainer(self) -> TermExplainer:
        return self._cached("explainer", lambda: TermExplainer(
            [f"{p.title}. {p.abstract}" for p in self._snapshot()[0].values()] or ["empty"]))

    def _allowed(self, ids, since, until, categories) -> np.ndarray:
        papers = self._snapshot()[0]
        frame = pd.DataFrame({
            "first_seen": [papers[i].date for i in ids],
            "categories": [papers[i].categories for i in ids],
        })
        return _filter_mask(frame, since, until, categories).to_numpy()

    def _hits(self, rows, scores, ids, query_text: str, label: str) -> Hits:
        papers = self._snapshot()[0]
        found = [papers[ids[r]] for r in rows]
        terms = self._explainer().shared(query_text, [f"{p.title}. {p.abstract}" for p in found])
        return Hits(
            (Hit(p.arxiv_id, float(s), p.title, p.date.isoformat() if p.date else None,
                 p.primary_category, tuple(t)) for p, s, t in zip(found, scores, terms)),
            query=label,
        )


_FRAME_COLUMNS = ["arxiv_id", "version", "title", "authors", "abstract", "primary_category", "categories",
                  "tldr", "motivation", "method", "result", "conclusion", "code_url", "date", "source",
                  "line", "flagged"]


def _filter_mask(frame: pd.DataFrame, since, until, categories) -> pd.Series:
    keep = pd.Series(True, index=frame.index)
    seen = frame["first_seen"]
    if since is not None:
        keep &= seen.map(lambda d: d is not None and not pd.isna(d) and d >= since)
    if until is not None:
        keep &= seen.map(lambda d: d is not None and not pd.isna(d) and d <= until)
    if categories:
        wanted = set(categories)
        keep &= frame["categories"].map(lambda cs: bool(wanted & set(cs)))
    return keep


__all__ = ["Library", "IngestResult", "default_path", "text_hash"]
