"""The one data model: a Paper, and a Digest (the papers of one file plus what reading it found)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

SUMMARY_FIELDS = ("tldr", "motivation", "method", "result", "conclusion")

# New-style ids (2602.04994) and old-style ones (hep-th/9901001), each with an optional version,
# never inside a longer number (2026.06.040921 holds no id).
ARXIV_ID = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v(\d+))?(?!\d)")


def canonical_id(text: str | None) -> str | None:
    """The arXiv id, without version, that ``text`` names: ``2606.04092v2``, ``arXiv:2606.04092``,
    ``https://arxiv.org/abs/2606.04092v1`` and ``.../pdf/2606.04092`` all give ``2606.04092``;
    None when the text holds no arXiv id. Papers are stored and looked up under this form."""
    match = ARXIV_ID.search(text or "")
    return match.group(1) if match else None


class Version(NamedTuple):
    """One version of an arXiv paper: its number and when it was submitted (UTC). A tuple:
    a snapshot's millions of records make a few each, and tuples are quick to make."""

    number: int
    created: dt.datetime


@dataclass(frozen=True)
class Paper:
    """One arXiv paper as a digest describes it.

    ``arxiv_id`` never carries a version; ``version`` keeps it apart when the source had one.
    Summary fields are ``None`` when absent, empty, or a generator fallback (then ``flagged``).
    ``date`` is the digest's date; for arXiv's own metadata (snapshot, OAI-PMH) it is the day
    version 1 was submitted. The fields after ``flagged`` come from arXiv's metadata only:
    ``versions`` as arXiv lists them, ``revised`` the day of the latest version (when later
    than version 1), ``updated`` the last change of the metadata record (the snapshot's
    ``update_date``, OAI-PMH's ``datestamp``), never a submission date.
    """

    arxiv_id: str
    title: str
    authors: tuple[str, ...]
    abstract: str
    primary_category: str | None = None
    categories: tuple[str, ...] = ()
    tldr: str | None = None
    motivation: str | None = None
    method: str | None = None
    result: str | None = None
    conclusion: str | None = None
    code_url: str | None = None
    version: int | None = None
    date: dt.date | None = None
    source: str | None = None
    line: int | None = None
    flagged: bool = False
    submitter: str | None = None
    comments: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    report_no: str | None = None
    license: str | None = None
    versions: tuple[Version, ...] = ()
    revised: dt.date | None = None
    updated: dt.date | None = None

    @property
    def url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    def summary(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in SUMMARY_FIELDS}

    def as_dict(self) -> dict:
        """Plain JSON-ready values: lists for tuples, ISO text for the date."""
        row = asdict(self)
        row["authors"], row["categories"] = list(self.authors), list(self.categories)
        row["date"] = self.date.isoformat() if self.date else None
        row["versions"] = [{"version": v.number, "created": v.created.isoformat()} for v in self.versions]
        row["revised"] = self.revised.isoformat() if self.revised else None
        row["updated"] = self.updated.isoformat() if self.updated else None
        return row

    def __repr__(self) -> str:
        return f"Paper({self.arxiv_id!r}, {self.title[:60]!r}, {self.primary_category or '?'})"


@dataclass(frozen=True)
class Skipped:
    """An entry that could not be read, and why."""

    line: int
    reason: str


@dataclass(frozen=True)
class Digest:
    """The papers of one file, plus everything reading it found worth reporting."""

    source: str
    date: dt.date | None
    format: str
    papers: tuple[Paper, ...]
    duplicates: int = 0
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def fallbacks(self) -> int:
        """Papers with at least one generator-fallback or refused summary field."""
        return sum(p.flagged for p in self.papers)

    def categories(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for paper in self.papers:
            key = paper.primary_category or "?"
            counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def __len__(self) -> int:
        return len(self.papers)

    def __iter__(self):
        return iter(self.papers)

    def __repr__(self) -> str:
        return (
            f"Digest({self.source!r}, date={self.date}, format={self.format!r}, "
            f"papers={len(self.papers)}, duplicates={self.duplicates}, skipped={len(self.skipped)})"
        )


# -- topics across days (semdigest/topics/tracking.py matches, the stores keep them) --------------

@dataclass(frozen=True)
class StandingTopic:
    """A topic of the library that keeps its id across days.

    ``centroid`` follows the topic's recent papers (the mean of their vectors; each day it recurs
    moves it halfway to that day's mean); ``named`` is the centroid it had when it got its
    ``label`` and ``terms``, which stay until the topic's papers move away from it.
    """

    id: int
    label: str
    terms: tuple[str, ...]
    centroid: object = field(repr=False, compare=False)  # numpy float32: mean of its recent papers
    named: object = field(repr=False, compare=False)     # ... and as it was when it got its label
    first_seen: dt.date | None = None
    last_seen: dt.date | None = None


# What happened to topics on a tracked day (TopicEvent.kind).
TOPIC_EVENTS = ("born", "grew", "shrank", "split", "merged", "gone", "returned")


@dataclass(frozen=True)
class TopicEvent:
    """One change of a day. ``topic`` is the topic it is about; ``others`` the other topics involved:
    for ``split`` the topics ``topic`` split into (itself first), for ``merged`` the topics
    ``topic`` absorbed; empty for the other kinds."""

    date: dt.date
    kind: str
    topic: int
    others: tuple[int, ...] = ()

    def __str__(self) -> str:
        others = ", ".join(str(t) for t in self.others)
        if self.kind == "split":
            return f"{self.date} topic {self.topic} split into {others}"
        if self.kind == "merged":
            return f"{self.date} topic {self.topic} absorbed {others}"
        return f"{self.date} topic {self.topic} {self.kind}"
