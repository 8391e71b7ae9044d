"""Measures of a day's topics that a reader can check by eye, used by the tests and the topics
benchmark: do labels repeat words, do they hold phrases, does the map keep topics together."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from .labels import stem


def _words(label: str) -> set[str]:
    return {stem(w) for w in re.findall(r"[a-z][a-z\-]*", label.lower())}


def label_collisions(labels: Sequence[str]) -> int:
    """How many labels share a word (singular and plural alike) with another label of the set."""
    words = [_words(label) for label in labels]
    return sum(any(mine & theirs for j, theirs in enumerate(words) if j != i) for i, mine in enumerate(words))


def phrase_share(labels: Sequence[str]) -> float:
    """Share of labels holding a phrase of two or more words (labels are phrases joined by ", ")."""
    if not labels:
        return 0.0
    return float(np.mean([any(len(p.split()) > 1 for p in label.split(", ")) for label in labels]))


def map_agreement(coords: np.ndarray, topics: np.ndarray, k: int = 10) -> float:
    """Mean share of each paper's ``k`` nearest points on the map that are in its topic."""
    coords, topics = np.asarray(coords, dtype=float), np.asarray(topics)
    k = min(k, len(coords) - 1)
    if k < 1:
        return 1.0
    squared = ((coords[:, None, :] - coords[None, :, :]) ** 2).sum(axis=-1)
    np.fill_diagonal(squared, np.inf)
    nearest = np.argsort(squared, axis=1, kind="stable")[:, :k]
    return float((topics[nearest] == topics[:, None]).mean())


def _label_phrases(label: str) -> list[list[str]]:
    label = label.split(": ", 1)[1] if label.startswith("Mixed: ") else label
    return [[stem(w) for w in re.findall(r"[a-z][a-z\-]*[a-z]|[a-z]", p.lower())] for p in label.split(", ") if p]


def _uses(text: str, phrases: list[list[str]]) -> bool:
    words = [stem(w) for w in re.findall(r"[a-z][a-z\-]*[a-z]|[a-z]", text.lower())]
    return any(p and any(words[k:k + len(p)] == p for k in range(len(words) - len(p) + 1)) for p in phrases)


def label_coverage(texts: Sequence[str], topics: np.ndarray, labels: dict[int, str]) -> dict[int, tuple[float, float]]:
    """Per topic: the share of its papers whose text uses one of its label's phrases, and how many
    times more often that is than in the day's other papers (inf when none of them does)."""
    topics = np.asarray(topics)
    out = {}
    for t, label in labels.items():
        phrases = _label_phrases(label)
        used = np.array([_uses(text, phrases) for text in texts])
        inside, outside = used[topics == t].mean(), used[topics != t].mean() if (topics != t).any() else 0.0
        out[t] = (float(inside), float(inside / outside) if outside else float("inf"))
    return out
