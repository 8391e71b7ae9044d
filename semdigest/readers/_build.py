"""Turning raw fields into Papers and collecting them into a Digest: the part every reader shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from ..records import SUMMARY_FIELDS, Digest, Paper, Skipped
from ._text import clean, parse_arxiv_id, summary_field


class EntryError(ValueError):
    """One entry of an otherwise good file that cannot become a Paper."""


def make_paper(
    *,
    id_text: str,
    title: str | None,
    authors: Iterable[str],
    abstract: str | None,
    summaries: Mapping[str, str | None],
    primary_category: str | None = None,
    categories: Iterable[str] = (),
    code_url: str | None = None,
    date: dt.date | None,
    source: str,
    line: int,
    **metadata,
) -> Paper:
    """A Paper from one entry's raw fields, or EntryError. ``metadata``: Paper's arXiv-metadata
    fields (doi, versions, ...), already checked by the reader, passed through as they are."""
    parsed = parse_arxiv_id(id_text or "")
    if parsed is None:
        raise EntryError(f"no arXiv id in {id_text!r}")
    title, abstract = clean(title), clean(abstract)
    if not title:
        raise EntryError("the entry has no title")
    if not abstract:
        raise EntryError("the entry has no abstract")
    fields, flagged = {}, False
    for name in SUMMARY_FIELDS if summaries else ():  # arXiv's own metadata has no summaries
        fields[name], was_fallback = summary_field(summaries.get(name))
        flagged |= was_fallback
    categories = tuple(dict.fromkeys([c for c in map(clean, categories) if c]))
    primary = clean(primary_category) or (categories[0] if categories else None)
    if primary and primary not in categories:
        categories = (primary, *categories)
    return Paper(
        arxiv_id=parsed[0],
        version=parsed[1],
        title=title,
        authors=tuple([a for a in map(clean, authors) if a]),
        abstract=abstract,
        primary_category=primary,
        categories=categories,
        code_url=clean(code_url) or None,
        date=date,
        source=source,
        line=line,
        flagged=flagged,
        **fields,
        **metadata,
    )


class DigestBuilder:
    """Collects papers in file order: keeps the first of each id, counts repeats and skips."""

    def __init__(self, source: str, date: dt.date | None, format: str):
        self.source, self.date, self.format = source, date, format
        self._papers: dict[str, Paper] = {}
        self._duplicates = 0
        self._skipped: list[Skipped] = []
        self._warnings: list[str] = []

    def add(self, paper: Paper) -> None:
        if paper.arxiv_id in self._papers:
            self._duplicates += 1
        else:
            self._papers[paper.arxiv_id] = paper

    def skip(self, line: int, reason: str) -> None:
        self._skipped.append(Skipped(line, reason))
        self.warn(f"{self.source}:{line}: entry skipped: {reason}")

    def warn(self, message: str) -> None:
        self._warnings.append(message)

    @property
    def entries(self) -> int:
        return len(self._papers) + self._duplicates + len(self._skipped)

    def build(self) -> Digest:
        return Digest(
            source=self.source,
            date=self.date,
            format=self.format,
            papers=tuple(self._papers.values()),
            duplicates=self._duplicates,
            skipped=tuple(self._skipped),
            warnings=tuple(self._warnings),
        )
