"""Turning raw fields into Papers and collecting them into a Digest: the part every reader shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from ..arxiv_ids import split_arxiv_id
from ..records import SUMMARY_FIELDS, Digest, Paper, Skipped
from ._text import clean, clean_all, summary_field


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
    parsed = split_arxiv_id(id_text or "")
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
    categories = tuple(dict.fromkeys(clean_all(list(categories))))
    primary = clean(primary_category) or (categories[0] if categories else None)
    if primary and primary not in categories:
        categories = (primary, *categories)
    return Paper(
        arxiv_id=parsed[0],
        version=parsed[1],
        title=title,
        authors=tuple(clean_all(list(authors))),
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
    """Collects papers in file order: keeps one paper per id (the newest version, else the first),
    counts repeats and skips, and says why the file is incomplete when it is."""

    def __init__(self, source: str, date: dt.date | None, format: str):
        self.source, self.date, self.format = source, date, format
        self._papers: dict[str, Paper] = {}
        self._duplicates = 0
        self._skipped: list[Skipped] = []
        self._warnings: list[str] = []
        self._incomplete: list[str] = []

    def add(self, paper: Paper) -> None:
        kept = self._papers.get(paper.arxiv_id)
        if kept is None:
            self._papers[paper.arxiv_id] = paper
            return
        self._duplicates += 1
        if kept.version == paper.version:
            return
        newer, older = (paper, kept) if (paper.version or 0) > (kept.version or 0) else (kept, paper)
        self._papers[paper.arxiv_id] = newer  # keeps the first one's place in file order
        self.warn(f"{self.source}:{older.line}: entry dropped: {_named(older)} is also at line {newer.line} "
                  f"as {_named(newer)}, the newer version, which is kept")

    def skip(self, line: int, reason: str, cut_off: bool = False) -> None:
        """An entry that cannot be read; ``cut_off``: it stops early, so the file is incomplete."""
        self._skipped.append(Skipped(line, reason))
        self.warn(f"{self.source}:{line}: entry skipped: {reason}")
        if cut_off:
            self.incomplete(f"the entry at line {line} is cut off")

    def warn(self, message: str) -> None:
        self._warnings.append(message)

    def incomplete(self, reason: str) -> None:
        """The file does not hold the whole digest (a partial download, a table of contents that
        lists other entries): a reason for Digest.incomplete."""
        self._incomplete.append(reason)

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
            incomplete="; ".join(self._incomplete) or None,
        )


def _named(paper: Paper) -> str:
    return f"{paper.arxiv_id}v{paper.version}" if paper.version else f"{paper.arxiv_id} (no version)"
