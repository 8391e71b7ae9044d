"""The embedded store: papers, their digest dates and embeddings in one SQLite file (WAL).

Every write is one transaction taken with BEGIN IMMEDIATE, so a crash leaves the file as it
was before or fully updated, and a second writer waits for the first instead of failing.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np

from ..errors import LibraryError
from ..records import SUMMARY_FIELDS, Paper

APPLICATION = "semdigest"
SCHEMA_VERSION = "1"
_BUSY_TIMEOUT_MS = 10 * 60 * 1000  # a concurrent ingest may hold the lock while it writes

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE papers (
    arxiv_id TEXT PRIMARY KEY, version INTEGER, title TEXT NOT NULL, authors TEXT NOT NULL,
    abstract TEXT NOT NULL, primary_category TEXT, categories TEXT NOT NULL,
    tldr TEXT, motivation TEXT, method TEXT, result TEXT, conclusion TEXT, code_url TEXT,
    flagged INTEGER NOT NULL, first_seen TEXT, summary_date TEXT, source TEXT, line INTEGER
);
CREATE TABLE appearances (
    arxiv_id TEXT NOT NULL REFERENCES papers(arxiv_id), date TEXT NOT NULL, source TEXT,
    PRIMARY KEY (arxiv_id, date)
);
CREATE INDEX appearances_by_date ON appearances(date);
CREATE TABLE embeddings (
    model TEXT NOT NULL, text_hash TEXT NOT NULL, backend TEXT NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY (model, text_hash)
);
"""
_PAPER_COLUMNS = ("arxiv_id", "version", "title", "authors", "abstract", "primary_category",
                  "categories", *SUMMARY_FIELDS, "code_url", "flagged", "first_seen",
                  "summary_date", "source", "line")


@dataclass(frozen=True)
class AddCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0


class SQLiteStore:
    def __init__(self, path: str | Path, create: bool = True):
        self.path = Path(path).expanduser()
        exists = self.path.exists() and self.path.stat().st_size > 0
        if not exists and not create:
            raise LibraryError(f"no library at {self.path}; run `semdigest ingest DIGEST` first")
        if not exists:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif not _is_sqlite(self.path):
            raise LibraryError(
                f"{self.path} is not a semdigest library (not an SQLite file); it was left "
                "untouched. Pass another --library path."
            )
        self.conn = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            self.conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            self._check_or_create()  # before anything that writes: a foreign file stays untouched
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as error:
            self.conn.close()
            raise LibraryError(f"{self.path} is not a usable semdigest library: {error}") from None

    def _check_or_create(self) -> None:
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            with self.write() as conn:
                if not conn.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone():
                    for statement in filter(str.strip, _SCHEMA.split(";")):
                        conn.execute(statement)
                    conn.executemany("INSERT INTO meta VALUES (?, ?)",
                                     [("application", APPLICATION), ("schema_version", SCHEMA_VERSION)])
            return
        meta = dict(self.conn.execute("SELECT key, value FROM meta")) if "meta" in tables else {}
        if meta.get("application") != APPLICATION:
            raise LibraryError(
                f"{self.path} is an SQLite file of another program, not a semdigest library; "
                "it was left untouched. Pass another --library path."
            )
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise LibraryError(f"{self.path} has library schema {meta.get('schema_version')}, "
                               f"this semdigest reads {SCHEMA_VERSION}; upgrade semdigest")

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One all-or-nothing write transaction; waits while another process writes."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()

    # -- papers -------------------------------------------------------------------------

    def upsert_papers(self, conn: sqlite3.Connection, papers: Iterable[Paper]) -> AddCounts:
        """Insert new papers, merge known ones (newest non-empty summaries win), record dates."""
        papers = list(papers)
        ids = [p.arxiv_id for p in papers]
        stored = self.get_papers(ids, conn)
        summary_dates = self._summary_dates(ids, conn)
        counts = {"new": 0, "updated": 0, "unchanged": 0}
        for paper in papers:
            old = stored.get(paper.arxiv_id)
            old_summary_date = summary_dates.get(paper.arxiv_id)
            incoming_is_newer = old is None or _is_newer(paper.date, old_summary_date)
            merged = paper if old is None else _merge(old, paper, incoming_is_newer)
            first_seen = _min_date(old.date if old else None, paper.date)
            if old is None:
                counts["new"] += 1
            elif merged == old and first_seen == old.date:
                counts["unchanged"] += 1
                self._appear(conn, paper)
                continue
            else:
                counts["updated"] += 1
            conn.execute(
                f"INSERT OR REPLACE INTO papers VALUES ({', '.join('?' * len(_PAPER_COLUMNS))})",
                _row(replace(merged, date=first_seen), paper.date if incoming_is_newer else old_summary_date),
            )
            self._appear(conn, paper)
        return AddCounts(**counts)

    def _appear(self, conn: sqlite3.Connection, paper: Paper) -> None:
        date = paper.date.isoformat() if paper.date else ""
        conn.execute("INSERT OR IGNORE INTO appearances VALUES (?, ?, ?)", (paper.arxiv_id, date, paper.source))

    def get_papers(self, ids: Iterable[str] | None = None, conn=None) -> dict[str, Paper]:
        rows = self._select(", ".join(_PAPER_COLUMNS), ids, conn or self.conn)
        return {row[0]: _paper(row) for row in rows}

    def _summary_dates(self, ids: list[str], conn) -> dict[str, dt.date | None]:
        return {i: dt.date.fromisoformat(d) if d else None
                for i, d in self._select("arxiv_id, summary_date", ids, conn)}

    @staticmethod
    def _select(columns: str, ids: Iterable[str] | None, conn) -> list[tuple]:
        if ids is None:
            return conn.execute(f"SELECT {columns} FROM papers").fetchall()
        ids, rows = list(ids), []
        for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
            chunk = ids[start:start + 500]
            rows += conn.execute(
                f"SELECT {columns} FROM papers WHERE arxiv_id IN ({', '.join('?' * len(chunk))})", chunk
            ).fetchall()
        return rows

    def appearances(self) -> dict[str, list[str]]:
        dates: dict[str, list[str]] = {}
        for arxiv_id, date in self.conn.execute("SELECT arxiv_id, date FROM appearances ORDER BY date"):
            dates.setdefault(arxiv_id, []).append(date)
        return dates

    def count_papers(self) -> int:
        return self.conn.execute("SELECT count(*) FROM papers").fetchone()[0]

    # -- embeddings ---------------------------------------------------------------------

    def known_hashes(self, model: str) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT text_hash FROM embeddings WHERE model = ?", (model,))}

    def put_vectors(self, conn: sqlite3.Connection, model: str, backend: str,
                    vectors: Mapping[str, np.ndarray]) -> None:
        conn.executemany(
            "INSERT OR IGNORE INTO embeddings VALUES (?, ?, ?, ?)",
            ((model, h, backend, np.asarray(v, dtype="<f4").tobytes()) for h, v in vectors.items()),
        )

    def get_vectors(self, model: str) -> dict[str, np.ndarray]:
        return {
            h: np.frombuffer(blob, dtype="<f4")
            for h, blob in self.conn.execute("SELECT text_hash, vector FROM embeddings WHERE model = ?", (model,))
        }

    def models(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT model, count(*) FROM embeddings GROUP BY model"))

    def data_version(self) -> tuple[int, int]:
        """Changes when this or any other connection commits: the key for in-memory caches."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0], self.conn.total_changes


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(16) == b"SQLite format 3\x00"


def _merge(old: Paper, new: Paper, new_is_newer: bool) -> Paper:
    """Newest non-empty values win; an older digest only fills what is still missing."""
    newer, older = (new, old) if new_is_newer else (old, new)
    values = {}
    for f in fields(Paper):
        a, b = getattr(newer, f.name), getattr(older, f.name)
        values[f.name] = a if a not in (None, "", ()) else b
    summaries = [values[name] for name in SUMMARY_FIELDS]
    values["flagged"] = (old.flagged or new.flagged) and any(s is None for s in summaries)
    values["date"] = old.date
    return Paper(**values)


def _is_newer(new: dt.date | None, old: dt.date | None) -> bool:
    return old is None or (new is not None and new >= old)


def _min_date(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return min(d for d in (a, b) if d) if (a or b) else None


def _row(paper: Paper, summary_date: dt.date | None) -> tuple:
    return (
        paper.arxiv_id, paper.version, paper.title, json.dumps(list(paper.authors), ensure_ascii=False),
        paper.abstract, paper.primary_category, json.dumps(list(paper.categories)),
        *(getattr(paper, name) for name in SUMMARY_FIELDS), paper.code_url, int(paper.flagged),
        paper.date.isoformat() if paper.date else None,
        summary_date.isoformat() if summary_date else None, paper.source, paper.line,
    )


def _paper(row: tuple) -> Paper:
    values = dict(zip(_PAPER_COLUMNS, row))
    first_seen = values.pop("first_seen")
    values.pop("summary_date")
    values["authors"] = tuple(json.loads(values["authors"]))
    values["categories"] = tuple(json.loads(values["categories"]))
    values["flagged"] = bool(values["flagged"])
    values["date"] = dt.date.fromisoformat(first_seen) if first_seen else None
    return Paper(**values)
