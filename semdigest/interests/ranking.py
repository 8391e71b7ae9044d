"""rank(): a day's papers in the order of one interest, each with its score and the interest
papers it is closest to."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from ..plural import plural
from ..records import Interest
from .rankers import CombinedRanker, LinearRanker, NearestRanker
from .vectors import InterestVectors

RANKERS = {"combined": CombinedRanker, "nearest": NearestRanker, "classifier": LinearRanker}
# benchmarks/interests_bench.py: neither single ranker won everywhere; their calibrated sum
# matched or beat the better of the two on every setting measured (README, "For you").
DEFAULT_RANKER = "combined"
MARKS = ("read", "not interesting")


@dataclass(frozen=True)
class RankedPaper:
    """One candidate paper: its place, its score, and the interest papers nearest to it."""

    arxiv_id: str
    rank: int
    score: float
    closest: tuple[str, ...]            # labels of the nearest interest rows (ids, titles, "descriptions")
    closest_similarity: tuple[float, ...]
    mark: str | None = None             # "read" or "not interesting": ranked after every other paper
    # Filled in by rank_day (day.py), which has the texts: the paper's title, the closest interest
    # papers' titles (or the description), and the terms the paper shares with the closest one.
    title: str = ""
    closest_titles: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    def as_dict(self) -> dict:
        row = asdict(self)
        for field in ("closest", "closest_similarity", "closest_titles", "terms"):
            row[field] = list(row[field])
        return row


class Ranking(list):
    """Ranked papers for one interest, best first; a list of RankedPaper with a table view."""

    def __init__(self, papers=(), interest: str = "", ranker: str = ""):
        super().__init__(papers)
        self.interest, self.ranker = interest, ranker

    def to_frame(self) -> pd.DataFrame:
        columns = ["rank", "arxiv_id", "score", "closest", "closest_similarity", "mark", "title",
                   "closest_titles", "terms"]
        return pd.DataFrame([p.as_dict() for p in self], columns=columns)

    def __repr__(self) -> str:
        lines = [f"{plural(len(self), 'paper')} for {self.interest!r} ({self.ranker})"]
        for paper in self[:20]:
            mark = f"  [{paper.mark}]" if paper.mark else ""
            lines.append(f"{paper.rank:>4}. {paper.score:+.3f}  {paper.url}  {paper.title[:70]}{mark}")
            lines.append(f"      near {', '.join(paper.closest_titles or paper.closest)[:90]}"
                         + (f"; shares: {', '.join(paper.terms)}" if paper.terms else ""))
        if len(self) > 20:
            lines.append(f"  ... {len(self) - 20} more")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{p.rank}</td><td>{p.score:+.3f}</td><td><a href='{p.url}' target='_blank'>{p.arxiv_id}</a></td>"
            f"<td>{html.escape(p.title)}</td><td>{html.escape('; '.join(p.closest_titles or p.closest))}</td>"
            f"<td>{html.escape(', '.join(p.terms))}</td><td>{html.escape(p.mark or '')}</td></tr>"
            for p in self
        )
        return (f"<p><b>{plural(len(self), 'paper')}</b> for {html.escape(self.interest)} ({html.escape(self.ranker)})</p>"
                "<table><tr><th>#</th><th>score</th><th>arXiv</th><th>title</th><th>closest interest papers</th>"
                "<th>shared terms</th><th>mark</th></tr>"
                f"{rows}</table>")


def rank(interest: Interest, ids: Sequence[str], matrix: np.ndarray, vectors: InterestVectors,
         background: tuple[Sequence[str], np.ndarray] | None = None, ranker=DEFAULT_RANKER,
         n_closest: int = 3, **params) -> Ranking:
    """The candidate papers ``ids`` (rows of ``matrix``) ordered by relevance to ``interest``.

    Parameters
    ----------
    interest : Interest
        Its marks put read and not-interesting candidates last (with ``mark`` set).
    ids, matrix : the candidates (a day's papers) and their unit vectors.
    vectors : InterestVectors
        From ``interest_vectors(interest, ...)``, in the same model's space.
    background : (ids, matrix), optional
        The rest of the library (up to that day), which both rankers contrast the interest
        with. The interest's own papers, its marked papers and the candidates are left out here.
    ranker : "combined" (the default), "nearest", "classifier", or an estimator with
        fit(positives, negatives, background) and decision_function(X), fitted here
    n_closest : int
        How many of the interest's nearest papers each result names.
    **params : parameters of the named ranker (``n_neighbors=5``, ``recency=True``, ``C=1``...);
        for "combined", pass ``rankers=[NearestRanker(...), LinearRanker(...)]``.

    Ties in score are broken by arXiv id, so the same inputs always give the same order.
    """
    name = ranker if isinstance(ranker, str) else type(ranker).__name__
    estimator = _estimator(ranker, params)
    ids = list(ids)
    estimator.fit(vectors.positives, vectors.negatives, _background(background, interest, ids, vectors))
    scores = estimator.decision_function(matrix) if len(ids) else np.zeros(0)

    similarity = np.asarray(matrix, dtype=np.float32) @ vectors.positives.T if len(ids) else np.zeros((0, 0))
    n_closest = min(n_closest, len(vectors))
    closest = np.argsort(-similarity, axis=1, kind="stable")[:, :n_closest]

    marks = {i: "read" for i in interest.read} | {i: "not interesting" for i in interest.not_interesting}
    order = sorted(range(len(ids)), key=lambda r: (ids[r] in marks, -scores[r], ids[r]))
    return Ranking(
        (RankedPaper(
            arxiv_id=ids[r], rank=place, score=float(scores[r]),
            closest=tuple(vectors.labels[c] for c in closest[r]),
            closest_similarity=tuple(float(similarity[r, c]) for c in closest[r]),
            mark=marks.get(ids[r]),
        ) for place, r in enumerate(order, 1)),
        interest=interest.name, ranker=name,
    )


def _estimator(ranker, params: dict):
    if not isinstance(ranker, str):
        if params:
            raise TypeError("pass parameters to the estimator itself, not to rank()")
        return ranker
    if ranker not in RANKERS:
        raise ValueError(f"unknown ranker {ranker!r}; use one of {', '.join(RANKERS)}")
    return RANKERS[ranker](**params)


def _background(background, interest: Interest, candidates: Sequence[str], vectors: InterestVectors):
    if background is None:
        return None
    background_ids, background_matrix = background
    left_out = set(interest.papers) | set(interest.read) | set(interest.not_interesting) | set(candidates)
    left_out |= {r.arxiv_id for r in interest.references if r.arxiv_id}
    keep = np.fromiter((i not in left_out for i in background_ids), dtype=bool, count=len(background_ids))
    return np.asarray(background_matrix)[keep]
