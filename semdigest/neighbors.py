"""Related papers, search and why-related, on a vector index and the store's term counts.

Nothing here loads every paper: an index returns (arXiv id, cosine) pairs, the store gives the
k hits' records and the document frequencies of the terms they share with the query.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from .records import Paper
from .results import Hit, Hits
from .store import PaperFilter, PaperStore
from .terms import paper_text, shared_terms


def related(index, store: PaperStore, paper: Paper, vector: np.ndarray, k: int,
            where: PaperFilter = PaperFilter()) -> Hits:
    """The k papers nearest to ``paper`` (whose vector is given), itself excluded."""
    found = index.search(vector, k, where, exclude=[{paper.arxiv_id}])[0]
    return explained(store, found, paper_text(paper.title, paper.abstract), f"{paper.arxiv_id} ({paper.title})")


def search(index, store: PaperStore, text: str, vector: np.ndarray, k: int,
           where: PaperFilter = PaperFilter()) -> Hits:
    """The k papers nearest to a free-text query (whose vector is given)."""
    return explained(store, index.search(vector, k, where)[0], text, repr(text))


def seen_before(index, store: PaperStore, day: list[Paper], vectors: np.ndarray, date: dt.date,
                k: int) -> dict[str, Hits]:
    """For each paper of a day (with its vector), its nearest papers first seen before ``date``."""
    earlier = PaperFilter(until=date - dt.timedelta(days=1))
    if not day or store.count_papers(earlier) == 0:
        return {}
    found = index.search(vectors, k, earlier, exclude=[{p.arxiv_id} for p in day])
    return {paper.arxiv_id: explained(store, hits, paper_text(paper.title, paper.abstract), paper.arxiv_id)
            for paper, hits in zip(day, found)}


def explained(store: PaperStore, found: list[tuple[str, float]], query_text: str, label: str) -> Hits:
    """Hits with their records and the terms each shares with the query."""
    papers = store.get_papers([arxiv_id for arxiv_id, _ in found])
    hits = [papers[arxiv_id] for arxiv_id, _ in found]
    terms = shared_terms(query_text, [paper_text(p.title, p.abstract) for p in hits], store.term_frequencies)
    return Hits(
        (Hit(p.arxiv_id, score, p.title, p.date.isoformat() if p.date else None, p.primary_category, tuple(t))
         for p, (_, score), t in zip(hits, found, terms)),
        query=label,
    )
