"""Labellers: what names a TopicModel's topics, swappable like BERTopic's representation models.

A labeller is a small estimator with one method, ``describe``, that takes the fitted topics
(each paper's text, topic and vector) and returns each topic's key phrases and label.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval

from .labels import TopicWords, describe_topics


class BaseLabeller(BaseEstimator):
    """The base of every labeller: parameters in ``__init__``, one ``describe``."""

    def describe(self, texts: Sequence[str], labels: np.ndarray, vectors: np.ndarray,
                 titles: Sequence[str] | None = None) -> dict[int, TopicWords]:
        """Key phrases and a label for each topic id in ``labels`` (one entry per paper, ``texts``
        and unit ``vectors`` in the same order; ``titles`` when the caller has them apart)."""
        raise NotImplementedError


class CTfidfLabeller(BaseLabeller):
    """Class-based TF-IDF over phrases, diversified by maximal marginal relevance, distinct across
    topics (``labels.describe_topics``).

    Parameters
    ----------
    n_terms : int, default=5
        Key phrases kept per topic.
    label_terms : int, default=3
        Phrases a label is made of, at most.
    diversity : float, default=0.3
        Weight of maximal marginal relevance's redundancy penalty.
    """

    _parameter_constraints = {
        "n_terms": [Interval(Integral, 1, None, closed="left")],
        "label_terms": [Interval(Integral, 1, None, closed="left")],
        "diversity": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, n_terms=5, label_terms=3, diversity=0.3):
        self.n_terms = n_terms
        self.label_terms = label_terms
        self.diversity = diversity

    def describe(self, texts, labels, vectors, titles=None):
        self._validate_params()
        return describe_topics(texts, labels, self.n_terms, self.label_terms, self.diversity)
