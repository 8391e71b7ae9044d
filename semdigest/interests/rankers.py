"""Rankers: learn an interest from its vectors, then score candidate papers (higher = closer).

Both follow scikit-learn: parameters in ``__init__``, ``fit(positives, negatives, background)``,
``decision_function(X)``, learned attributes ending in ``_``. Every input is a matrix of unit
vectors; nothing here knows about papers, stores or models.

- ``NearestRanker``: how close a paper is to the interest's nearest papers, minus how close it is
  to its nearest papers in the rest of the library (the contrast; without it, this is
  zotero-arxiv-daily's similarity, and ``recency=True`` adds its time decay).
- ``LinearRanker``: arxiv-sanity-lite's per-tag classifier, the interest against the library.
- ``CombinedRanker``: both, each calibrated on held-out library papers, summed (the default).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator

from ..errors import InterestError


class NearestRanker(BaseEstimator):
    """Mean cosine to the interest's nearest papers, contrasted with the rest of the library.

    score(x) = m_k(x, positives) - max(m_k(x, background), max cos(x, negatives))

    where m_k is the mean of the k largest cosines (without contrast the background term is
    left out, and a max over nothing is no penalty). A paper scores high when the interest's
    papers are nearer to it than the library's papers usually are: a broad field that fills
    the library does not outrank a small one the reader asked for. A paper nearer to one the
    reader marked not interesting than to its usual neighbours loses the difference.

    Parameters
    ----------
    n_neighbors : int or None, default=10
        k: how many of the nearest interest (and background) papers are averaged; None averages
        every interest paper, as zotero-arxiv-daily does.
    contrast : bool, default=True
        Subtract the mean cosine to the k nearest background papers (needs a background).
    recency : bool, default=False
        Weight interest papers by how recently they were added, with zotero-arxiv-daily's
        decay 1 / (1 + log10(age rank + 1)) (the newest has rank 0). Positives must come
        oldest first, as InterestVectors gives them.
    max_background : int, default=20000
        A larger background is subsampled to this many rows (fixed by random_state).
    random_state : int, default=0

    Attributes
    ----------
    positives_, negatives_, background_ : ndarray
        The vectors it compares with (background_ subsampled, empty without contrast).
    weights_ : ndarray of shape (n_positives,)
        Recency weights (all ones when recency is off).
    """

    def __init__(self, n_neighbors: int | None = 10, contrast: bool = True, recency: bool = False,
                 max_background: int = 20000, random_state: int = 0):
        self.n_neighbors = n_neighbors
        self.contrast = contrast
        self.recency = recency
        self.max_background = max_background
        self.random_state = random_state

    def fit(self, positives: np.ndarray, negatives: np.ndarray | None = None,
            background: np.ndarray | None = None) -> "NearestRanker":
        if self.n_neighbors is not None and self.n_neighbors < 1:
            raise ValueError(f"n_neighbors must be at least 1 or None, not {self.n_neighbors}")
        self.positives_ = _check(positives, "positives", required=True)
        dimension = self.positives_.shape[1]
        self.negatives_ = _check(negatives, "negatives", dimension=dimension)
        background = _check(background, "background", dimension=dimension)
        if self.contrast and not len(background):
            raise InterestError("contrast needs a background: the library's other papers")
        self.background_ = _subsample(background, self.max_background, self.random_state) if self.contrast \
            else background[:0]
        n = len(self.positives_)
        self.weights_ = _recency_weights(n) if self.recency else np.ones(n)
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        X = _check(X, "X", dimension=self.positives_.shape[1])
        similarity = X @ self.positives_.T
        k = len(self.positives_) if self.n_neighbors is None else min(self.n_neighbors, len(self.positives_))
        nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        weights = self.weights_[nearest]
        score = (np.take_along_axis(similarity, nearest, axis=1) * weights).sum(axis=1) / weights.sum(axis=1)
        penalty = np.full(len(X), -np.inf)
        if len(self.background_):
            kb = min(self.n_neighbors or k, len(self.background_))
            penalty = _mean_top(X @ self.background_.T, kb)
        if len(self.negatives_):
            penalty = np.maximum(penalty, (X @ self.negatives_.T).max(axis=1))
        return score - np.where(np.isfinite(penalty), penalty, 0.0)


class LinearRanker(BaseEstimator):
    """A linear classifier of the interest's papers against the rest of the library.

    As arxiv-sanity-lite ranks by a tag: positives are class 1, the library's other papers
    class 0, the score is the signed distance to the separating hyperplane. Papers marked not
    interesting are class 0 with the weight of a positive each.

    Parameters
    ----------
    estimator : {"svm", "logistic"}, default="svm"
        sklearn's LinearSVC (arxiv-sanity-lite's choice) or LogisticRegression.
    C : float, default=0.1
        Inverse regularisation strength (arxiv-sanity-lite: 0.1).
    class_weight : "balanced" or dict or None, default="balanced"
    max_background : int, default=20000
        A larger background is subsampled to this many rows (fixed by random_state).
    random_state : int, default=0

    Attributes
    ----------
    classifier_ : LinearSVC or LogisticRegression
        The fitted classifier.
    n_background_ : int
        Background rows it was fitted on.
    """

    def __init__(self, estimator: str = "svm", C: float = 0.1, class_weight="balanced",
                 max_background: int = 20000, random_state: int = 0):
        self.estimator = estimator
        self.C = C
        self.class_weight = class_weight
        self.max_background = max_background
        self.random_state = random_state

    def fit(self, positives: np.ndarray, negatives: np.ndarray | None = None,
            background: np.ndarray | None = None) -> "LinearRanker":
        positives = _check(positives, "positives", required=True)
        dimension = positives.shape[1]
        negatives = _check(negatives, "negatives", dimension=dimension)
        background = _subsample(_check(background, "background", dimension=dimension),
                                self.max_background, self.random_state)
        if not len(negatives) and not len(background):
            raise InterestError("a classifier needs papers outside the interest: pass the library as background")
        X = np.vstack([positives, negatives, background])
        y = np.r_[np.ones(len(positives)), np.zeros(len(negatives) + len(background))]
        # a not-interesting mark weighs as much as a positive (the background is many, each weak)
        weight = np.r_[np.ones(len(positives)), np.full(len(negatives), max(1.0, len(background) / len(positives))),
                       np.ones(len(background))]
        self.classifier_ = self._classifier().fit(X, y, sample_weight=weight)
        self.n_background_ = len(background)
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return self.classifier_.decision_function(_check(X, "X", dimension=self.classifier_.coef_.shape[1]))

    def _classifier(self):
        if self.estimator == "svm":
            from sklearn.svm import LinearSVC
            return LinearSVC(C=self.C, class_weight=self.class_weight, max_iter=10000, tol=1e-6,
                             random_state=self.random_state)
        if self.estimator == "logistic":
            from sklearn.linear_model import LogisticRegression
            return LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=1000)
        raise ValueError(f"estimator must be 'svm' or 'logistic', not {self.estimator!r}")


class CombinedRanker(BaseEstimator):
    """The sum of several rankers' scores, each in standard deviations over ordinary library papers.

    Rankers err differently (nearest neighbours follow the interest's local clusters, the
    classifier a direction that separates it from the library), so the sum ranks better than
    either. Each score is put on one scale without looking at the candidates: ``n_calibration``
    background papers are held out of fitting and scored, and their mean and standard deviation
    centre and scale that ranker. A paper's score is then its own, whatever else is ranked.

    Parameters
    ----------
    rankers : list of estimators, default=None
        None means ``[NearestRanker(), LinearRanker()]``. They are cloned, never changed.
    n_calibration : int, default=500
        Background papers held out to calibrate (at most a fifth of the background).
    random_state : int, default=0

    Attributes
    ----------
    rankers_ : list of fitted estimators
    location_, scale_ : ndarray of shape (n_rankers,)
        Mean and standard deviation of each ranker's scores on the held-out papers.
    """

    def __init__(self, rankers=None, n_calibration: int = 500, random_state: int = 0):
        self.rankers = rankers
        self.n_calibration = n_calibration
        self.random_state = random_state

    def fit(self, positives: np.ndarray, negatives: np.ndarray | None = None,
            background: np.ndarray | None = None) -> "CombinedRanker":
        from sklearn.base import clone

        positives = _check(positives, "positives", required=True)
        background = _check(background, "background", dimension=positives.shape[1])
        held_out = np.zeros(len(background), dtype=bool)
        n = min(self.n_calibration, len(background) // 5)
        if n >= 2:
            held_out[np.random.default_rng(self.random_state).choice(len(background), n, replace=False)] = True
        members = self.rankers if self.rankers is not None else [NearestRanker(), LinearRanker()]
        self.rankers_ = [clone(r).fit(positives, negatives, background[~held_out]) for r in members]
        location, scale = np.zeros(len(members)), np.ones(len(members))
        if held_out.any():
            scores = np.array([r.decision_function(background[held_out]) for r in self.rankers_])
            location, spread = scores.mean(axis=1), scores.std(axis=1)
            scale = np.where(spread > 0, spread, 1.0)
        self.location_, self.scale_ = location, scale
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        scores = np.array([r.decision_function(X) for r in self.rankers_])
        return ((scores - self.location_[:, None]) / self.scale_[:, None]).sum(axis=0)


def _recency_weights(n: int) -> np.ndarray:
    """zotero-arxiv-daily's decay over rows given oldest first (the last row is the newest)."""
    age_rank = np.arange(n)[::-1]
    return 1.0 / (1.0 + np.log10(age_rank + 1.0))


def _mean_top(similarity: np.ndarray, k: int) -> np.ndarray:
    top = np.partition(similarity, similarity.shape[1] - k, axis=1)[:, similarity.shape[1] - k:]
    return top.mean(axis=1)


def _subsample(matrix: np.ndarray, limit: int, random_state: int) -> np.ndarray:
    if len(matrix) <= limit:
        return matrix
    rows = np.sort(np.random.default_rng(random_state).choice(len(matrix), limit, replace=False))
    return matrix[rows]


def _check(matrix, name: str, dimension: int | None = None, required: bool = False) -> np.ndarray:
    if matrix is None:
        matrix = np.zeros((0, dimension or 0), dtype=np.float32)
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim != 2:
        raise ValueError(f"{name} must be a 2-d matrix, got shape {matrix.shape}")
    if required and not len(matrix):
        raise InterestError("the interest has no papers with vectors yet: add papers the library holds, "
                            "a description, or a BibTeX file")
    if dimension is not None and len(matrix) and matrix.shape[1] != dimension:
        raise ValueError(f"{name} has dimension {matrix.shape[1]}, expected {dimension}")
    if dimension is not None and not len(matrix):
        matrix = matrix.reshape(0, dimension)
    return matrix
