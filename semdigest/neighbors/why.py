"""Why two papers are related: the terms they share, strongest first (TF-IDF weights from the
store's document frequencies, so explaining k hits never reads the library)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import cache

from ..terms import term_counts

_COMMON_SHARE = 0.1  # a term in more than a tenth of the library's papers explains nothing
_MIN_PAPERS_FOR_COMMON = 50  # below this many papers every shared term is informative


def shared_terms(query: str, others: Sequence[str],
                 frequencies: Callable[[set[str]], tuple[Mapping[str, int], int]], n: int = 5) -> list[list[str]]:
    """For each of ``others``, up to n terms it shares with ``query``, strongest first.

    A shared term weighs the product of its TF-IDF weights in the two texts (sublinear tf,
    smoothed idf); the rows' lengths are constant for a pair, so only the shared terms'
    document frequencies are needed: ``frequencies(terms)`` returns them and the number of papers.
    """
    return shared_terms_many([(query, others)], frequencies, n)[0]


def shared_terms_many(pairs: Sequence[tuple[str, Sequence[str]]],
                      frequencies: Callable[[set[str]], tuple[Mapping[str, int], int]],
                      n: int = 5) -> list[list[list[str]]]:
    """``shared_terms`` for many (query, others) pairs with one ``frequencies`` call for all."""
    counted = [(term_counts(query), [term_counts(text) for text in others]) for query, others in pairs]
    shared = [[query_counts.keys() & counts.keys() for counts in other_counts] for query_counts, other_counts in counted]
    every = set().union(*(terms for row in shared for terms in row))
    idf = _idf(every, *frequencies(every))
    return [[_strongest(query_counts, counts, terms, idf, n) for counts, terms in zip(other_counts, row)]
            for (query_counts, other_counts), row in zip(counted, shared)]


def _strongest(query_counts: Counter, counts: Counter, terms: set[str], idf: Mapping[str, float], n: int) -> list[str]:
    weights = {t: _sublinear(query_counts[t]) * _sublinear(counts[t]) * idf[t] for t in terms if t in idf}
    picked: list[str] = []
    for term in sorted(weights, key=lambda t: (-weights[t], t)):
        if not any(term in p or p in term for p in picked):  # no "diffusion" beside "diffusion model"
            picked.append(term)
        if len(picked) == n:
            break
    return picked


def _idf(terms: set[str], document_frequency: Mapping[str, int], n_papers: int) -> dict[str, float]:
    """Squared smoothed idf of each term, without the terms too common to explain anything."""
    ceiling = _COMMON_SHARE * n_papers if n_papers >= _MIN_PAPERS_FOR_COMMON else math.inf
    idf = {}
    for term in terms:
        df = document_frequency.get(term, 0)
        if df <= ceiling:
            idf[term] = (math.log((1 + n_papers) / (1 + df)) + 1) ** 2
    return idf


@cache
def _sublinear(count: int) -> float:
    return 1 + math.log(count)
