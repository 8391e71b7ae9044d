"""Reading a BibTeX file (a Zotero, Better BibTeX, Google Scholar or hand-made export) into
entries that name an arXiv id, or carry a title (and an abstract) to find the paper by."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..arxiv_ids import find_arxiv_id, parse_arxiv_id
from ..errors import BibtexError
from ..records import Skipped
from .latex import latex_text

# Fields where exporters put an arXiv id: Better BibTeX and biblatex (eprint + archivePrefix or
# eprinttype), Zotero (url, doi 10.48550/arXiv.X, note "arXiv:X [cs]", number), Google Scholar
# (journal "arXiv preprint arXiv:X"), and hand-made files (howpublished, pdf, annote...).
_ID_FIELDS = ("eprint", "doi", "url", "journal", "journaltitle", "note", "number", "howpublished",
              "booktitle", "pdf", "link", "arxiv", "arxivid", "annote", "publisher")
# Where a block may start: an "@" first on its line. The file is read in parts of this many
# blocks, so a bar can move and a part's failure stays inside it.
_BLOCK_START = re.compile(r"^[ \t]*@", re.MULTILINE)
_PART_ENTRIES = 1000


@dataclass(frozen=True)
class BibEntry:
    """One BibTeX entry, reduced to what finds the paper: an arXiv id or a title."""

    key: str
    line: int
    arxiv_id: str | None
    title: str | None
    abstract: str | None = None


@dataclass(frozen=True)
class BibtexFile:
    """The usable entries of a file, and the blocks that were not (with their line and why)."""

    source: str
    entries: tuple[BibEntry, ...]
    skipped: tuple[Skipped, ...] = ()

    def __len__(self) -> int:
        return len(self.entries)


def read_bibtex(path: str | Path, progress: bool | None = None) -> BibtexFile:
    """Parse a BibTeX file; see :func:`parse_bibtex`. ``progress``: a bar on stderr (default:
    when stderr is a terminal)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BibtexError(str(path), f"cannot be read ({error.strerror or error}); check the path") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise BibtexError(str(path), "is not UTF-8 text; export it again as UTF-8 "
                          "(Zotero: Export... > Character Encoding: Unicode (UTF-8))", line) from None
    from tqdm import tqdm

    show = sys.stderr.isatty() if progress is None else progress
    with tqdm(total=_count_entries(text), desc=f"Reading {path.name}", unit="entry", disable=not show,
              leave=False) as bar:
        return parse_bibtex(text, str(path), progress=bar.update)


def parse_bibtex(text: str, source: str = "<bibtex>", progress: Callable[[int], None] | None = None
                 ) -> BibtexFile:
    """The entries of a BibTeX text.

    A block that does not parse, or an entry with neither an arXiv id nor a title, is skipped
    with its line and reason and the rest is read. Raises BibtexError (source, line, reason)
    when nothing at all can be read. ``progress`` is called with the number of entries read
    after each part of the text.
    """
    import bibtexparser
    from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, ParsingFailedBlock

    library = bibtexparser.Library()
    found: list[tuple[int, BibEntry | None, Skipped | None]] = []
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.ERROR)  # its warnings repeat what `skipped` says
    try:
        for part, first_line, entries in _parts(text):
            known = len(library.blocks)
            bibtexparser.parse_string(part, library=library)  # @string macros of earlier parts resolve
            for block in library.blocks[known:]:
                line = first_line + block.start_line
                if isinstance(block, (DuplicateBlockKeyBlock, DuplicateFieldKeyBlock)):
                    # Still one paper: keep it, with the first value of a repeated field. bibtexparser
                    # leaves such a block as written, so its values keep their braces or quotes.
                    found.append((line, _entry(block.ignore_error_block, line, enclosed=True), None))
                elif isinstance(block, ParsingFailedBlock):
                    found.append((line, None, _failure(block, part, first_line)))
                elif isinstance(block, Entry):
                    found.append((line, _entry(block, line), None))
            if progress:
                progress(entries)
    finally:
        logger.setLevel(level)

    entries, skipped = [], []
    for line, entry, failure in sorted(found, key=lambda item: item[0]):
        if failure:
            skipped.append(failure)
        elif entry.arxiv_id or entry.title:
            entries.append(entry)
        else:
            skipped.append(Skipped(entry.line, f"entry {entry.key!r} has no arXiv id and no title"))

    if not entries:
        if skipped:
            raise BibtexError(source, f"no entry could be read; the first problem: {skipped[0].reason}",
                              skipped[0].line)
        raise BibtexError(source, "holds no BibTeX entry (@article{...}, @misc{...}); is it a BibTeX file?")
    return BibtexFile(source, tuple(entries), tuple(skipped))


def _count_entries(text: str) -> int:
    return len(_BLOCK_START.findall(text))


def _parts(text: str) -> Iterator[tuple[str, int, int]]:
    """The text in parts of about _PART_ENTRIES blocks: (part, its first line - 1, blocks in it).

    A part ends only before an "@" that starts a line where the braces before it balance, so
    no block is cut (a block whose braces never balance stays in one part with what follows,
    which bibtexparser then reads as it would the whole file)."""
    start = line = depth = count = 0
    position = 0
    for match in _BLOCK_START.finditer(text):
        depth += text.count("{", position, match.start()) - text.count("}", position, match.start())
        position = match.start()
        if count >= _PART_ENTRIES and depth <= 0:
            part = text[start:match.start()]
            yield part, line, count
            line += part.count("\n")
            start, depth, count = match.start(), 0, 0
        count += 1
    yield text[start:], line, count


def _entry(raw, line: int, enclosed: bool = False) -> BibEntry:
    fields = {}
    for field in raw.fields:  # a repeated field keeps its first value
        fields.setdefault(field.key.lower(), _unenclose(field.value) if enclosed else field.value)
    title = latex_text(fields.get("title"))
    return BibEntry(key=raw.key, line=line + 1, arxiv_id=_arxiv_id(fields),
                    title=title or None, abstract=latex_text(fields.get("abstract")) or None)


def _arxiv_id(fields: dict) -> str | None:
    archive = str(fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().lower()
    eprint = str(fields.get("eprint") or "")
    if eprint and archive in ("", "arxiv"):
        found = parse_arxiv_id(eprint)
        if found:
            return found
    for name in _ID_FIELDS:
        if name == "eprint" and archive not in ("", "arxiv"):
            continue  # another archive's eprint number (HAL, IACR) that happens to look like one
        found = find_arxiv_id(str(fields.get(name) or ""))
        if found:
            return found
    return None


def _unenclose(value):
    """A value without its outer {...} or "..." (when those enclose the whole value)."""
    if not isinstance(value, str) or len(value) < 2:
        return value
    if value[0] == '"' and value[-1] == '"':
        return value[1:-1]
    if value[0] == "{" and value[-1] == "}":
        depth = 0
        for position, char in enumerate(value):
            depth += {"{": 1, "}": -1}.get(char, 0)
            if depth == 0:
                return value[1:-1] if position == len(value) - 1 else value
    return value


def _failure(block, part: str, first_line: int) -> Skipped:
    """A block that did not parse: the line it starts on, what went wrong, where parsing stopped."""
    error = block.error
    reason = (getattr(error, "abort_reason", None) or str(error) or type(error).__name__).strip()
    line = first_line + block.start_line + 1
    end = getattr(error, "end_index", None)
    if end is not None:
        stopped = first_line + part.count("\n", 0, end) + 1
        if stopped != line:
            reason += f" (parsing stopped on line {stopped})"
    head = (block.raw or "").lstrip().split(",", 1)[0].split("\n", 1)[0][:60]
    return Skipped(line, f"{head}: {reason}")
