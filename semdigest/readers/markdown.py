"""The markdown digests of daily-arXiv-ai-enhanced, current and older templates.

Field boundaries come from the entry's structure, never from a line prefix alone: a label
starts a field only after a blank line or a ``<details>`` line and only if it comes later in
the template's order; inside the abstract nothing but ``</details>`` ends it, so a hard-wrapped
abstract line that happens to begin with ``Conclusion:`` stays part of the abstract.

Completeness comes from the same structure: every template of the family, from the first
(``Task:`` and ``Motivation:`` before ``<details>``) to the current one, closes the fold it opens
with ``</details>`` after the abstract, the last thing of an entry. An entry that opens
``<details>`` and ends (at the next heading or the end of the file) before ``</details>`` was cut
off, typically by a partial download: it is skipped, never read as a paper with half an abstract.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..records import Digest
from ._build import DigestBuilder, EntryError, make_paper

FORMAT = "markdown"

_TOC_LINE = re.compile(r"^- \[(?P<cat>[^\]]+)\]\(#[^)]*\)\s*\[Total:\s*(?P<total>\d+)\]\s*$")
_SECTION = re.compile(r"^# (?P<cat>\S+) \[\[Back\]\]")
_HEADER = re.compile(r"^###\s+(?:\[\d+\]\s+)?\[(?P<title>.*)\]\((?P<url>[^()\s]+)\)\s*$")
_LABEL = re.compile(
    r"^(?P<label>Main category|TL;DR|TLDR|Task|Motivation|Method|Result|Conclusion|Abstract):(?:\s|$)(?P<rest>.*)$"
)
# Template order; `Task:` is the older templates' one-line summary and is read as the TL;DR.
_ORDER = {"Main category": 0, "TL;DR": 1, "TLDR": 1, "Task": 1, "Motivation": 2,
          "Method": 3, "Result": 4, "Conclusion": 5, "Abstract": 6}
_FIELD = {"Main category": "category", "TL;DR": "tldr", "TLDR": "tldr", "Task": "tldr",
          "Motivation": "motivation", "Method": "method", "Result": "result",
          "Conclusion": "conclusion", "Abstract": "abstract"}
_ABSTRACT = _ORDER["Abstract"]

MARKERS = ("<div id=toc>", "# Table of Contents")


def looks_like(text: str) -> bool:
    head = text.lstrip()[:2000]
    return any(m in head for m in MARKERS) or any(
        _HEADER.match(line) for line in text[:20000].split("\n")
    )


@dataclass
class _Entry:
    line: int
    title: str
    url: str
    section: str | None
    body: list[str] = field(default_factory=list)


def parse(text: str, source: str, date: dt.date | None = None) -> Digest:
    builder = DigestBuilder(source, date, FORMAT)
    toc: dict[str, int] = {}
    found: dict[str, int] = {}
    section: str | None = None
    entry: _Entry | None = None

    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if match := _TOC_LINE.match(line):
            toc[match["cat"]] = int(match["total"])
        elif match := _SECTION.match(line):
            section = match["cat"]
        elif line.startswith("### "):
            _finish(entry, builder, number)
            found[section or "?"] = found.get(section or "?", 0) + 1
            header = _HEADER.match(line)
            if header is None:
                entry = None
                builder.skip(number, "entry heading is not '### [Title](https://arxiv.org/abs/ID)'")
            else:
                entry = _Entry(number, header["title"], header["url"], section)
        elif entry is not None:
            entry.body.append(line)
    _finish(entry, builder, None)

    _check_contents(toc, found, builder)
    return builder.build()


def _check_contents(toc: dict[str, int], found: dict[str, int], builder: DigestBuilder) -> None:
    """A table of contents that disagrees with the entries (a file cut off, or entries lost in
    between) makes the file incomplete; each category that disagrees is a warning."""
    wrong = [(cat, total, found.get(cat, 0)) for cat, total in toc.items() if found.get(cat, 0) != total]
    for cat, total, held in wrong:
        builder.warn(f"{builder.source}: table of contents says {cat} has {total} papers, the file has {held} entries")
    if not wrong:
        return
    listed, held = sum(toc.values()), sum(found.values())
    if listed != held:
        builder.incomplete(f"its table of contents lists {listed} papers, the file holds {held} entries")
    else:
        cat, total, in_file = wrong[0]
        builder.incomplete(f"its table of contents and its entries disagree ({cat}: {total} listed, {in_file} in the file)")


def _finish(entry: _Entry | None, builder: DigestBuilder, next_heading: int | None) -> None:
    """Turn a finished entry into a paper; ``next_heading`` is the line that ended it (None: the
    end of the file)."""
    if entry is None:
        return
    if reason := _cut_off(entry, next_heading):
        builder.skip(entry.line, reason, cut_off=True)
        return
    try:
        fields, authors = _fields(entry.body)
        builder.add(
            make_paper(
                id_text=entry.url,
                title=entry.title,
                authors=authors,
                abstract=fields.get("abstract"),
                summaries=fields,
                primary_category=fields.get("category") or entry.section,
                date=builder.date,
                source=builder.source,
                line=entry.line,
            )
        )
    except EntryError as error:
        builder.skip(entry.line, str(error))


def _cut_off(entry: _Entry, next_heading: int | None) -> str | None:
    """Why the entry is incomplete (it opened ``<details>`` and never closed it), or None."""
    folds = [line.strip() for line in entry.body if line.strip() in ("<details>", "</details>")]
    if "<details>" not in folds or folds[-1] == "</details>":
        return None
    where = "the file ends" if next_heading is None else f"the next entry starts (line {next_heading})"
    return (f"the entry is cut off: {where} before its <details> section closes with </details> "
            "(a partial download?); download the digest again")


def _fields(body: list[str]) -> tuple[dict[str, str], list[str]]:
    """The labelled fields and the author list of one entry's body lines."""
    fields: dict[str, list[str]] = {}
    authors: list[str] = []
    current, order = None, -1
    after_boundary = True
    for line in body:
        stripped = line.strip()
        if order == _ABSTRACT:
            if stripped == "</details>":
                break
            fields["abstract"].append(line)
            continue
        if not authors and not fields and stripped.startswith("*") and stripped.endswith("*"):
            authors = stripped.strip("*").split(",")
            continue
        if stripped in ("", "<details>", "</details>") or stripped.startswith("<summary>"):
            after_boundary = True
            continue
        label = _LABEL.match(stripped)
        if label and after_boundary and _ORDER[label["label"]] > order:
            current, order = _FIELD[label["label"]], _ORDER[label["label"]]
            fields[current] = [label["rest"]]
        elif current is not None:
            fields[current].append(line)
        after_boundary = False
    return {name: "\n".join(lines) for name, lines in fields.items()}, authors
