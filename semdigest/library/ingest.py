"""What ingesting does besides merging records: embedding only texts without a vector, linking
papers to their vectors, counting terms for why-related, and checking vectors made elsewhere.
Each function takes the store it works on; ``Library`` calls them inside its transactions."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from itertools import chain

import numpy as np

from ..errors import LibraryError
from ..embedding.models import ModelSpec
from ..plural import plural
from ..readers import date_from_name
from ..arxiv_ids import canonical_id
from ..records import Digest, Paper, PaperFilter, as_texts
from ..store import PaperStore, Upsert
from ..terms import distinct_terms, paper_text

_UNIT_TOLERANCE = 1e-3  # vectors added from elsewhere must be unit length within this


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
    incomplete: str | None = None  # the digest's Digest.incomplete: why the file is not whole

    def __str__(self) -> str:
        return (f"{self.source}: {self.new} new, {self.updated} updated, {self.duplicate} duplicate, "
                f"{self.skipped} skipped; {self.embedded} embedded, {self.reused} reused; "
                f"{self.seconds:.1f} s" + (f"; INCOMPLETE: {self.incomplete}" if self.incomplete else ""))


@dataclass(frozen=True)
class VectorCounts:
    """What ``add_vectors`` did: papers that got their first vector of the model, papers whose
    vector was replaced by another value, and papers whose vector already had that value."""
    added: int
    replaced: int
    unchanged: int

    def __str__(self) -> str:
        text = f"replaced {self.replaced}, added {self.added}"
        return text + (f", {self.unchanged} unchanged (the same vector was stored)" if self.unchanged else "")


def replaces_dates(digest: Digest, redate: bool) -> bool:
    """Whether the digest's date replaces earlier dates of its file (store/merge.py)."""
    return digest.date is not None and (redate or date_from_name(digest.source) == digest.date)


def embed_missing(store: PaperStore, embedder, papers: list[Paper],
                  known: dict[str, np.ndarray] | None = None) -> tuple[dict[str, np.ndarray], int]:
    """Vectors (by text hash) of the papers' texts that have none stored yet; and how many had one."""
    known = known or {}
    texts = {text_hash(t): t for t in embedder.document_texts(papers)}
    stored = store.vector_ids_of_hashes(embedder.key, texts)
    missing = {h: t for h, t in texts.items() if h not in stored and h not in known}
    matrix = embedder.encode(list(missing.values()))
    return dict(zip(missing, matrix)), len(texts) - len(missing)


def link(store: PaperStore, embedder, papers: list[Paper], vectors: dict[str, np.ndarray]) -> None:
    """Store the new vectors and point each paper at the vector of its current text."""
    hashes = {p.arxiv_id: text_hash(embedder.spec.document_text(p)) for p in papers}
    vector_ids = store.put_vectors(embedder.key, embedder.backend, vectors) if vectors else {}
    vector_ids.update(store.vector_ids_of_hashes(embedder.key, set(hashes.values()) - set(vector_ids)))
    store.link(embedder.key, {i: vector_ids[h] for i, h in hashes.items()})


def count_terms(store: PaperStore, plans: list[Upsert]) -> None:
    """Keep the store's document frequencies of terms in step with the merged texts."""
    changed = [plan for plan in plans if plan.text_changed]
    # one C-level count over every new text's terms: a backfill batch holds thousands of papers
    delta = Counter(chain.from_iterable(distinct_terms(paper_text(p.paper.title, p.paper.abstract)) for p in changed))
    for plan in changed:
        if plan.old is not None:
            delta.subtract(distinct_terms(paper_text(plan.old.title, plan.old.abstract)))
    store.add_term_counts(delta, sum(plan.old is None for plan in changed))


def check_vectors(ids: list[str], matrix: np.ndarray, spec: ModelSpec) -> None:
    """Vectors made elsewhere: one unit-length row of the model's dimension per distinct id."""
    if matrix.ndim != 2 or matrix.shape[0] != len(ids):
        raise LibraryError(f"expected one vector per id ({len(ids)} x {spec.dimension}), got shape {matrix.shape}")
    if matrix.shape[1] != spec.dimension:
        raise LibraryError(f"the vectors have dimension {matrix.shape[1]}; model {spec.name} has {spec.dimension}: "
                           "were they made with another model?")
    if len(set(ids)) != len(ids):
        raise LibraryError("the same id appears twice; give one vector per paper")
    norms = np.linalg.norm(matrix.astype(np.float64), axis=1)
    if not np.all(np.isfinite(norms)) or np.any(np.abs(norms - 1) > _UNIT_TOLERANCE):
        bad = int(np.sum(~np.isfinite(norms) | (np.abs(norms - 1) > _UNIT_TOLERANCE)))
        raise LibraryError(f"not unit length: {plural(bad, 'vector')} (normalise them: v / ||v||, as "
                           "sentence-transformers' normalize_embeddings=True does)")


def store_vectors(store: PaperStore, embedder, ids, matrix: np.ndarray) -> VectorCounts:
    """Link the papers ``ids`` to the vectors given for them (inside the caller's write)."""
    ids, matrix = [canonical_id(i) or i for i in as_texts(ids, "ids")], np.asarray(matrix)
    check_vectors(ids, matrix, embedder.spec)
    papers = store.get_papers(ids)
    unknown = [i for i in ids if i not in papers]
    if unknown:
        raise LibraryError(f"{len(unknown)} of {plural(len(ids), 'id')} not in the library {store.location} "
                           f"(first: {', '.join(unknown[:3])}); ingest their digests first")
    hashes = [text_hash(embedder.spec.document_text(papers[i])) for i in ids]
    matrix = matrix.astype(np.float32)
    before = store.linked_vectors(embedder.key, PaperFilter(ids=tuple(ids)))
    before = dict(zip(before.arxiv_ids, before.matrix))
    vector_ids = store.replace_vectors(embedder.key, "external", dict(zip(hashes, matrix)))
    store.link(embedder.key, {i: vector_ids[h] for i, h in zip(ids, hashes)})
    same = sum(1 for i, row in zip(ids, matrix) if i in before and np.array_equal(before[i], row))
    return VectorCounts(added=len(ids) - len(before), replaced=len(before) - same, unchanged=same)
