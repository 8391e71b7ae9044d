"""Which of arXiv's papers a backfill keeps: categories (shell patterns such as ``cs.*``, any of
a paper's categories) and a range of submission days (version 1's). Applied before anything is
stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fnmatch import fnmatchcase

from ..records import Paper


@dataclass(frozen=True)
class BackfillFilter:
    """``categories``: patterns; a paper is kept when one of its categories matches one (none
    given: every paper). ``since`` / ``until``: its submission day, inclusive."""

    categories: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None

    def keeps(self, paper: Paper) -> bool:
        if self.since and (paper.date is None or paper.date < self.since):
            return False
        if self.until and (paper.date is None or paper.date > self.until):
            return False
        if not self.categories:
            return True
        return any(fnmatchcase(c, pattern) for c in paper.categories or (paper.primary_category or "",)
                   for pattern in self.categories)

    def as_dict(self) -> dict:
        """What the checkpoint is keyed by (with the source)."""
        return {"categories": sorted(self.categories), "since": self.since and self.since.isoformat(),
                "until": self.until and self.until.isoformat()}

    def __str__(self) -> str:
        parts = [" ".join(self.categories)] if self.categories else []
        parts += [f"since {self.since}"] if self.since else []
        parts += [f"until {self.until}"] if self.until else []
        return ", ".join(parts) or "every paper"
