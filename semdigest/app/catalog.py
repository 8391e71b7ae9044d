"""What the app knows of the whole library without asking the store each time: which days hold
which papers, when each paper was first seen, its category. Built in one pass over the store's
papers, and again when the papers change (full text is the store's own: store.full_text_search)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class Catalog:
    days: dict[dt.date, list[str]] = field(default_factory=dict)   # digest date -> ids (sorted)
    first_seen: dict[str, dt.date | None] = field(default_factory=dict)
    category: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, listing) -> "Catalog":
        """``listing``: (arXiv id, first seen, primary category, digest dates as ISO text) of every
        paper, as PaperStore.paper_listing gives (5 times faster than reading whole papers)."""
        catalog = cls()
        for arxiv_id, first_seen, category, dates in listing:
            catalog.first_seen[arxiv_id] = first_seen
            catalog.category[arxiv_id] = category or ""
            for day in dates:
                catalog.days.setdefault(dt.date.fromisoformat(str(day)[:10]), []).append(arxiv_id)
        for ids in catalog.days.values():
            ids.sort()
        return catalog

    @property
    def dates(self) -> list[dt.date]:
        return sorted(self.days)

    @property
    def categories(self) -> list[str]:
        return sorted({c for c in self.category.values() if c})

    def latest(self) -> dt.date | None:
        return max(self.days) if self.days else None

    def neighbours(self, date: dt.date) -> tuple[dt.date | None, dt.date | None]:
        """The digest days before and after ``date``."""
        dates = self.dates
        before = [d for d in dates if d < date]
        after = [d for d in dates if d > date]
        return (before[-1] if before else None), (after[0] if after else None)
