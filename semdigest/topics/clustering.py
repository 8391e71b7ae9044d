"""The clusterer a TopicModel is composed with by default: cut the neighbour graph into topics.

By default (``method="spectral"``) the topics are KMeans clusters of the graph's spectral embedding
(the first eigenvectors of its normalised Laplacian), five on a day of up to 600 papers (one more
per ``topic_size`` papers past that). Both choices are for stability: the eigenvectors move as
little as the graph does, and a count that does not move with the day's size cannot flip (with one
topic per 60 papers, 2026-06-10's 252 papers sat at the 4/5 boundary and noise of cosine 0.99995
gave adjusted Rand 0.886) nor change the grain of the topics from day to day, which split a
subject's earlier papers between ids (issue 23's identity under ``TopicTracker(min_identity=0.7)``:
0.83 with 4-9 topics a day and 1.2 of them carried a weekday, 0.85 and 2.0 with five). Measured on the 11 shared days with new
papers, against the same vectors with noise of cosine >= 0.9999 (what another backend that passes
the gate gives): adjusted Rand 0.71-0.96 (mean 0.87) for the former default (KMeans on a 10-d UMAP
layout, the number of topics where modularity peaks), whose SGD layout amplifies a small change; see
benchmarks/topics_bench.py for the spectral figures. ``"kmeans"`` and ``"agglomerative"`` cut the
UMAP layout given to ``fit``.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.utils._param_validation import Interval, StrOptions
from scipy.sparse.csgraph import laplacian
from threadpoolctl import threadpool_limits

# Candidate numbers of topics stop where topics would average fewer papers than this (but
# 2 and 3 are always tried, so a small day can still avoid one topic holding most of it).
MIN_MEAN_TOPIC_SIZE = 8
# Past this many papers the eigenvectors come from a sparse solver (a dense one is O(n^3)).
DENSE_EIGEN_LIMIT = 2000
# No topic may hold more than this share of the papers when another choice avoids it.
MAX_TOPIC_SHARE = 0.6
# Seeds of numpy, KMeans and UMAP are 32-bit.
MAX_SEED = 2**32 - 1


class GraphClusterer(ClusterMixin, BaseEstimator):
    """Cut a layout of papers into topics, helped by their neighbour graph.

    Parameters
    ----------
    n_topics : int or None, default=None
        Number of topics. None chooses it: with ``"spectral"``, one topic per ``topic_size`` papers
        but at least ``min_topics`` (and at most ``max_topics``; on small sets at least 8 papers a
        topic, at least 2 topics; more while one topic holds over 60% of the papers); otherwise the
        number between 2 and ``max_topics`` whose topics keep the most link weight of the graph
        inside them (modularity), among those where no topic holds more than 60% of the papers.
    max_topics : int, default=12
        Most topics ``n_topics=None`` may choose (fewer on small sets: at least 8 papers a topic).
    method : {"spectral", "kmeans", "agglomerative"}, default="spectral"
        KMeans on the graph's spectral embedding; or the given layout cut by KMeans or by Ward's
        agglomerative clustering (then each paper settles in the topic most of its links go to).
    topic_size : int, default=110
        Papers a topic holds on average when ``"spectral"`` chooses the number ...
    min_topics : int, default=5
        ... and the fewest topics it chooses (a day of 250-550 papers: five).
    random_state : int, default=42
        Seed of KMeans.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Topic of each row (0 .. n_topics_ - 1, unordered).
    n_topics_ : int
        Number of topics found.
    embedding_ : ndarray or None
        The spectral embedding the topics were cut from (None for the other methods).
    """

    _parameter_constraints = {
        "n_topics": [None, Interval(Integral, 1, None, closed="left")],
        "max_topics": [Interval(Integral, 2, None, closed="left")],
        "method": [StrOptions({"spectral", "kmeans", "agglomerative"})],
        "topic_size": [Interval(Integral, 2, None, closed="left")],
        "min_topics": [Interval(Integral, 1, None, closed="left")],
        "random_state": [Interval(Integral, 0, MAX_SEED, closed="both")],
    }

    def __init__(self, n_topics=None, max_topics=12, method="spectral", topic_size=110, min_topics=5,
                 random_state=42):
        self.n_topics = n_topics
        self.min_topics = min_topics
        self.max_topics = max_topics
        self.method = method
        self.topic_size = topic_size
        self.random_state = random_state

    @property
    def needs_layout(self) -> bool:
        """Whether ``fit`` cuts the layout it is given (else only the graph is used)."""
        return self.method != "spectral"

    def fit(self, X, y=None, graph=None) -> "GraphClusterer":
        """``X``: the layout (rows in canonical order); ``graph``: the symmetric sparse link
        strengths between those rows (``NeighbourGraph.membership()``)."""
        self._validate_params()
        self.embedding_ = None
        if self.method == "spectral":
            if graph is None:
                raise ValueError("GraphClusterer(method='spectral') needs the graph: fit(X, graph=links)")
            labels = self._spectral(graph)
        else:
            labels = self._choose(np.asarray(X), graph)
            if graph is not None:
                labels = settle(graph, labels, keep_all=bool(self.n_topics))
        self.labels_ = labels
        self.n_topics_ = int(labels.max()) + 1 if len(labels) else 0
        return self

    def fit_predict(self, X, y=None, graph=None) -> np.ndarray:
        return self.fit(X, graph=graph).labels_

    def _spectral(self, graph) -> np.ndarray:
        n = graph.shape[0]
        most = max(2, min(self.max_topics, n // MIN_MEAN_TOPIC_SIZE))
        k = self.n_topics or int(np.clip(round(n / self.topic_size), min(self.min_topics, most), most))
        k = min(k, n)
        self.embedding_ = spectral_embedding(graph, max(min(k, self.max_topics), 2))
        while True:
            labels = self._cut(self.embedding_[:, :k] if k > 1 else self.embedding_[:, :1], k, n_init=50)
            if self.n_topics or k >= min(self.max_topics, n // 2) or np.bincount(labels).max() <= MAX_TOPIC_SHARE * n:
                return labels
            k += 1
            if k > self.embedding_.shape[1]:
                self.embedding_ = spectral_embedding(graph, k)

    def _choose(self, X: np.ndarray, graph) -> np.ndarray:
        """``n_topics`` clusters, or the candidate count with the best modularity."""
        n = len(X)
        if self.n_topics or graph is None:
            return self._cut(X, min(self.n_topics or self.max_topics, n))
        most = max(min(3, self.max_topics), min(self.max_topics, n // MIN_MEAN_TOPIC_SIZE))
        best = None
        for k in range(2, most + 1):
            labels = self._cut(X, k)
            score = (np.bincount(labels).max() <= MAX_TOPIC_SHARE * n, modularity(graph, labels))
            if best is None or score > best[0]:
                best = (score, labels)
        return best[1]

    def _cut(self, X: np.ndarray, k: int, n_init: int = 10) -> np.ndarray:
        if self.method == "agglomerative":
            return AgglomerativeClustering(k, linkage="ward").fit_predict(X)
        # One thread: on a busy 2-core machine OpenMP's threads made the 110 small runs 28x slower
        # (8.2 s instead of 0.29 s), and the result does not depend on the machine's thread count.
        with threadpool_limits(1):
            return KMeans(k, n_init=n_init, random_state=self.random_state).fit_predict(X)


def spectral_embedding(graph, dims: int) -> np.ndarray:
    """The first ``dims`` non-trivial eigenvectors of the graph's normalised Laplacian, each with a
    fixed sign (its largest entry positive) so that a small change of the graph cannot flip it."""
    n = graph.shape[0]
    dims = max(min(dims, n - 2), 1)
    lap = laplacian(graph.astype(np.float64), normed=True)
    if n <= DENSE_EIGEN_LIMIT:
        _, vectors = np.linalg.eigh(lap.toarray())
    else:
        from scipy.sparse.linalg import eigsh

        _, vectors = eigsh(lap, k=dims + 1, sigma=-1e-3, which="LM", v0=np.ones(n))
    vectors = vectors[:, 1:dims + 1]
    signs = np.sign(vectors[np.abs(vectors).argmax(axis=0), np.arange(vectors.shape[1])])
    return (vectors * np.where(signs == 0, 1, signs)).astype(np.float64)


def settle(links, labels: np.ndarray, rounds: int = 10, keep_all: bool = False) -> np.ndarray:
    """Each paper joins the topic that holds most of its link strength, until nothing moves (or a
    round would leave one topic with more than 60% of the papers, or, with ``keep_all`` (the
    user asked for n topics), would empty a topic).

    KMeans draws straight borders through the layout; a paper just across one belongs with the
    papers it is linked to. On the 11 shared days this took the flagged share from 13.2% to 10.8%
    and V-measure from 0.431 to 0.441, the map agreement unchanged (0.894)."""
    rows = np.repeat(np.arange(links.shape[0]), np.diff(links.indptr))
    for _ in range(rounds):
        votes = np.zeros((links.shape[0], labels.max() + 1))
        np.add.at(votes, (rows, labels[links.indices]), links.data)
        # ties (and papers without links) stay where they are
        best = np.where(votes.max(axis=1) > votes[np.arange(len(labels)), labels], votes.argmax(axis=1), labels)
        emptied = keep_all and len(np.unique(best)) < len(np.unique(labels))
        if np.array_equal(best, labels) or np.bincount(best).max() > MAX_TOPIC_SHARE * len(labels) or emptied:
            break  # settled, or one topic would swallow a small day
        labels = best
    return labels


def link_weights(links, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per paper: total link strength, and link strength to papers of its own topic."""
    rows = np.repeat(np.arange(links.shape[0]), np.diff(links.indptr))
    inside = np.bincount(rows, weights=links.data * (labels[links.indices] == labels[rows]), minlength=links.shape[0])
    return np.bincount(rows, weights=links.data, minlength=links.shape[0]), inside


def own_topic_share(links, labels: np.ndarray) -> np.ndarray:
    total, inside = link_weights(links, labels)
    return np.where(total > 0, inside / np.where(total > 0, total, 1.0), 0.0)


def modularity(links, labels: np.ndarray) -> float:
    """Newman's modularity of a partition of the weighted graph: link weight inside topics beyond chance."""
    total, inside = link_weights(links, labels)
    weight = total.sum()
    per_topic = np.bincount(labels, weights=total)
    return float(inside.sum() / weight - ((per_topic / weight) ** 2).sum())


def split_topics(links, labels: np.ndarray, subtopic_size: int, random_state: int = 42) -> np.ndarray:
    """Sub-topics: each topic cut on its own part of the graph (spectral, one sub-topic per
    ``subtopic_size`` papers, none for a topic under twice that), numbered 0.. within each topic."""
    out = np.zeros(len(labels), dtype=int)
    for t in np.unique(labels):
        members = np.flatnonzero(labels == t)
        k = int(round(len(members) / subtopic_size))
        if k < 2:
            continue
        inner = links[members][:, members]
        out[members] = GraphClusterer(n_topics=k, random_state=random_state).fit_predict(None, graph=inner)
    return out
