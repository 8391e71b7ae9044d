"""Novelty: how unlike the library a paper is, as a percentile of the library's own papers.

A paper's *closeness* is the mean cosine similarity to its ``NOVELTY_K`` nearest papers first
seen before it (what `related --day` and the report's "seen before" find; a paper re-published
on a later day is judged as of the day it was first seen, so weekend copies keep their value).
Its novelty is the share of a calibration sample of the library's papers that are closer than
that to the rest of the library (the papers first seen before the same day, their own day's
papers left out, as a new day's papers never count each other): 0.99 means "further from what
you have than 99% of your papers are". The sample (``CALIBRATION_SAMPLE`` papers, seeded) is
cached in the library and drawn afresh when the library before the day differs by more than
``REFRESH_GROWTH`` from the one it was drawn from (see ``Calibration.fresh_for``).

Everything here takes arrays or scores; nothing opens a store.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

NOVELTY_K = 3              # earlier papers a paper's closeness is averaged over
CALIBRATION_SAMPLE = 500   # library papers the percentile is taken against (resolution 0.002)
REFRESH_GROWTH = 0.10      # draw the sample again when the library before the day differs by 10%
MIN_CALIBRATION = 20       # fewer sampled papers than this: no percentile (the library is too young)
SAME_DAY_MARGIN = 20       # extra neighbours fetched for a sample paper, as its own day's are dropped


def closeness(scores: Sequence[Sequence[float]], k: int = NOVELTY_K) -> np.ndarray:
    """Mean of each paper's k best similarities to earlier papers (NaN where it has none)."""
    return np.array([float(np.mean(sorted(s, reverse=True)[:k])) if len(s) else math.nan for s in scores])


@dataclass(frozen=True)
class Calibration:
    """The closeness of a sample of library papers, sorted; built for a library of ``papers``
    papers before day ``date`` with ``k`` neighbours."""

    date: str
    papers: int
    k: int
    values: tuple[float, ...]

    def novelty(self, closeness_values: np.ndarray) -> np.ndarray:
        """Share of the sample closer to its earlier papers than each value (ties count half);
        NaN where the value is NaN or the sample is too small to say."""
        values = np.asarray(closeness_values, dtype=np.float64)
        if len(self.values) < MIN_CALIBRATION:
            return np.full(len(values), math.nan)
        sample = np.asarray(self.values)
        above = len(sample) - np.searchsorted(sample, values, side="right")
        equal = np.searchsorted(sample, values, side="right") - np.searchsorted(sample, values, side="left")
        out = (above + 0.5 * equal) / len(sample)
        return np.where(np.isnan(values), math.nan, out)

    def fresh_for(self, papers_before: int, k: int) -> bool:
        """Whether this sample stands for a library of ``papers_before`` papers: made with the same
        k from a library within ``REFRESH_GROWTH`` of that size (either way: a day's few papers
        first seen a day or two before it are judged with the same sample, not a new one each)."""
        return self.k == k and abs(papers_before - self.papers) <= self.papers * REFRESH_GROWTH

    def to_json(self) -> str:
        return json.dumps({"date": self.date, "papers": self.papers, "k": self.k,
                           "values": [round(v, 5) for v in self.values]})

    @classmethod
    def from_json(cls, text: str) -> "Calibration":
        data = json.loads(text)
        return cls(data["date"], int(data["papers"]), int(data["k"]), tuple(sorted(data["values"])))


def calibration_rows(n_eligible: int, size: int = CALIBRATION_SAMPLE, seed: int = 0) -> np.ndarray:
    """Rows of the eligible papers (in arXiv-id order) that form the sample, sorted."""
    if n_eligible <= size:
        return np.arange(n_eligible)
    return np.sort(np.random.default_rng(seed).choice(n_eligible, size, replace=False))
