"""Where a backfill reads arXiv's metadata from, in batches that each end at a checkpoint:
a snapshot file (by line and byte offset) or an OAI-PMH endpoint (by resumption token)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DigestError
from ..readers.snapshot import SnapshotReader
from ..records import Paper
from .harvest import Harvester


@dataclass
class Batch:
    """Papers read since the last checkpoint. ``records``: every record read (papers, bad and
    deleted ones); ``position``: where the next batch starts; ``done``: the source is finished.
    ``fraction``: how far through the source it is, when that is known."""

    papers: list[Paper]
    records: int
    bad: int
    position: dict
    done: bool = False
    deleted: int = 0
    warnings: list[str] = field(default_factory=list)
    fraction: float | None = None


class SnapshotSource:
    """A snapshot file (plain, .gz or .zst), ``batch_size`` records a batch."""

    def __init__(self, path: str | Path, batch_size: int = 5000):
        self.path, self.batch_size = Path(path), batch_size
        try:
            self.size = self.path.stat().st_size
        except OSError as error:
            raise DigestError(str(path), f"cannot be read: {error.strerror or error}") from None
        with self.path.open("rb") as file:
            head = file.read(4)
        # only a plain file's byte offset measures how far through it the reader is
        self._plain = not (head.startswith(b"\x1f\x8b") or head == b"\x28\xb5\x2f\xfd")

    @property
    def key(self) -> dict:
        """What a checkpoint is kept under: the file, absolute."""
        return {"snapshot": str(self.path.resolve())}

    def __str__(self) -> str:
        return str(self.path)

    def same_as(self, position: dict) -> bool:
        """Whether the file is still the one a checkpoint was taken in (its size)."""
        return position.get("size") == self.size

    def batches(self, position: dict | None) -> Iterator[Batch]:
        position = position or {}
        if position and position.get("size") not in (None, self.size):
            raise DigestError(str(self.path), f"changed since its checkpoint (it had {position['size']:,} bytes, now "
                              f"{self.size:,}); run the backfill again with --restart to read it from the start")
        reader = SnapshotReader(self.path, offset=position.get("offset", 0), line=position.get("line", 0),
                                keep_skipped=100)
        papers: list[Paper] = []
        records = bad = warned = 0
        for paper in reader:
            papers.append(paper)
            if reader.records - records >= self.batch_size:
                yield self._batch(reader, papers, records, bad, warned)
                records, bad, warned, papers = reader.records, reader.skipped_count, len(reader.skipped), []
        yield self._batch(reader, papers, records, bad, warned, done=True)

    def _batch(self, reader: SnapshotReader, papers, records: int, bad: int, warned: int, done=False) -> Batch:
        where = {"offset": reader.offset, "line": reader.line, "size": self.size}
        return Batch(papers, reader.records - records, reader.skipped_count - bad, where, done,
                     warnings=[f"{self.path}:{s.line}: record skipped: {s.reason}" for s in reader.skipped[warned:]],
                     fraction=min(1.0, reader.offset / self.size) if self._plain and self.size else None)


class OAISource:
    """An OAI-PMH endpoint's ListRecords, one page a batch (``harvester``: a configured Harvester;
    its ``token`` is replaced by the checkpoint's)."""

    def __init__(self, harvester: Harvester):
        self.harvester = harvester

    @property
    def key(self) -> dict:
        h = self.harvester
        return {"oai": h.url, "format": h.metadata_prefix, "set": h.set_spec,
                "from": h.since and h.since.isoformat(), "until": h.until and h.until.isoformat()}

    def __str__(self) -> str:
        return self.harvester.url

    def same_as(self, position: dict) -> bool:
        return True  # a finished harvest is finished; a later one names other dates (--from)

    def batches(self, position: dict | None) -> Iterator[Batch]:
        self.harvester.token = (position or {}).get("token")
        for page in self.harvester.pages():
            records = len(page.papers) + len(page.skipped) + len(page.deleted)
            fraction = None
            if page.complete_size and page.cursor is not None:
                fraction = min(1.0, (page.cursor + records) / page.complete_size)
            yield Batch(list(page.papers), records, len(page.skipped), {"token": page.token}, page.token is None,
                        deleted=len(page.deleted), warnings=page.warnings, fraction=fraction)


def checkpoint_name(source_key: dict, filters: dict) -> str:
    """The library's meta key of a source read with these filters: a different filter is a
    different backfill, with a checkpoint of its own."""
    import hashlib

    text = json.dumps({**source_key, **filters}, sort_keys=True, default=_iso)
    return "backfill:" + hashlib.sha256(text.encode()).hexdigest()[:20]


def _iso(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)
