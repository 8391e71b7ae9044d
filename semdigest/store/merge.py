"""The upsert merge policy, as plain functions every store shares.

A paper is upserted by arXiv id. Its first-seen date is the earliest digest date; the newest
non-empty summaries win (an older digest only fills what is still missing); and stored text is
never replaced by damaged text: when one abstract is a strict prefix of the other (a digest cut
off mid-abstract), the longer one is kept whichever digest is newer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace

from ..records import SUMMARY_FIELDS, Paper


@dataclass(frozen=True)
class AddCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class Upsert:
    """What to do with one incoming paper: the row to store and how it differs from the old one."""

    paper: Paper                  # date is the first-seen date
    summary_date: dt.date | None  # the digest date the stored summaries come from
    status: str                   # "new", "updated" or "unchanged"
    old: Paper | None

    @property
    def text_changed(self) -> bool:
        """Title or abstract differ from what was stored: term counts and vectors must follow."""
        return self.old is None or (self.old.title, self.old.abstract) != (self.paper.title, self.paper.abstract)


def plan_upserts(papers: Iterable[Paper], stored: Mapping[str, tuple[Paper, dt.date | None]]) -> list[Upsert]:
    """One Upsert per incoming paper, given the stored (paper, summary date) of those already known."""
    plans = []
    for paper in papers:
        if paper.arxiv_id not in stored:
            plans.append(Upsert(paper, paper.date, "new", None))
            continue
        old, old_summary_date = stored[paper.arxiv_id]
        incoming_is_newer = is_newer(paper.date, old_summary_date)
        merged = merge(old, paper, incoming_is_newer)
        merged = replace(merged, date=min_date(old.date, paper.date))
        status = "unchanged" if merged == old else "updated"
        plans.append(Upsert(merged, paper.date if incoming_is_newer else old_summary_date, status, old))
    return plans


def counts(plans: Iterable[Upsert]) -> AddCounts:
    statuses = [p.status for p in plans]
    return AddCounts(statuses.count("new"), statuses.count("updated"), statuses.count("unchanged"))


def merge(old: Paper, new: Paper, new_is_newer: bool) -> Paper:
    """Newest non-empty values win; an older digest only fills what is still missing."""
    newer, older = (new, old) if new_is_newer else (old, new)
    values = {}
    for f in fields(Paper):
        a, b = getattr(newer, f.name), getattr(older, f.name)
        values[f.name] = a if a not in (None, "", ()) else b
    values["abstract"] = _undamaged(newer.abstract, older.abstract)
    summaries = [values[name] for name in SUMMARY_FIELDS]
    values["flagged"] = (old.flagged or new.flagged) and any(s is None for s in summaries)
    values["date"] = old.date
    return Paper(**values)


def _undamaged(newer: str, older: str) -> str:
    """The newer text, unless it is a cut-off copy of the older one (then the older, full one); a
    cut inside a multi-byte character leaves U+FFFD at the end of the copy."""
    if len(newer) < len(older) and older.startswith(newer.rstrip(" .…\ufffd")):
        return older
    return newer


def is_newer(new: dt.date | None, old: dt.date | None) -> bool:
    return old is None or (new is not None and new >= old)


def min_date(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return min(d for d in (a, b) if d) if (a or b) else None
