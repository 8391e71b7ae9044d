"""The one data model: a Paper, a Digest (the papers of one file plus what reading it found), and
the values that cross layers (PaperFilter, StandingTopic, TopicEvent)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

from .interest import Interest, Reference

SUMMARY_FIELDS = ("tldr", "motivation", "method", "result", "conclusion")
# The Paper fields that only arXiv's own metadata (a backfill) brings; a digest has none of them.
ARXIV_FIELDS = ("submitter", "comments", "journal_ref", "doi", "report_no", "license", "versions", "revised", "updated")


def as_date(value, name: str = "date", required: bool = False) -> dt.date | None:
    """A date argument of the public API: a date, a datetime (its day) or ISO text (2026-06-09);
    None when not ``required``. Anything else is a TypeError (ValueError: text that is no date)
    that says what to pass, not a silent mismatch deeper down."""
    if value is None and not required:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{name}={value!r} is not a date; write it as YYYY-MM-DD") from None
    raise TypeError(f"{name} must be a datetime.date or text YYYY-MM-DD, not {type(value).__name__}")


def as_texts(value, name: str) -> tuple[str, ...] | None:
    """Ids or categories of the public API: one string, or an iterable of strings (a list, a
    pandas column), as a tuple; None stays None. A bare string is one value, never its letters."""
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    try:
        values = tuple(value)
    except TypeError:
        raise TypeError(f"{name} must be a string or a list of strings, not {type(value).__name__}") from None
    wrong = next((v for v in values if not isinstance(v, str)), None)
    if wrong is not None:
        raise TypeError(f"{name} must hold strings; got {wrong!r} ({type(wrong).__name__})")
    return values


@dataclass(frozen=True)
class PaperFilter:
    """Which papers a query may return; every field narrows, None means no condition.

    ``since`` / ``until`` bound the first-seen date; ``date`` keeps papers listed in that
    day's digest (weekend re-publications too); ``categories`` keeps papers in any of them.
    """

    since: dt.date | None = None
    until: dt.date | None = None
    date: dt.date | None = None
    categories: tuple[str, ...] = ()
    ids: tuple[str, ...] | None = None

    def __post_init__(self):
        # The one place the public API's filter arguments are normalised: ISO text -> dates,
        # one id or category -> a tuple of one (not its letters), wrong types -> a TypeError.
        for name in ("since", "until", "date"):
            object.__setattr__(self, name, as_date(getattr(self, name), name))
        object.__setattr__(self, "categories", as_texts(self.categories, "categories") or ())
        object.__setattr__(self, "ids", as_texts(self.ids, "ids"))
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since {self.since} is after until {self.until}: no paper can match; swap them")

    def __bool__(self) -> bool:
        return any((self.since, self.until, self.date, self.categories, self.ids is not None))


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
    """The papers of one file, plus everything reading it found worth reporting.

    ``incomplete`` says why the file does not hold the whole digest, or is None: it was cut off
    (a partial download: the cut entry is skipped), or its table of contents lists other entries
    than it holds. Its papers are still whole; commands report it and exit with 1.
    """

    source: str
    date: dt.date | None
    format: str
    papers: tuple[Paper, ...]
    duplicates: int = 0
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    incomplete: str | None = None

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
            f"papers={len(self.papers)}, duplicates={self.duplicates}, skipped={len(self.skipped)}"
            + (f", incomplete={self.incomplete!r})" if self.incomplete else ")")
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
TOPIC_EVENTS = ("born", "grew", "shrank", "split", "continues", "merged", "gone", "returned")


@dataclass(frozen=True)
class TopicEvent:
    """One change of a day. ``topic`` is the topic it is about; ``others`` the other topics involved:
    for ``split`` the topics ``topic`` split into (itself first), for ``merged`` the topics
    ``topic`` absorbed, for ``continues`` the topic the new ``topic`` continues (most of its papers
    sit among that topic's, but too few of its new papers for the id to carry on); empty for the
    other kinds."""

    date: dt.date
    kind: str
    topic: int
    others: tuple[int, ...] = ()

    def said_of(self, topic: int) -> str:
        """What the event says of one topic ("" if it is not involved): split into 4, 5; absorbed 7;
        split off from 3; merged into 3; continues 3; continued as 9; born, grew, shrank, gone,
        returned."""
        others = ", ".join(str(t) for t in self.others)
        if topic == self.topic:
            if self.kind == "split":
                return f"split into {others}"
            if self.kind == "continues":
                return f"continues {others}"
            return f"absorbed {others}" if self.kind == "merged" else self.kind
        if topic in self.others and self.kind == "continues":
            return f"continued as {self.topic}"
        if topic in self.others and self.kind in ("split", "merged"):
            return f"split off from {self.topic}" if self.kind == "split" else f"merged into {self.topic}"
        return ""

    def __str__(self) -> str:
        return f"{self.date} topic {self.topic} {self.said_of(self.topic)}"


# A backend in a key: runtime-precision (torch-fp16, onnx-int8), as embedding/encoders names them.
# Revisions may hold a "+" (all-MiniLM-L6-v2+sha256:...), so only a tail of this form is a backend.
_BACKEND_TAIL = re.compile(r"[a-z][a-z0-9]*-(?:fp|bf|int)[0-9]+")


@dataclass(frozen=True)
class ModelKey:
    """What stored vectors are keyed by: a model's name, its weights' revision and, only for a
    backend that failed the quality gate here, that backend (its vectors never mix with the
    reference's). Written ``name@revision`` or ``name@revision+backend``: str(key) and parse()."""

    name: str
    revision: str
    backend: str | None = None

    @classmethod
    def parse(cls, text: str) -> ModelKey:
        name, _, revision = text.partition("@")
        head, plus, tail = revision.rpartition("+")
        if plus and _BACKEND_TAIL.fullmatch(tail):
            return cls(name, head, tail)
        return cls(name, revision)

    def __str__(self) -> str:
        return f"{self.name}@{self.revision}" + (f"+{self.backend}" if self.backend else "")
