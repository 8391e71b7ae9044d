"""Readers turn a digest file into a Digest. ``read`` sniffs the format from the content."""

from __future__ import annotations

import codecs
import datetime as dt
import glob
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import DigestError
from ..records import Digest
from . import feeds, jsonl, markdown, snapshot
from ._text import date_from_name, line_ends

# Tried in order; markdown last because its markers may appear inside other formats' text, the
# snapshot before jsonl because its lines are JSON lines too.
_FORMATS = (feeds, snapshot, jsonl, markdown)
_MAX_BAD_BYTES = 0.01  # more undecodable bytes than this and the file is not text


def parse(text: str, source: str = "<text>", date: dt.date | None = None) -> Digest:
    """Parse digest text of any supported format (pure: no I/O)."""
    text = line_ends(text.removeprefix("\ufeff"))  # a byte-order mark decoded as text: no part of any format
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


# Byte-order marks and the encodings they announce; UTF-32's come first (UTF-32-LE's begins
# with UTF-16-LE's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"), (codecs.BOM_UTF8, "UTF-8"),
    (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"),
)


def decode(data: bytes, source: str) -> str:
    """Bytes as text; binary data is a DigestError. UTF-8 is the digests' encoding; a file with a
    byte-order mark (UTF-8, UTF-16 or UTF-32, as Windows editors save) is decoded by its mark.
    Raw control characters are kept for the readers, which split on "\\n" only and repair what
    they can."""
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    codec = {"UTF-8": "utf-8-sig", "UTF-16": "utf-16", "UTF-32": "utf-32", None: "utf-8"}[encoding]
    text = data.decode(codec, errors="replace")
    bad = text.count("\ufffd") + text.count("\x00")
    if data and bad / max(len(text), 1) > _MAX_BAD_BYTES:
        if encoding:
            raise DigestError(source, f"starts with a {encoding} byte-order mark but is not {encoding} text")
        if _looks_like_utf16(data):
            raise DigestError(source, "UTF-16 text without a byte-order mark; save it as UTF-8 and read it again")
        raise DigestError(source, "binary data, not UTF-8 text")
    return text


def _looks_like_utf16(data: bytes) -> bool:
    """Mostly-ASCII UTF-16 has a NUL in every other byte (odd ones little-endian, even ones big)."""
    sample = data[:4096]
    half = len(sample) // 2
    return half > 0 and max(sample[1::2].count(0), sample[0::2].count(0)) > 0.9 * half


def read(path: str | Path, date: dt.date | None = None) -> Digest:
    """Read one digest file. Its date comes from a YYYY-MM-DD file name, else from ``date``; a
    ``date`` that contradicts the name is an error (a file holds one day's digest)."""
    path = Path(path)
    source = str(path)
    named = date_from_name(path)
    if date and named and date != named:
        raise DigestError(source, f"the file name says {named} but the date given (--date) is {date}; give a "
                                  "date only for a file whose name has none, or rename the file")
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise DigestError(source, "is a folder; read its files with [read(f) for f in expand([folder])] "
                                  "(semdigest.readers.expand)") from None
    except OSError as error:
        raise DigestError(source, f"cannot be read: {error.strerror or error}") from None
    return parse(decode(data, source), source, named or date)


def expand(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files named by paths, folders (their files, sorted) and glob patterns."""
    for item in map(str, paths):
        matches = sorted(glob.glob(item, recursive=True)) if glob.has_magic(item) else [item]
        if not matches:
            raise DigestError(item, "no file matches this pattern")
        for match in map(Path, matches):
            if match.is_dir():
                files = sorted(p for p in match.rglob("*") if p.is_file() and not p.name.startswith("."))
                if not files:
                    raise DigestError(str(match), "is a folder that holds no digest (no files in it)")
                yield from files
            else:
                yield match


__all__ = ["parse", "read", "expand", "decode", "date_from_name"]
