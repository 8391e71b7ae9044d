"""The upsert merge policy, as plain functions every store shares.

A paper is upserted by arXiv id. Its first-seen date is the earliest digest date it appeared
on; the newest non-empty summaries win (an older digest only fills what is still missing); and
stored text is never replaced by damaged text: when one abstract is a strict prefix of the other
(a digest cut off mid-abstract), the longer one is kept whichever digest is newer.

A file holds one day's digest, so a wrong date is repaired by ingesting the file again with its
right date (``replace_dates``): the dates that a file of the same name gave its papers before are
dropped, and their first-seen dates become the earliest appearance that remains. A file whose
name carries its date does this on every ingest (Library.ingest); for another file it is asked
for (``ingest --redate``), since such a name (``listing.xml``) may be reused day after day.

arXiv's own metadata (a backfill: the snapshot, OAI-PMH) is no digest appearance. A backfilled
paper that no digest has shown is first seen on its submission day (version 1); the first
digest that shows it replaces that date with its own, as a library without the backfill would
have it (``backfilled``). Merged into a stored paper, arXiv's metadata fills in (DOI, journal
reference, comments, versions, licence: the newer record wins), the digest's summaries and
first-seen date are kept, and stored text is replaced only when it is empty or damaged (cut
off, or holding U+FFFD where the incoming text has none), never by a shorter text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import PurePath

from ..records import ARXIV_FIELDS, SUMMARY_FIELDS, Paper


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


@dataclass(frozen=True)
class Redated:
    """A stored paper whose earlier dates from the same file were dropped (``replace_dates``)."""

    earliest: dt.date | None  # its earliest appearance that remains (None: no other)
    dropped: frozenset[dt.date]


Appearance = tuple[str, str, str | None]  # (arxiv id, ISO date or "", source) as the stores keep it


def replaced_appearances(papers: Iterable[Paper], stored: Iterable[Appearance]) -> list[Appearance]:
    """The stored appearances that the incoming papers replace: those a file of the same name
    gave the same paper under another date."""
    incoming = {p.arxiv_id: (PurePath(p.source).name, p.date.isoformat()) for p in papers if p.source and p.date}
    return [(arxiv_id, date, source) for arxiv_id, date, source in stored
            if arxiv_id in incoming and source and date != incoming[arxiv_id][1]
            and PurePath(source).name == incoming[arxiv_id][0]]


def redated(dropped: Iterable[Appearance], remaining: Mapping[str, str]) -> dict[str, Redated]:
    """Per paper whose appearances were ``dropped``: what its first-seen date rests on now, given
    the earliest ISO date of each paper's ``remaining`` appearances."""
    gone: dict[str, set[dt.date]] = {}
    for arxiv_id, date, _ in dropped:
        gone.setdefault(arxiv_id, set()).update([dt.date.fromisoformat(date)] if date else [])
    return {i: Redated(dt.date.fromisoformat(remaining[i]) if remaining.get(i) else None, frozenset(dates))
            for i, dates in gone.items()}


def plan_upserts(papers: Iterable[Paper], stored: Mapping[str, tuple[Paper, dt.date | None]],
                 redone: Mapping[str, Redated] | None = None, backfilled: frozenset[str] | set[str] = frozenset()
                 ) -> list[Upsert]:
    """One Upsert per incoming digest paper, given the stored (paper, summary date) of those already
    known; for ``replace_dates``, the papers whose earlier dates from the same file were dropped;
    and the stored papers that only a backfill brought (no digest appearance yet)."""
    redone = redone or {}
    plans = []
    for paper in papers:
        if paper.arxiv_id not in stored:
            plans.append(Upsert(paper, paper.date, "new", None))
            continue
        old, old_summary_date = stored[paper.arxiv_id]
        first_seen = old.date
        if paper.arxiv_id in backfilled:  # its submission day, until a digest shows it
            plans.append(_first_digest(old, paper))
            continue
        if paper.arxiv_id in redone:
            first_seen = redone[paper.arxiv_id].earliest
            if old_summary_date in redone[paper.arxiv_id].dropped:
                old_summary_date = None  # the summaries came with the wrong date: the right one replaces it
        incoming_is_newer = is_newer(paper.date, old_summary_date)
        merged = merge(old, paper, incoming_is_newer)
        merged = replace(merged, date=min_date(first_seen, paper.date))
        status = "unchanged" if merged == old else "updated"
        plans.append(Upsert(merged, paper.date if incoming_is_newer else old_summary_date, status, old))
    return plans


def _first_digest(old: Paper, paper: Paper) -> Upsert:
    """A backfilled paper's first digest: its date becomes the first-seen date, its summaries
    come in; the stored text stays unless it is damaged."""
    merged = merge(old, paper, new_is_newer=True)
    merged = replace(merged, date=paper.date or old.date, title=sound_text(old.title, paper.title),
                     abstract=sound_text(old.abstract, paper.abstract))
    return Upsert(merged, paper.date, "unchanged" if merged == old else "updated", old)


def plan_backfill(papers: Iterable[Paper], stored: Mapping[str, tuple[Paper, dt.date | None]]) -> list[Upsert]:
    """One Upsert per paper of arXiv's metadata (a backfill), given the stored (paper, summary
    date) of those already known: no appearance, no summary date of its own."""
    plans = []
    for paper in papers:
        if paper.arxiv_id not in stored:
            plans.append(Upsert(paper, None, "new", None))
            continue
        old, summary_date = stored[paper.arxiv_id]
        merged = fill_in(old, paper)
        plans.append(Upsert(merged, summary_date, "unchanged" if merged == old else "updated", old))
    return plans


def fill_in(old: Paper, record: Paper) -> Paper:
    """A stored paper with arXiv's metadata ``record`` merged in: the metadata of the newer
    record (by its last change, ``updated``) wins, the other fills what it lacks; the stored
    paper's summaries, source, first-seen date, authors and categories stay (filled when empty);
    its text stays unless it is empty or damaged."""
    newer_record = old.updated is None or (record.updated is not None and record.updated >= old.updated)
    first, second = (record, old) if newer_record else (old, record)
    values = {name: _filled(getattr(first, name), getattr(second, name)) for name in ARXIV_FIELDS}
    for name in ("authors", "categories", "primary_category", "code_url"):
        values[name] = _filled(getattr(old, name), getattr(record, name))
    values["version"] = max((v for v in (old.version, record.version) if v), default=None)
    values["title"] = sound_text(old.title, record.title)
    values["abstract"] = sound_text(old.abstract, record.abstract)
    return replace(old, **values)


def sound_text(stored: str, incoming: str) -> str:
    """The stored text, unless it is empty or damaged and the incoming one is whole and no
    shorter: damaged is cut off (a strict prefix of the incoming text, trailing dots and
    U+FFFD aside) or holding U+FFFD (a bad byte) where the incoming text has none."""
    if not stored.strip():
        return incoming or stored
    if len(incoming) < len(stored) or "\ufffd" in incoming:
        return stored
    cut_off = len(incoming) > len(stored) and incoming.startswith(stored.rstrip(" .…\ufffd"))
    return incoming if cut_off or "\ufffd" in stored else stored


def _filled(value, fallback):
    return value if value not in (None, "", ()) else fallback


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
