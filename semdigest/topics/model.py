"""Topics of a day's papers: a scikit-learn style estimator made for 100-700 papers.

Default pipeline: a 5-d cosine UMAP of the embeddings, HDBSCAN on it, then every paper the
clustering left as noise goes to the nearest topic centre and is flagged. Fitting happens in a
canonical order (sorted by arXiv id) because UMAP, HDBSCAN and KMeans all change with the input
order even under a fixed seed; the same papers therefore always give the same topics.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.cluster import HDBSCAN, AgglomerativeClustering, KMeans

from ..maps.projection import reduce
from .labels import topic_terms


@dataclass(frozen=True)
class Topic:
    """One topic: its papers, its key phrases, and the papers nearest its centre."""

    id: int
    label: str
    terms: tuple[str, ...]
    size: int
    paper_ids: tuple[str, ...]
    representative_ids: tuple[str, ...]
    centroid: np.ndarray = field(repr=False, compare=False)

    def __repr__(self) -> str:
        return f"Topic({self.id}, {self.label!r}, size={self.size})"


class Topics(list):
    """The topics of a fit, largest first; a list of Topic with a table view."""

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"topic": t.id, "label": t.label, "size": t.size, "terms": ", ".join(t.terms),
                              "representative": ", ".join(t.representative_ids)} for t in self])

    def __repr__(self) -> str:
        return "\n".join(f"{t.id:>3}  {t.size:>4}  {t.label}" for t in self) or "no topics"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{t.id}</td><td>{t.size}</td><td><b>{html.escape(t.label)}</b></td>"
            f"<td>{html.escape(', '.join(t.terms))}</td><td>"
            + ", ".join(f"<a href='https://arxiv.org/abs/{i}' target='_blank'>{i}</a>" for i in t.representative_ids)
            + "</td></tr>"
            for t in self
        )
        return ("<table><tr><th>topic</th><th>papers</th><th>label</th><th>key phrases</th>"
                f"<th>most representative</th></tr>{rows}</table>")


class TopicModel:
    """Group papers into named topics.

    Parameters
    ----------
    method : {"hdbscan", "kmeans", "agglomerative"}, default="hdbscan"
        HDBSCAN finds the number of topics itself; the others need ``n_topics``.
    n_topics : int or None, default=None
        With HDBSCAN: merge its topics hierarchically (by centroid) down to this many.
        With KMeans / agglomerative: the number of clusters (default 12).
    min_topic_size : int or None, default=None
        HDBSCAN's ``min_cluster_size``; None scales with the corpus (n / 50, between 5 and 15): on seed 000
        it gave the best V-measure with both fp32 and int8 embeddings (n / 40 was fragile).
    max_topic_size : int or None, default=None
        HDBSCAN's ``max_cluster_size``; None is n / 5 (at least twice the minimum). Uncapped,
        excess-of-mass keeps a whole day as one cluster whenever a small, far field (quantum
        codes, say) splits off first: on 5 of 11 real days that left 2-4 topics, the largest
        holding 48-98% of the papers; n / 5 gave 10-19 topics on all eleven
        (``benchmarks/topics_bench.py``). Papers left as noise join their nearest topic afterwards,
        so a final topic can be larger.
    n_components : int, default=5
        Dimensions of the UMAP reduction the clustering runs on.
    n_neighbors : int, default=15
        UMAP's neighbourhood size.
    n_terms : int, default=5
        Key phrases kept per topic; the label is the first three.
    random_state : int, default=42
        Seed of UMAP and KMeans: the same papers and seed give the same topics.

    Attributes
    ----------
    labels_ : ndarray of shape (n_papers,)
        Topic id of each paper, in the input order.
    outliers_ : ndarray of bool, shape (n_papers,)
        Papers the clustering left as noise and that were assigned to the nearest topic.
    topics_ : Topics
        The topics, largest first (topic ids are ranks: 0 is the largest).
    embedding_ : ndarray of shape (n_papers, n_components)
        The reduction the clustering ran on, in the input order.

    Examples
    --------
    >>> model = TopicModel(random_state=0).fit(matrix, ids=ids, texts=texts)  # doctest: +SKIP
    >>> model.topics_[0].label                                                  # doctest: +SKIP
    'gaussian splatting, scene reconstruction, view synthesis'
    """

    _parameter_constraints = {
        "method": {"hdbscan", "kmeans", "agglomerative"},
        "n_topics": (type(None), Integral),
        "min_topic_size": (type(None), Integral),
        "max_topic_size": (type(None), Integral),
        "n_components": (Integral,),
        "n_neighbors": (Integral,),
        "n_terms": (Integral,),
        "random_state": (Integral,),
    }

    def __init__(self, method="hdbscan", n_topics=None, min_topic_size=None, max_topic_size=None,
                 n_components=5, n_neighbors=15, n_terms=5, random_state=42):
        self.method = method
        self.n_topics = n_topics
        self.min_topic_size = min_topic_size
        self.max_topic_size = max_topic_size
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.n_terms = n_terms
        self.random_state = random_state

    def get_params(self) -> dict:
        return {name: getattr(self, name) for name in self._parameter_constraints}

    def __repr__(self) -> str:
        return f"TopicModel({', '.join(f'{k}={v!r}' for k, v in self.get_params().items())})"

    def _validate_params(self) -> None:
        for name, allowed in self._parameter_constraints.items():
            value = getattr(self, name)
            ok = value in allowed if isinstance(allowed, set) else isinstance(value, allowed)
            if not ok or (isinstance(value, Integral) and not isinstance(value, bool) and value < 1
                          and name != "random_state"):
                raise ValueError(f"TopicModel: {name}={value!r} is not valid ({allowed})")

    def fit(self, X, ids=None, texts=None) -> "TopicModel":
        """Fit on unit vectors ``X``; ``ids`` fix the canonical order, ``texts`` give the labels."""
        self._validate_params()
        X = np.asarray(X, dtype=np.float32)
        n = len(X)
        ids = list(ids) if ids is not None else [f"{i:09d}" for i in range(n)]
        texts = list(texts) if texts is not None else [""] * n
        if not (len(ids) == len(texts) == n):
            raise ValueError("TopicModel.fit: X, ids and texts must have the same length")
        order = np.argsort(np.asarray(ids), kind="stable")
        embedding, labels, outliers = self._cluster(X[order])
        inverse = np.empty_like(order)
        inverse[order] = np.arange(n)
        self.embedding_ = embedding[inverse]
        self.labels_, self.outliers_ = labels[inverse], outliers[inverse]
        self.topics_ = self._describe(X, ids, texts)
        return self

    def fit_transform(self, X, ids=None, texts=None) -> np.ndarray:
        return self.fit(X, ids=ids, texts=texts).labels_

    # -- steps --------------------------------------------------------------------------

    def _cluster(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(X)
        embedding = reduce(X, self.n_components, n_neighbors=self.n_neighbors, random_state=self.random_state)
        outliers = np.zeros(n, dtype=bool)
        if n < 3:
            return embedding, np.zeros(n, dtype=int), outliers
        if self.method == "hdbscan":
            size = min(self.min_topic_size or int(np.clip(n // 50, 5, 15)), n)
            ceiling = self.max_topic_size or max(n // 5, 2 * size)
            labels = HDBSCAN(min_cluster_size=size, max_cluster_size=ceiling, min_samples=None,
                             copy=True).fit_predict(embedding)
            outliers = labels < 0
            if outliers.all():  # no structure at all: one topic
                return embedding, np.zeros(n, dtype=int), outliers
            labels = _assign_to_nearest(X, labels)
            if self.n_topics and len(set(labels)) > self.n_topics:
                labels = _merge(X, labels, self.n_topics)
        else:
            k = min(self.n_topics or 12, n)
            if self.method == "kmeans":
                labels = KMeans(k, n_init=10, random_state=self.random_state).fit_predict(X)
            else:
                labels = AgglomerativeClustering(k, metric="cosine", linkage="average").fit_predict(X)
        return embedding, labels, outliers

    def _describe(self, X: np.ndarray, ids: list[str], texts: list[str]) -> Topics:
        """Rank topics by size (ties by first id), relabel 0..k-1, name and describe them."""
        groups = sorted(set(self.labels_.tolist()),
                        key=lambda t: (-(self.labels_ == t).sum(), min(i for i, l in zip(ids, self.labels_) if l == t)))
        rank = {old: new for new, old in enumerate(groups)}
        self.labels_ = np.array([rank[t] for t in self.labels_], dtype=int)
        terms = topic_terms(texts, self.labels_, self.n_terms) if any(texts) else {}
        topics = Topics()
        for t in range(len(groups)):
            members = np.flatnonzero(self.labels_ == t)
            centroid = X[members].mean(axis=0)
            centroid /= np.linalg.norm(centroid) or 1.0
            closeness = X[members] @ centroid
            best = members[np.lexsort((np.asarray(ids)[members], -closeness))[:3]]
            phrases = tuple(terms.get(t, ()))
            topics.append(Topic(
                id=t, label=", ".join(phrases[:3]) or f"topic {t}", terms=phrases, size=len(members),
                paper_ids=tuple(sorted(ids[i] for i in members)),
                representative_ids=tuple(ids[i] for i in best), centroid=centroid,
            ))
        return topics


def _centroids(X: np.ndarray, labels: np.ndarray) -> tuple[list[int], np.ndarray]:
    topics = sorted(set(labels.tolist()) - {-1})
    centres = np.vstack([X[labels == t].mean(axis=0) for t in topics])
    return topics, centres / np.linalg.norm(centres, axis=1, keepdims=True)


def _assign_to_nearest(X: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Noise (-1) goes to the topic whose centre is most similar (cosine)."""
    topics, centres = _centroids(X, labels)
    labels = labels.copy()
    noise = labels < 0
    if noise.any():
        labels[noise] = np.asarray(topics)[np.argmax(X[noise] @ centres.T, axis=1)]
    return labels


def _merge(X: np.ndarray, labels: np.ndarray, n_topics: int) -> np.ndarray:
    """Merge topics bottom-up by centroid similarity (average linkage) down to ``n_topics``."""
    topics, centres = _centroids(X, labels)
    groups = AgglomerativeClustering(n_topics, metric="cosine", linkage="average").fit_predict(centres)
    mapping = dict(zip(topics, groups))
    return np.array([mapping[t] for t in labels], dtype=int)
