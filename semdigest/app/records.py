"""The JSON records the API returns and the pages render: papers.csv's field names (arxiv_id,
title, authors, primary_category, tldr, code_url, ...) plus the card's links and BibTeX."""

from __future__ import annotations

import datetime as dt
import math

from ..records import Paper
from .links import bibtex, code_url, links

# The digest's own sections, in the order a card shows them behind its toggle.
DETAIL_FIELDS = ("motivation", "method", "result", "conclusion")


def iso(day) -> str | None:
    return day.isoformat() if isinstance(day, (dt.date, dt.datetime)) else (str(day) if day else None)


def paper_record(paper: Paper, dates=()) -> dict:
    return {
        "arxiv_id": paper.arxiv_id, "version": paper.version, "title": paper.title,
        "authors": list(paper.authors), "abstract": paper.abstract,
        "primary_category": paper.primary_category, "categories": list(paper.categories),
        "tldr": paper.tldr, **{name: getattr(paper, name) for name in DETAIL_FIELDS},
        "code_url": code_url(paper), "first_seen": iso(paper.date), "dates": [iso(d) for d in dates],
        "comments": paper.comments, "links": links(paper), "bibtex": bibtex(paper),
    }


def hit_record(hit) -> dict:
    """A neighbour (semdigest.results.Hit) as the API writes it."""
    return {"arxiv_id": hit.arxiv_id, "score": _number(hit.score), "title": hit.title, "date": iso(hit.date),
            "primary_category": hit.primary_category, "shared_terms": list(hit.shared_terms)}


def _number(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else round(value, 4)


def ranked_record(paper) -> dict:
    """One "For you" paper (semdigest.interests.RankedPaper) with the one-line reason."""
    return {"arxiv_id": paper.arxiv_id, "rank": paper.rank, "score": _number(paper.score), "title": paper.title,
            "mark": paper.mark, "reason": reason(paper)}


def reason(paper) -> str:
    """Why it is proposed, in one line: the closest interest paper and the words they share."""
    if not paper.closest:
        return ""
    closest = paper.closest_titles[0] if paper.closest_titles else paper.closest[0]
    text = f"close to “{closest}”"
    if paper.terms:
        text += f" (shares: {', '.join(paper.terms[:4])})"
    return text
