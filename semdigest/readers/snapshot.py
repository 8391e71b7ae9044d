"""arXiv's metadata snapshot (``arxiv-metadata-oai-snapshot.json``, as arXiv publishes it on
Kaggle): one JSON object a line, about 2.8M records. ``SnapshotReader`` streams a file (plain,
``.gz`` or ``.zst``, told apart by their first bytes) one record at a time, never loading it
whole; ``parse`` reads a small extract as a Digest, like the other readers."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import orjson

from ..errors import DigestError
from ..records import Digest, Paper, Skipped
from . import _arxiv
from ._build import DigestBuilder, EntryError, make_paper
from ._streams import CHUNK, CutOff, open_stream

FORMAT = "arxiv-snapshot"
# Keys only the snapshot's records have together (a digest's JSON-lines record has none of the last two).
_KEYS = frozenset(("id", "versions", "authors_parsed"))


def looks_like(text: str) -> bool:
    """The first line is a JSON object with the snapshot's own keys."""
    first = text.lstrip()[:1] == "{" and text.lstrip().split("\n", 1)[0]
    if not first or not all(f'"{key}"' in first for key in _KEYS):
        return False
    try:
        record = json.loads(first)
    except ValueError:
        return False
    return isinstance(record, dict) and _KEYS <= record.keys()


def parse(text: str, source: str, date: dt.date | None = None) -> Digest:
    """A snapshot extract already in memory as a Digest (use SnapshotReader for the full file)."""
    builder = DigestBuilder(source, date, FORMAT)
    papers, first_error = 0, None
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            builder.add(paper_from_line(line, source, number))
            papers += 1
        except EntryError as error:
            first_error = first_error or (number, str(error))
            builder.skip(number, str(error))
    if papers == 0 and first_error:
        raise DigestError(source, f"no readable snapshot record ({first_error[1]})", first_error[0])
    return builder.build()


def paper_from_line(line: str | bytes, source: str, number: int) -> Paper:
    """One line of the snapshot as a Paper, or EntryError saying why it is none."""
    try:  # orjson decodes and checks the UTF-8 in one pass, twice as fast as json.loads
        record = orjson.loads(line)
    except orjson.JSONDecodeError:  # the standard library again, for the reason it gives
        record = _stdlib_record(line)
    if not isinstance(record, dict):
        raise EntryError("the line is JSON but not an object")
    return paper(record, source, number)


def _stdlib_record(line: str | bytes):
    """The record json.loads reads (orjson refuses what it accepts, as NaN and huge numbers), or
    EntryError saying why the line is none: not UTF-8, cut off, not JSON."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as error:
            raise EntryError(f"not UTF-8 text (byte {line[error.start]:#04x} at column {error.start + 1})") from None
    try:
        record = json.loads(line)
    except ValueError as error:  # JSONDecodeError is a ValueError
        if isinstance(error, json.JSONDecodeError) and error.pos >= len(line.rstrip()):
            raise EntryError("the record is cut off: the line ends before its JSON closes "
                             "(a partial download?); download the file again") from None
        where = f" at column {error.colno}" if isinstance(error, json.JSONDecodeError) else ""
        raise EntryError(f"not valid JSON: {getattr(error, 'msg', error)}{where}") from None
    return record


def paper(record: dict, source: str, line: int) -> Paper:
    """One decoded snapshot record as a Paper, or EntryError."""
    arxiv_id = _arxiv.arxiv_id(record.get("id"))
    listed = record.get("versions") or []
    if type(listed) is not list or not all(type(v) is dict for v in listed):
        raise EntryError("versions: expected a list of {version, created} objects")
    listed = _arxiv.versions([(v.get("version"), v.get("created")) for v in listed])
    categories = _arxiv.text(record.get("categories"), "categories") or ""
    return make_paper(
        # The record describes its latest version: the id carries that version's number.
        id_text=f"{arxiv_id}v{listed[-1].number}" if listed else arxiv_id,
        title=_arxiv.text(record.get("title"), "title"),
        authors=_authors(record),
        abstract=_arxiv.text(record.get("abstract"), "abstract"),
        summaries={},
        categories=categories.split(),
        source=source,
        line=line,
        updated=_arxiv.day(record.get("update_date"), "update_date"),
        **_arxiv.dates(listed),
        **_arxiv.optional(record.get),
    )


def _authors(record: dict) -> list[str]:
    """Names from authors_parsed ([last, first, suffix] each); from the flat authors text when
    a record has no parsed list."""
    parsed = record.get("authors_parsed")
    if parsed is None:
        return _arxiv.split_authors(_arxiv.text(record.get("authors"), "authors") or "")
    return _arxiv.joined_names(parsed, "authors_parsed")


class SnapshotReader:
    """The papers of a snapshot file, one at a time, in file order.

    Bad records are skipped and counted, never raised: ``skipped_count`` counts them and
    ``skipped`` keeps the first ``keep_skipped`` (line and reason; ``warnings()`` adds the
    file). While iterating, ``line`` is the line number of the last record read and ``offset``
    the byte just past it in the (uncompressed) file: a checkpoint. ``SnapshotReader(path,
    offset=..., line=...)`` starts after that record. A damaged or cut-off compressed file
    ends the stream with a DigestError naming the file and line; what came before it stands.

    >>> reader = SnapshotReader("arxiv-metadata-oai-snapshot.json.zst")  # doctest: +SKIP
    >>> for paper in reader: ...                                          # doctest: +SKIP
    >>> reader.papers, reader.skipped_count, reader.offset                # doctest: +SKIP
    """

    def __init__(self, path: str | Path, *, offset: int = 0, line: int = 0, keep_skipped: int = 1000):
        self.path, self.source = Path(path), str(path)
        self.start_offset, self.start_line, self.keep_skipped = offset, line, keep_skipped
        self.offset, self.line = offset, line
        self.papers = self.skipped_count = 0
        self.skipped: list[Skipped] = []

    def __iter__(self) -> Iterator[Paper]:
        self.offset, self.line = self.start_offset, self.start_line
        self.papers = self.skipped_count = 0
        self.skipped = []
        with ExitStack() as stack:
            stream = self._open(stack)
            self._seek(stream)
            while True:
                try:
                    raw = stream.readline()
                except CutOff as error:
                    raise DigestError(self.source, f"the compressed data is damaged or cut off after this "
                                      f"line ({error}); download the file again", self.line or None) from None
                if not raw:
                    return
                number = self.line + 1
                self.offset += len(raw)
                self.line = number
                if raw.isspace():
                    continue
                try:
                    paper = paper_from_line(raw, self.source, number)
                except EntryError as error:
                    self._skip(number, str(error))
                    continue
                self.papers += 1
                yield paper

    @property
    def records(self) -> int:
        """Records read so far (papers and skipped ones)."""
        return self.papers + self.skipped_count

    def warnings(self) -> list[str]:
        """The kept skips as one-line warnings with file and line."""
        more = self.skipped_count - len(self.skipped)
        lines = [f"{self.source}:{s.line}: record skipped: {s.reason}" for s in self.skipped]
        return lines + ([f"{self.source}: … {more} more records skipped"] if more > 0 else [])

    def _skip(self, line: int, reason: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < self.keep_skipped:
            self.skipped.append(Skipped(line, reason))

    def _open(self, stack: ExitStack) -> io.BufferedIOBase:
        try:
            return open_stream(self.path, stack)
        except IsADirectoryError:
            raise DigestError(self.source, "is a folder; name the snapshot file itself") from None
        except OSError as error:
            raise DigestError(self.source, f"cannot be read: {error.strerror or error}") from None

    def _seek(self, stream: io.BufferedIOBase) -> None:
        """Move to start_offset, which must be just past a line's end (a checkpoint's)."""
        if not self.start_offset:
            return
        before = self.start_offset - 1
        try:
            if stream.seekable():  # a plain file; gzip's seek decompresses up to it
                stream.seek(before)
            else:  # zstd: decompress up to it
                while before > 0 and (chunk := stream.read(min(before, CHUNK))):
                    before -= len(chunk)
            at_line_start = stream.read(1) == b"\n"
        except CutOff:
            at_line_start = False
        if not at_line_start:
            raise DigestError(self.source, f"offset {self.start_offset} is not the start of a line: the "
                              "file is not the one the checkpoint was taken in, or was cut short; start over")
