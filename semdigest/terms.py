"""The terms of a paper's text: lower-cased words of three or more letters and the bigrams of
adjacent ones, English stop words removed (arxiv-sanity-lite's analyser).

Pure and import-light: the store counts document frequencies of these terms at ingest, so
neighbors/why.py explains k hits from the k texts and those frequencies, never the library.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from itertools import chain

from .data import read_text as packaged_text

_TOKEN = re.compile(r"\b[a-zA-Z][a-zA-Z\-]{2,}\b")


@cache
def stop_words() -> frozenset[str]:
    lines = packaged_text("data/stopwords.txt").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def paper_text(title: str, abstract: str) -> str:
    return f"{title}. {abstract}"


def term_counts(text: str) -> Counter:
    """Each unigram and bigram of ``text`` with how often it occurs."""
    stop = stop_words()
    words = [w for w in _TOKEN.findall(text.lower()) if w not in stop]
    return Counter(chain(words, map(" ".join, zip(words, words[1:]))))


def distinct_terms(text: str) -> set[str]:
    """The terms of ``text``, each once (what a document frequency counts): term_counts' keys,
    without counting them."""
    stop = stop_words()
    words = [w for w in _TOKEN.findall(text.lower()) if w not in stop]
    return {*words, *map(" ".join, zip(words, words[1:]))}
