"""Topics of a set of papers: a scikit-learn style estimator made for 10-700 papers.

One neighbour graph (``graph.neighbour_graph``) serves the topics and the map. The model is
composed like BERTopic's: a clusterer cuts a layout of the graph into topics (by default
``GraphClusterer``: KMeans, the number of topics where the graph's modularity peaks, then each
paper settles in the topic most of its links go to) and a labeller names them (``labellers``);
the 2-d map is a layout of the same graph. A paper's confidence
is the share of its links in that graph (UMAP's fuzzy link strengths) that stay inside its
topic; below ``min_confidence`` it is flagged. Everything is fitted in arXiv-id order with a
fixed seed, so the same papers give the same topics whatever order they come in.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field, replace
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin, clone
from sklearn.utils._param_validation import HasMethods, Interval, InvalidParameterError, StrOptions

from ..errors import TopicError
from .clustering import MAX_SEED, GraphClusterer, own_topic_share, split_topics
from .graph import neighbour_graph
from .keyphrases import KeyPhraseLabeller
from .labellers import BaseLabeller

# Fewer papers than this are listed as one group: there is no structure to find in them.
MIN_PAPERS = 10


@dataclass(frozen=True)
class Topic:
    """One topic: its papers, its key phrases, and the papers nearest its centre (and their titles)."""

    id: int
    label: str
    terms: tuple[str, ...]
    size: int
    paper_ids: tuple[str, ...]
    representative_ids: tuple[str, ...]
    confidence: float
    centroid: np.ndarray = field(repr=False, compare=False)
    representative_titles: tuple[str, ...] = ()
    parent: int | None = None  # a sub-topic: the id of the topic it is inside

    def __repr__(self) -> str:
        return f"Topic({self.id}, {self.label!r}, size={self.size}, confidence={self.confidence:.2f})"


class Topics(list):
    """The topics of a fit, largest first; a list of Topic with a table view."""

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"topic": t.id, "label": t.label, "size": t.size, "confidence": round(t.confidence, 3),
                              "terms": ", ".join(t.terms), "representative": ", ".join(t.representative_ids)}
                             for t in self])

    def __repr__(self) -> str:
        return "\n".join(f"{t.id:>3}  {t.size:>4}  {t.confidence:.2f}  {t.label}" for t in self) or "no topics"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{t.id}</td><td>{t.size}</td><td>{t.confidence:.2f}</td><td><b>{html.escape(t.label)}</b></td>"
            f"<td>{html.escape(', '.join(t.terms))}</td><td>"
            + ", ".join(f"<a href='https://arxiv.org/abs/{i}' target='_blank'>{i}</a>" for i in t.representative_ids)
            + "</td></tr>"
            for t in self
        )
        return ("<table><tr><th>topic</th><th>papers</th><th>confidence</th><th>label</th><th>key phrases</th>"
                f"<th>most representative</th></tr>{rows}</table>")


class TopicModel(ClusterMixin, BaseEstimator):
    """Group papers into named topics.

    Parameters
    ----------
    n_topics : int or None, default=None
        Number of topics. None chooses it (``GraphClusterer``): with ``"spectral"`` five up to 600
        papers (fewer on small sets, one more per 110 papers past that), else where the graph's
        modularity peaks.
    max_topics : int, default=12
        Most topics ``n_topics=None`` may choose (fewer on small days: at least 8 papers a topic).
    method : {"spectral", "kmeans", "agglomerative"}, default="spectral"
        KMeans on the graph's spectral embedding (stable under small changes of the vectors), or
        KMeans / Ward's clustering of a UMAP layout of the graph.
    n_neighbors : int, default=15
        Neighbours per paper in the graph the topics and the map share.
    n_components : int, default=10
        Dimensions of the UMAP layout the ``"kmeans"`` and ``"agglomerative"`` methods cut.
    min_confidence : float, default=0.5
        Papers whose confidence is below this are flagged.
    random_state : int, default=42
        Seed of UMAP and of the default clusterer: the same papers and seed give the same topics.
    clusterer : estimator or None, default=None
        What cuts the papers into topics: anything with ``fit_predict``, given the UMAP layout (a
        ``GraphClusterer`` is also given the graph). None: ``GraphClusterer(n_topics, max_topics,
        method, random_state=random_state)``.
    subtopic_size : int or None, default=18
        Papers a sub-topic holds on average: each topic of at least twice as many papers is cut
        into sub-topics on its own part of the graph. None: no sub-topics.
    labeller : BaseLabeller or None, default=None
        What names the topics. None: ``KeyPhraseLabeller()`` (``CTfidfLabeller()``: the former
        c-TF-IDF labels).

    Attributes
    ----------
    labels_ : ndarray of shape (n_papers,)
        Topic id of each paper, in the input order (ids are ranks: 0 is the largest topic).
    confidence_ : ndarray of shape (n_papers,)
        Share of each paper's neighbour-graph link strength that goes to papers of its own topic
        (1.0: all its nearest papers are in its topic). NaN when the set was too small to cluster.
    centrality_ : ndarray of shape (n_papers,)
        Cosine between each paper and its topic's centre, both taken around the set's mean: the
        most representative papers of a topic have the highest.
    flagged_ : ndarray of bool, shape (n_papers,)
        ``confidence_ < min_confidence``: most of the paper's nearest papers are in other topics.
    topics_ : Topics
        The topics, largest first.
    subtopic_labels_ : ndarray of shape (n_papers,)
        Each paper's sub-topic id (ids count on after the topics': a topic with no sub-topics
        is its own single sub-topic).
    subtopics_ : Topics
        The sub-topics, by topic then size; each has its topic as ``parent`` and a label made
        against the other papers of that topic.
    clustered_ : bool
        False when there were fewer than 10 papers: they form one topic, unclustered.
    embedding_ : ndarray of shape (n_papers, n_dims)
        The layout the topics were found on (spectral or UMAP), in the input order.
    graph_ : NeighbourGraph
        The neighbour graph; ``maps.map_layout(graph_)`` draws the map from it.
    clusterer_, labeller_ : estimators
        The fitted clones of ``clusterer`` and ``labeller`` (the parameters are never changed).

    Examples
    --------
    >>> model = TopicModel(random_state=0).fit(matrix, ids=ids, texts=texts)  # doctest: +SKIP
    >>> model.topics_[0].label                                                  # doctest: +SKIP
    'gaussian splatting, scene, autonomous driving'
    >>> sklearn.base.clone(model).set_params(n_topics=6).fit_predict(matrix, ids=ids)  # doctest: +SKIP
    array([2, 0, 0, ...])
    """

    _parameter_constraints = {
        "n_topics": [None, Interval(Integral, 1, None, closed="left")],
        "max_topics": [Interval(Integral, 2, None, closed="left")],
        "method": [StrOptions({"spectral", "kmeans", "agglomerative"})],
        "n_neighbors": [Interval(Integral, 2, None, closed="left")],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "min_confidence": [Interval(Real, 0, 1, closed="both")],
        "random_state": [Interval(Integral, 0, MAX_SEED, closed="both")],
        "clusterer": [None, HasMethods(["fit_predict"])],
        "subtopic_size": [None, Interval(Integral, 2, None, closed="left")],
        "labeller": [None, BaseLabeller],
    }

    def __init__(self, n_topics=None, max_topics=12, method="spectral", n_neighbors=15, n_components=10,
                 min_confidence=0.5, random_state=42, clusterer=None, subtopic_size=18, labeller=None):
        self.n_topics = n_topics
        self.max_topics = max_topics
        self.method = method
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.min_confidence = min_confidence
        self.random_state = random_state
        self.clusterer = clusterer
        self.subtopic_size = subtopic_size
        self.labeller = labeller

    def check_params(self, n_papers: int | None = None) -> None:
        """Raise a TopicError (a ValueError) for invalid parameters, or for ones that ``n_papers``
        papers cannot meet: a caller checks before the work that leads to the fit (``day``
        before it ingests)."""
        if isinstance(self.max_topics, Integral) and not isinstance(self.max_topics, bool) and self.max_topics < 2:
            raise TopicError(f"TopicModel: max_topics={self.max_topics!r}: the number of topics is chosen from 2 "
                             "up to it; give 2 or more (n_topics=1 gives one topic)")
        for name in ("n_topics", "max_topics", "n_neighbors", "n_components", "random_state"):
            if isinstance(getattr(self, name), bool):  # an int to Python, never meant as one
                raise TopicError(f"TopicModel: {name}={getattr(self, name)!r} is not a number")
        try:
            self._validate_params()
        except InvalidParameterError as error:
            raise TopicError(f"TopicModel: {error}") from None
        if self.n_topics and n_papers is not None and n_papers >= MIN_PAPERS and self.n_topics > n_papers // 2:
            raise TopicError(f"{self.n_topics} topics asked of {n_papers} papers: give at most {n_papers // 2} "
                             "(two papers a topic), or let the number be chosen")

    def fit(self, X, y=None, ids=None, texts=None, titles=None) -> "TopicModel":
        """Fit on unit vectors ``X``; ``ids`` fix the canonical order, ``texts`` (and ``titles``,
        when the caller has them apart) give the labels."""
        X = np.asarray(X, dtype=np.float32)
        n = len(X)
        self.check_params(n)
        ids = [str(i) for i in ids] if ids is not None else [f"{i:09d}" for i in range(n)]
        texts = list(texts) if texts is not None else [""] * n
        if not (len(ids) == len(texts) == n) or (titles is not None and len(titles) != n):
            raise ValueError("TopicModel.fit: X, ids, texts and titles must have the same length")
        self.clusterer_ = clone(self.clusterer) if self.clusterer is not None else GraphClusterer(
            self.n_topics, self.max_topics, self.method, random_state=self.random_state)
        self.labeller_ = clone(self.labeller) if self.labeller is not None else KeyPhraseLabeller()
        self.graph_ = neighbour_graph(X, ids, self.n_neighbors)
        order = self.graph_.order
        self.clustered_ = n >= MIN_PAPERS
        on_graph = isinstance(self.clusterer_, GraphClusterer)
        layout = (self.graph_.layout(self.n_components, random_state=self.random_state)
                  if not on_graph or self.clusterer_.needs_layout or not self.clustered_ else None)
        self.embedding_ = layout
        if self.clustered_:
            links = self.graph_.membership()
            canonical = (self.clusterer_.fit_predict(None if layout is None else layout[order], graph=links) if on_graph
                         else np.unique(self.clusterer_.fit_predict(layout[order]), return_inverse=True)[1])
            if layout is None:
                self.embedding_ = np.empty_like(self.clusterer_.embedding_)
                self.embedding_[order] = self.clusterer_.embedding_
            labels = np.empty(n, dtype=int)
            labels[order] = canonical
            confidence = np.empty(n)
            confidence[order] = own_topic_share(links, canonical)
        else:
            labels, confidence = np.zeros(n, dtype=int), np.full(n, np.nan)
        self.labels_ = _rank_by_size(labels, ids)
        self.confidence_ = confidence
        self.flagged_ = confidence < self.min_confidence  # NaN (unclustered) is never flagged
        self.topics_ = self._describe(X, ids, texts, titles, self.labels_)
        self._fit_subtopics(X, ids, texts, titles, links if self.clustered_ else None)
        return self

    def _fit_subtopics(self, X, ids, texts, titles, links) -> None:
        """Each topic cut on its own part of the graph; labels made inside the topic."""
        inner = np.zeros(len(ids), dtype=int)
        if links is not None and self.subtopic_size:
            order = self.graph_.order
            inner[order] = split_topics(links, self.labels_[order], self.subtopic_size, self.random_state)
        self.subtopic_labels_ = np.zeros(len(ids), dtype=int)
        self.subtopics_ = Topics()
        next_id = len(self.topics_)
        for topic in self.topics_:
            members = np.flatnonzero(self.labels_ == topic.id)
            ranked = _rank_by_size(inner[members], [ids[i] for i in members])
            self.subtopic_labels_[members] = ranked + next_id
            pick = lambda values: None if values is None else [values[i] for i in members]  # noqa: E731
            found = self._describe(X[members], pick(ids), pick(texts), pick(titles), ranked, centrality=False)
            if len(found) == 1:  # not split: the sub-topic is the topic, under its name
                found = Topics([replace(found[0], label=topic.label, terms=topic.terms)])
            self.subtopics_ += [replace(t, id=t.id + next_id, parent=topic.id,
                                        confidence=float(np.mean(self.confidence_[members[ranked == t.id]])))
                                for t in found]
            next_id += len(found)

    def fit_predict(self, X, y=None, ids=None, texts=None, titles=None) -> np.ndarray:
        """Fit, and return each paper's topic id."""
        return self.fit(X, ids=ids, texts=texts, titles=titles).labels_

    def _describe(self, X: np.ndarray, ids: list[str], texts: list[str], titles, labels: np.ndarray,
                  centrality: bool = True) -> Topics:
        """Name each topic and find its papers nearest its centre (around the set's mean)."""
        words = self.labeller_.describe(texts, labels, X, titles=titles) if any(texts) else {}
        topics = Topics()
        centred = _unit(X - X.mean(axis=0)) if len(X) > 1 else X
        closeness = np.zeros(len(X))
        for t in range(labels.max() + 1 if len(ids) else 0):
            members = np.flatnonzero(labels == t)
            centroid = X[members].mean(axis=0)
            centroid /= np.linalg.norm(centroid) or 1.0
            closeness[members] = centred[members] @ _unit(centred[members].mean(axis=0))
            best = members[np.lexsort((np.asarray(ids)[members], -closeness[members]))[:3]]
            described = words.get(t)
            topics.append(Topic(
                id=t, label=(described.label if described else "") or f"topic {t}",
                terms=described.terms if described else (), size=len(members),
                paper_ids=tuple(sorted(ids[i] for i in members)), representative_ids=tuple(ids[i] for i in best),
                confidence=float(np.mean(self.confidence_[members])) if centrality else float("nan"), centroid=centroid,
                representative_titles=tuple(str(titles[i]) for i in best) if titles is not None else (),
            ))
        if centrality:
            self.centrality_ = closeness
        return topics


def _rank_by_size(labels: np.ndarray, ids: list[str]) -> np.ndarray:
    """Topic ids become ranks: 0 is the largest topic (ties: the one with the smallest arXiv id)."""
    groups = sorted(set(labels.tolist()),
                    key=lambda t: (-(labels == t).sum(), min(i for i, l in zip(ids, labels) if l == t)))
    rank = {old: new for new, old in enumerate(groups)}
    return np.array([rank[t] for t in labels], dtype=int)


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1.0)
