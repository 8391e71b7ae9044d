"""Neighbours on a vector index, explained with the store's term counts.

Nothing here loads every paper: an index returns (arXiv id, cosine) pairs, the store gives the
k hits' records and the document frequencies of the terms they share with the query.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from ..records import Paper, PaperFilter
from ..results import Hit, Hits
from ..terms import paper_text
from .why import shared_terms, shared_terms_many


def near_paper(index, store, paper: Paper, vector: np.ndarray, k: int,
               where: PaperFilter = PaperFilter()) -> Hits:
    """The k papers nearest to ``paper`` (whose vector is given), itself excluded."""
    found = index.search(vector, k, where, exclude=[{paper.arxiv_id}])[0]
    return explained(store, found, paper_text(paper.title, paper.abstract), f"{paper.arxiv_id} ({paper.title})")


def near_vector(index, store, text: str, vector: np.ndarray, k: int,
                where: PaperFilter = PaperFilter()) -> Hits:
    """The k papers nearest to a free-text query (whose vector is given)."""
    return explained(store, index.search(vector, k, where)[0], text, repr(text))


def earlier_than(index, store, day: list[Paper], vectors: np.ndarray, date: dt.date,
                 k: int, explain: bool = True) -> dict[str, Hits]:
    """For each paper of a day (with its vector), its nearest papers first seen before ``date``;
    with the terms each shares with it unless ``explain`` is False (the day report shows none)."""
    earlier = PaperFilter(until=date - dt.timedelta(days=1))
    if not day or store.count_papers(earlier, at_most=1) == 0:
        return {}
    found = index.search(vectors, k, earlier, exclude=[{p.arxiv_id} for p in day])
    # a whole day at once: one lookup of every hit and of every shared term's frequency
    papers = store.get_papers({arxiv_id for row in found for arxiv_id, _ in row})
    if explain:
        texts = [paper_text(p.title, p.abstract) for p in day]
        terms = shared_terms_many([(text, [paper_text(papers[a].title, papers[a].abstract) for a, _ in row])
                                   for text, row in zip(texts, found)], store.term_frequencies)
    else:
        terms = [[[] for _ in row] for row in found]
    return {paper.arxiv_id: _hits(row, [papers[a] for a, _ in row], row_terms, paper.arxiv_id)
            for paper, row, row_terms in zip(day, found, terms)}


def explained(store, found: list[tuple[str, float]], query_text: str, label: str) -> Hits:
    """Hits with their records and the terms each shares with the query."""
    papers = store.get_papers([arxiv_id for arxiv_id, _ in found])
    hits = [papers[arxiv_id] for arxiv_id, _ in found]
    terms = shared_terms(query_text, [paper_text(p.title, p.abstract) for p in hits], store.term_frequencies)
    return _hits(found, hits, terms, label)


def _hits(found: list[tuple[str, float]], papers: list[Paper], terms: list[list[str]], label: str) -> Hits:
    return Hits(
        (Hit(p.arxiv_id, score, p.title, p.date.isoformat() if p.date else None, p.primary_category, tuple(t))
         for p, (_, score), t in zip(papers, found, terms)),
        query=label,
    )
