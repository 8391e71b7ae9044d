"""Result types that read well in a shell, in a notebook (HTML) and as a DataFrame."""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass

from .plural import plural


@dataclass(frozen=True)
class Hit:
    """One related paper: how close it is, what it is, and why it is related."""

    arxiv_id: str
    score: float
    title: str
    date: str | None
    primary_category: str | None
    shared_terms: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    def as_dict(self) -> dict:
        return {**asdict(self), "shared_terms": list(self.shared_terms), "url": self.url}


class Hits(list):
    """Ranked hits for one query; a list of Hit with a table view."""

    def __init__(self, hits=(), query: str = ""):
        super().__init__(hits)
        self.query = query

    def to_frame(self):
        """A pandas DataFrame, one row per hit."""
        import pandas as pd

        columns = ["arxiv_id", "score", "date", "primary_category", "title", "shared_terms", "url"]
        return pd.DataFrame([h.as_dict() for h in self], columns=columns)

    def __repr__(self) -> str:
        lines = [f"{plural(len(self), 'hit')} for {self.query}"]
        for rank, hit in enumerate(self, 1):
            why = f"  [{', '.join(hit.shared_terms)}]" if hit.shared_terms else ""
            lines.append(f"{rank:>3}. {hit.score:.3f}  {hit.date or '-':10}  {hit.url}  {hit.title[:60]}{why}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{rank}</td><td>{hit.score:.3f}</td><td>{html.escape(hit.date or '')}</td>"
            f"<td><a href='{html.escape(hit.url)}' target='_blank'>{html.escape(hit.arxiv_id)}</a></td>"
            f"<td>{html.escape(hit.title)}</td><td>{html.escape(', '.join(hit.shared_terms))}</td></tr>"
            for rank, hit in enumerate(self, 1)
        )
        return (f"<p><b>{plural(len(self), 'hit')}</b> for {html.escape(self.query)}</p><table>"
                "<tr><th>#</th><th>score</th><th>date</th><th>arXiv</th><th>title</th><th>shared terms</th></tr>"
                f"{rows}</table>")
