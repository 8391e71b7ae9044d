"""Readers turn a digest file into a Digest. ``read`` sniffs the format from the content."""

from __future__ import annotations

import datetime as dt
import glob
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import DigestError
from ..records import Digest
from . import feeds, jsonl, markdown
from ._text import date_from_name

# Tried in order; markdown last because its markers may appear inside other formats' text.
_FORMATS = (feeds, jsonl, markdown)
_MAX_BAD_BYTES = 0.01  # more undecodable bytes than this and the file is not text


def parse(text: str, source: str = "<text>", date: dt.date | None = None) -> Digest:
    """Parse digest text of any supported format (pure: no I/O)."""
    if not text.strip():
        raise DigestError(source, "the file is empty; a digest has at least its header")
    for module in _FORMATS:
        if module.looks_like(text):
            return module.parse(text, source, date)
    raise DigestError(
        source,
        "not a digest: no daily-arXiv markdown, JSON-lines records, Atom feed or RSS listing "
        "found (see `semdigest parse --help` for the formats)",
    )


def decode(data: bytes, source: str) -> str:
    """Bytes as text; binary data is a DigestError. Raw control characters are kept for the
    readers, which split on "\\n" only and repair what they can."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") + text.count("\x00")
    if data and bad / max(len(text), 1) > _MAX_BAD_BYTES:
        raise DigestError(source, "binary data, not UTF-8 text")
    return text


def read(path: str | Path, date: dt.date | None = None) -> Digest:
    """Read one digest file. The date comes from ``date`` or from a YYYY-MM-DD file name."""
    path = Path(path)
    source = str(path)
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise DigestError(source, "is a folder; use read_all() or pass the files") from None
    except OSError as error:
        raise DigestError(source, f"cannot be read: {error.strerror or error}") from None
    return parse(decode(data, source), source, date or date_from_name(path))


def expand(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files named by paths, folders (their files, sorted) and glob patterns."""
    for item in map(str, paths):
        matches = sorted(glob.glob(item, recursive=True)) if glob.has_magic(item) else [item]
        if not matches:
            raise DigestError(item, "no file matches this pattern")
        for match in map(Path, matches):
            if match.is_dir():
                yield from sorted(p for p in match.rglob("*") if p.is_file() and not p.name.startswith("."))
            else:
                yield match


__all__ = ["parse", "read", "expand", "decode"]
