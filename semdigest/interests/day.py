"""rank_day(library, date, ...): a day of the library in the order of its interests ("For you").

The library hands out the day's vectors, the interest's own vectors and a background of the
papers before the day; ranking.py ranks on those arrays; here each ranked paper gets its title
and the terms it shares with its closest interest paper (why-related).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np

from ..errors import InterestError, LibraryError
from ..library import text_hash
from ..neighbors import positive
from ..neighbors.why import shared_terms
from ..records import PaperFilter, as_date
from ..terms import paper_text
from .ranking import DEFAULT_RANKER, Ranking, rank
from .vectors import interest_vectors

# Rankers contrast an interest with the library; beyond this many earlier papers a fixed random
# sample of them stands for the rest (the classifier's cost grows with it, its ranking barely).
BACKGROUND_SAMPLE = 20_000


def rank_day(library, date: dt.date, interest=None, ranker=None, k: int | None = None, model=None,
             background_sample: int = BACKGROUND_SAMPLE, **params):
    """That day's papers ordered by one interest (a name or an Interest): a Ranking.

    Without ``interest``, every interest of the library that has something to rank by
    (papers with vectors, references or descriptions): {name: Ranking}. Each paper names
    its closest interest papers and the terms it shares with the closest one. The background
    the rankers contrast with is the library's papers first seen before the day (a fixed
    sample of ``background_sample`` when there are more). ``k`` keeps the best k.
    """
    date = as_date(date, "date", required=True)
    if interest is None:
        rankings = {}
        for name in library.interests():
            try:
                rankings[name] = rank_day(library, date, name, ranker, k, model, background_sample, **params)
            except InterestError:  # only papers not ingested yet: nothing to rank by today
                continue
        return rankings
    if isinstance(interest, str):
        interest = library.interest(interest)
    if k is not None:
        positive(k)
    embedder = library.query_embedder(model)
    ids, matrix = library.vectors(embedder, ids=library.store.arxiv_ids(PaperFilter(date=date)))
    if not ids:
        raise LibraryError(f"no embedded papers on {date} in {library.location}; ingest that day's digest "
                           "first (`semdigest ingest DIGEST`)")
    vectors = library_vectors(library, interest, model)
    ranking = rank(interest, ids, matrix, vectors, background(library, embedder, date, background_sample),
                   ranker=ranker or DEFAULT_RANKER, **params)
    if k is not None:
        ranking = Ranking(ranking[:k], interest=ranking.interest, ranker=ranking.ranker)
    return _explain(library, ranking, interest)


def library_vectors(library, interest, model=None):
    """An interest's vectors (a name or an Interest) in ``model``'s space, what rank learns from.

    Its papers bring their stored vectors; its references and descriptions are embedded
    once and kept in the library under the model key and the hash of the exact text, as
    paper vectors are, so a later rank embeds only texts it has not seen (``embedded`` on
    the result counts those). A read-only library embeds them every time.
    """
    if isinstance(interest, str):
        interest = library.interest(interest)
    embedder = library.embedder(model)
    own = {*interest.papers, *interest.not_interesting, *(r.arxiv_id for r in interest.references if r.arxiv_id)}
    return interest_vectors(interest, *library.vectors(embedder, ids=sorted(own)), embedder=embedder,
                            stored=KeptInterestVectors(library.store, interest.name, embedder.key))


def background(library, embedder, date: dt.date, sample: int = BACKGROUND_SAMPLE) -> tuple[list[str], np.ndarray]:
    """The papers first seen before ``date`` and their vectors; a seeded sample of ``sample``
    of them when there are more."""
    linked = library.store.linked_vectors(embedder.key, PaperFilter(until=date - dt.timedelta(days=1)))
    if len(linked.arxiv_ids) <= sample:
        return linked.arxiv_ids, linked.matrix
    keep = np.sort(np.random.default_rng(0).choice(len(linked.arxiv_ids), sample, replace=False))
    return [linked.arxiv_ids[i] for i in keep], linked.matrix[keep]


def _explain(library, ranking: Ranking, interest) -> Ranking:
    """Titles, and the terms each paper shares with its closest interest paper (why-related)."""
    store = library.store
    texts = {f'"{d}"': (d, d) for d in interest.descriptions}
    texts |= {r.label: (r.title, paper_text(r.title, r.abstract)) for r in interest.references}
    needed = {label for paper in ranking for label in paper.closest} - set(texts)
    papers = store.get_papers([p.arxiv_id for p in ranking] + sorted(needed))
    texts |= {i: (p.title, paper_text(p.title, p.abstract)) for i, p in papers.items() if i in needed}
    explained = []
    for paper in ranking:
        own = papers[paper.arxiv_id]
        closest_text = texts.get(paper.closest[0], ("", ""))[1] if paper.closest else ""
        terms = shared_terms(paper_text(own.title, own.abstract), [closest_text], store.term_frequencies)[0]
        explained.append(replace(paper, title=own.title, terms=tuple(terms),
                                 closest_titles=tuple(texts.get(c, (c, ""))[0] for c in paper.closest)))
    return Ranking(explained, interest=ranking.interest, ranker=ranking.ranker)


class KeptInterestVectors:
    """Where library_vectors finds and keeps an interest's embedded texts: the store's
    interest_vectors, keyed by model and text hash. A text another interest embedded is
    copied to this one, so removing that interest does not make this one embed it again."""

    def __init__(self, store, interest: str, model: str):
        self.store, self.interest, self.model = store, interest, model
        self.writable = not getattr(store, "read_only", False)

    def get(self, texts: list[str]) -> dict[str, np.ndarray]:
        hashes = {text_hash(t): t for t in texts}
        vectors, kept = self.store.interest_vectors(self.interest, self.model, hashes)
        found = {hashes[h]: v for h, v in vectors.items()}
        borrowed = {hashes[h]: v for h, v in vectors.items() if h not in kept}
        if borrowed:
            self.put(borrowed)
        return found

    def put(self, vectors: dict[str, np.ndarray]) -> None:
        if self.writable:
            with self.store.write():
                self.store.put_interest_vectors(self.interest, self.model,
                                                {text_hash(t): v for t, v in vectors.items()})
