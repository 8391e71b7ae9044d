"""Topic labels: class-based TF-IDF over 1-2-grams of title + abstract (BERTopic's c-TF-IDF),
with stop words, numbers and LaTeX removed so labels name the subject, not the grammar."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

# Words every abstract uses whatever its subject: they would label every topic.
ACADEMIC_WORDS = frozenset("""
paper propose proposed proposes present presents introduce introduces approach approaches method
methods framework based using use used results result show shows shown demonstrate demonstrates
achieve achieves achieving performance state art existing novel new task tasks work study studies
model models problem problems experiments experimental extensive significant significantly improve
improves improved improvement improvements effective effectively efficient efficiently address
addresses challenge challenges challenging key different various multiple including outperforms
baseline baselines benchmark benchmarks code available furthermore moreover however specifically
recent recently large demonstrating provide provides enables enable leveraging leverage wide range
datasets dataset data learning evaluation evaluate evaluated analysis remains remain critical
compared lack limited real world high low level robust robustness accuracy towards toward fail
""".split())
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | ACADEMIC_WORDS
_LATEX = re.compile(r"\$[^$]*\$|\\[a-zA-Z]+(\{[^}]*\})?|[{}]")
_TOKEN = r"(?u)\b[a-zA-Z][a-zA-Z\-]*[a-zA-Z]\b"


def strip_latex(text: str) -> str:
    return _LATEX.sub(" ", text)


def topic_terms(texts: Sequence[str], labels: np.ndarray, n_terms: int = 5) -> dict[int, list[str]]:
    """The top ``n_terms`` key phrases of each topic, strongest first."""
    vectorizer = CountVectorizer(
        ngram_range=(1, 2), stop_words=sorted(STOP_WORDS), token_pattern=_TOKEN,
        preprocessor=lambda t: strip_latex(t).lower(), min_df=2,
    )
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # too few texts for min_df: every word is rare
        vectorizer.set_params(min_df=1)
        counts = vectorizer.fit_transform(texts)
    vocabulary = vectorizer.get_feature_names_out()
    topics = sorted(set(labels.tolist()))
    per_topic = np.vstack([np.asarray(counts[labels == t].sum(axis=0)).ravel() for t in topics]).astype(float)
    # c-TF-IDF: term frequency within the topic x log(1 + average words per topic / term frequency overall)
    tf = per_topic / np.maximum(per_topic.sum(axis=1, keepdims=True), 1)
    idf = np.log1p(per_topic.sum() / len(topics) / np.maximum(per_topic.sum(axis=0), 1))
    weights = tf * idf
    return {t: _distinct(vocabulary, weights[row], n_terms) for row, t in enumerate(topics)}


def _distinct(vocabulary, weights: np.ndarray, n_terms: int) -> list[str]:
    """Best terms, skipping one already said by a chosen phrase ("robot" after "robot manipulation")."""
    picked: list[str] = []
    for index in np.lexsort((np.arange(len(weights)), -weights)):
        if weights[index] <= 0 or len(picked) == n_terms:
            break
        term = vocabulary[index]
        words = _stems(term)
        if any(words <= _stems(p) or _stems(p) <= words for p in picked):
            continue
        picked.append(term)
    return picked


def _stems(term: str) -> set[str]:
    """Crude singular forms, enough to keep "agent" and "agents" from both labelling a topic."""
    return {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in term.split()}
