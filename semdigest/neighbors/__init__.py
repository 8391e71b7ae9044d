"""Neighbours in a library: related papers, search, seen-before and why-related terms.

``related``, ``search`` and ``seen_before`` take a Library; hits.py does the work on its vector
index and store (and takes vectors already at hand, as the benchmarks do); why.py explains.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ..errors import LibraryError
from ..records import PaperFilter, as_date
from ..results import Hits
from .hits import earlier_than, near_paper, near_vector
from .why import shared_terms, shared_terms_many


def related(library, arxiv_id: str, k: int = 10, since: dt.date | None = None, until: dt.date | None = None,
            categories: Iterable[str] | None = None, model=None) -> Hits:
    """The k papers nearest to a paper of the library."""
    paper = library.paper(arxiv_id)
    ids, matrix = library.vectors(model, ids=[paper.arxiv_id])
    if not ids:
        raise LibraryError(f"{paper.arxiv_id} has no {library.embedder(model).key} vector yet; run "
                           "`semdigest ingest` with that model")
    return near_paper(library.index(model), library.store, paper, matrix[0], positive(k),
                      PaperFilter(since=since, until=until, categories=categories or ()))


def search(library, text: str, k: int = 10, since: dt.date | None = None, until: dt.date | None = None,
           categories: Iterable[str] | None = None, model=None) -> Hits:
    """The k papers nearest to a free-text description (encoded on the CPU, no torch needed)."""
    if not isinstance(text, str):
        raise TypeError(f"search takes the text to look for as a string, not {type(text).__name__}")
    if not text.strip():
        raise LibraryError("the search text is empty; describe what you are looking for")
    embedder = library.query_embedder(model)
    return near_vector(library.index(embedder), library.store, text, embedder.encode_queries([text])[0],
                       positive(k), PaperFilter(since=since, until=until, categories=categories or ()))


def seen_before(library, date: dt.date, k: int = 5, model=None, explain: bool = True) -> dict[str, Hits]:
    """For every paper of that day's digest, its nearest papers first seen on earlier days (with
    the terms each shares with it, unless ``explain`` is False)."""
    date = as_date(date, "date", required=True)
    ids, matrix = library.vectors(model, ids=library.store.arxiv_ids(PaperFilter(date=date)))
    papers = library.store.get_papers(ids)
    return earlier_than(library.index(model), library.store, [papers[i] for i in ids], matrix, date,
                        positive(k), explain)


def positive(k: int) -> int:
    """k, or a LibraryError when it asks for no paper."""
    if k < 1:
        raise LibraryError(f"k={k}: ask for at least one paper")
    return k


__all__ = ["earlier_than", "near_paper", "near_vector", "positive", "related", "search", "seen_before",
           "shared_terms", "shared_terms_many"]
