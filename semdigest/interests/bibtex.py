"""Reading a BibTeX file (a Zotero, Better BibTeX, Google Scholar or hand-made export) into
entries that name an arXiv id, or carry a title (and an abstract) to find the paper by."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from ..arxiv_ids import find_arxiv_id, parse_arxiv_id
from ..errors import BibtexError
from ..records import Skipped

# Fields where exporters put an arXiv id: Better BibTeX and biblatex (eprint + archivePrefix or
# eprinttype), Zotero (url, doi 10.48550/arXiv.X, note "arXiv:X [cs]", number), Google Scholar
# (journal "arXiv preprint arXiv:X"), and hand-made files (howpublished, pdf, annote...).
_ID_FIELDS = ("eprint", "doi", "url", "journal", "journaltitle", "note", "number", "howpublished",
              "booktitle", "pdf", "link", "arxiv", "arxivid", "annote", "publisher")
_SPACES = re.compile(r"\s+")
_UNESCAPED_PERCENT = re.compile(r"(?<!\\)%")  # a comment to LaTeX, a percent sign in a title


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


def read_bibtex(path: str | Path) -> BibtexFile:
    """Parse a BibTeX file; see :func:`parse_bibtex`."""
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
    return parse_bibtex(text, str(path))


def parse_bibtex(text: str, source: str = "<bibtex>") -> BibtexFile:
    """The entries of a BibTeX text.

    A block that does not parse, or an entry with neither an arXiv id nor a title, is skipped
    with its line and reason and the rest is read. Raises BibtexError (source, line, reason)
    when nothing at all can be read.
    """
    import bibtexparser
    from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock

    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.ERROR)  # its warnings repeat what `skipped` says
    try:
        library = bibtexparser.parse_string(text)
    finally:
        logger.setLevel(level)
    raw_entries = [(entry, False) for entry in library.entries]
    skipped: list[Skipped] = []
    for block in library.failed_blocks:
        if isinstance(block, (DuplicateBlockKeyBlock, DuplicateFieldKeyBlock)):
            # Still one paper: keep it, with the first value of a repeated field. bibtexparser
            # leaves such a block as written, so its values keep their braces or quotes.
            raw_entries.append((block.ignore_error_block, True))
        else:
            skipped.append(_failure(block, text))

    entries = []
    for raw, enclosed in sorted(raw_entries, key=lambda pair: pair[0].start_line):
        entry = _entry(raw, enclosed)
        if entry.arxiv_id or entry.title:
            entries.append(entry)
        else:
            skipped.append(Skipped(entry.line, f"entry {raw.key!r} has no arXiv id and no title"))
    skipped.sort(key=lambda s: s.line)

    if not entries:
        if skipped:
            raise BibtexError(source, f"no entry could be read; the first problem: {skipped[0].reason}",
                              skipped[0].line)
        raise BibtexError(source, "holds no BibTeX entry (@article{...}, @misc{...}); is it a BibTeX file?")
    return BibtexFile(source, tuple(entries), tuple(skipped))


def _entry(raw, enclosed: bool = False) -> BibEntry:
    fields = {}
    for field in raw.fields:  # a repeated field keeps its first value
        fields.setdefault(field.key.lower(), _unenclose(field.value) if enclosed else field.value)
    title = _text(fields.get("title"))
    return BibEntry(key=raw.key, line=raw.start_line + 1, arxiv_id=_arxiv_id(fields),
                    title=title or None, abstract=_text(fields.get("abstract")) or None)


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


def _text(value) -> str:
    """A field as one line of plain text: LaTeX accents and commands decoded, math kept as written
    (as the library's own titles and abstracts keep it), whitespace collapsed."""
    if not value:
        return ""
    from pylatexenc.latex2text import LatexNodes2Text

    text = _UNESCAPED_PERCENT.sub(r"\\%", str(value))
    try:
        text = LatexNodes2Text(math_mode="verbatim").latex_to_text(text)
    except Exception:  # pylatexenc gives up on some malformed LaTeX: the raw text still reads
        pass
    return _SPACES.sub(" ", text).strip()


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


def _failure(block, text: str) -> Skipped:
    """A block that did not parse: the line it starts on, what went wrong, where parsing stopped."""
    error = block.error
    reason = (getattr(error, "abort_reason", None) or str(error) or type(error).__name__).strip()
    line = block.start_line + 1
    end = getattr(error, "end_index", None)
    if end is not None:
        stopped = text.count("\n", 0, end) + 1
        if stopped != line:
            reason += f" (parsing stopped on line {stopped})"
    head = (block.raw or "").lstrip().split(",", 1)[0].split("\n", 1)[0][:60]
    return Skipped(line, f"{head}: {reason}")
