"""The embedded store: one SQLite file (WAL), no server.

Every write is one transaction taken with BEGIN IMMEDIATE, so a crash leaves the file as it
was before or fully updated, and a second writer waits for the first instead of failing.
A file of another program, a damaged file and a library in a folder the user cannot write
are told apart before anything is written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import stat
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import LibraryError
from ..records import SUMMARY_FIELDS, Paper, StandingTopic, TopicEvent
from . import arxiv_columns, merge
from .base import LinkedVectors, PaperFilter, PaperStore, translating_errors

if TYPE_CHECKING:
    from ..interests.model import Interest

APPLICATION = "semdigest"
SCHEMA_VERSION = "2"
_BUSY_TIMEOUT_MS = 10 * 60 * 1000  # a concurrent ingest may hold the lock while it writes
_CHUNK = 500  # ids per IN (...): under SQLite's bound-parameter limit
# Below this size every write first runs SQLite's quick_check (about 0.1 s per 50 MB here), so a
# damaged file is never written to; larger files are checked by `semdigest library check`.
_CHECK_BEFORE_WRITE_BYTES = 512 * 2**20

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE papers (
    arxiv_id TEXT PRIMARY KEY, version INTEGER, title TEXT NOT NULL, authors TEXT NOT NULL,
    abstract TEXT NOT NULL, primary_category TEXT, categories TEXT NOT NULL,
    tldr TEXT, motivation TEXT, method TEXT, result TEXT, conclusion TEXT, code_url TEXT,
    flagged INTEGER NOT NULL, first_seen TEXT, summary_date TEXT, source TEXT, line INTEGER
);
CREATE INDEX papers_by_first_seen ON papers(first_seen);
CREATE TABLE appearances (
    arxiv_id TEXT NOT NULL REFERENCES papers(arxiv_id), date TEXT NOT NULL, source TEXT,
    PRIMARY KEY (arxiv_id, date)
);
CREATE INDEX appearances_by_date ON appearances(date);
CREATE TABLE paper_categories (
    category TEXT NOT NULL, arxiv_id TEXT NOT NULL, PRIMARY KEY (category, arxiv_id)
) WITHOUT ROWID;
CREATE TABLE vectors (
    id INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT NOT NULL, text_hash TEXT NOT NULL,
    backend TEXT NOT NULL, vector BLOB NOT NULL, UNIQUE (model, text_hash)
);
CREATE TABLE paper_vectors (
    model TEXT NOT NULL, arxiv_id TEXT NOT NULL, vector_id INTEGER NOT NULL REFERENCES vectors(id),
    PRIMARY KEY (model, arxiv_id)
) WITHOUT ROWID;
CREATE INDEX paper_vectors_by_vector ON paper_vectors(model, vector_id);
CREATE TABLE term_df (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
"""
# Topics across days (topics/tracking.py): standing topics with their centroids (float32 blobs),
# each tracked day's sizes and labels, its events, and each paper's topic on each tracked day.
TRACKING_SCHEMA = """
CREATE TABLE IF NOT EXISTS tracked_topics (
    id INTEGER PRIMARY KEY, model TEXT NOT NULL, label TEXT NOT NULL, terms TEXT NOT NULL,
    centroid BLOB NOT NULL, named BLOB NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS topic_days (
    date TEXT NOT NULL, topic_id INTEGER NOT NULL REFERENCES tracked_topics(id), size INTEGER NOT NULL,
    label TEXT NOT NULL, PRIMARY KEY (date, topic_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS topic_events (
    date TEXT NOT NULL, position INTEGER NOT NULL, kind TEXT NOT NULL, topic_id INTEGER NOT NULL,
    others TEXT NOT NULL, PRIMARY KEY (date, position)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS paper_topics (
    date TEXT NOT NULL, arxiv_id TEXT NOT NULL, topic_id INTEGER NOT NULL, PRIMARY KEY (date, arxiv_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS paper_topics_by_paper ON paper_topics(arxiv_id, date);
"""
# Added after schema 2 shipped: a schema-2 library gets these when first opened where it can be
# written (IF NOT EXISTS), with no version bump; a read-only one reads without them. The index on
# paper_categories(arxiv_id) keeps replacing a paper's categories from scanning every paper's.
ADDED_SCHEMA = """
CREATE INDEX IF NOT EXISTS paper_categories_by_paper ON paper_categories(arxiv_id);
CREATE TABLE IF NOT EXISTS interests (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS interest_items (
    interest_id INTEGER NOT NULL REFERENCES interests(id), kind TEXT NOT NULL, position INTEGER NOT NULL,
    value TEXT NOT NULL, PRIMARY KEY (interest_id, kind, position)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS interest_references (
    interest_id INTEGER NOT NULL REFERENCES interests(id), position INTEGER NOT NULL, title TEXT NOT NULL,
    abstract TEXT NOT NULL, arxiv_id TEXT, key TEXT, PRIMARY KEY (interest_id, position)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS interest_vectors (
    interest TEXT NOT NULL, model TEXT NOT NULL, text_hash TEXT NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY (interest, model, text_hash)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS interest_vectors_by_text ON interest_vectors(model, text_hash);
CREATE TABLE IF NOT EXISTS map_points (
    model TEXT NOT NULL, arxiv_id TEXT NOT NULL, vector_id INTEGER NOT NULL, x REAL NOT NULL, y REAL NOT NULL,
    anchor INTEGER NOT NULL, PRIMARY KEY (model, arxiv_id)
) WITHOUT ROWID;
""" + TRACKING_SCHEMA
SCHEMA += ADDED_SCHEMA
_ADDED_NAMES = frozenset(re.findall(r"CREATE (?:TABLE|INDEX) IF NOT EXISTS (\w+)", ADDED_SCHEMA))
# interest_items.kind: the Interest fields kept as ordered lists of strings
_INTEREST_LISTS = ("papers", "descriptions", "read", "not_interesting")
PAPER_COLUMNS = ("arxiv_id", "version", "title", "authors", "abstract", "primary_category",
                 "categories", *SUMMARY_FIELDS, "code_url", "flagged", "first_seen",
                 "summary_date", "source", "line")
_DAMAGED = ("malformed", "not a database", "file is encrypted")


@translating_errors
class SQLiteStore(PaperStore):
    def __init__(self, path: str | Path, create: bool = True):
        self.path = Path(path).expanduser()
        self.location = str(self.path)
        self.read_only = False
        self._counts: dict = {}  # (data version, filter, at_most) -> count, see count_papers
        if self.path.is_dir():
            raise LibraryError(f"--library {self.path} is a folder; give a library file path "
                               f"such as {self.path / 'library.sqlite'}")
        if self.path.exists() and not self.path.is_file():
            raise LibraryError(f"--library {self.path} is not a library file but a {_kind(self.path)}; "
                               "give a library file path such as library.sqlite")
        exists = self.path.exists() and self.path.stat().st_size > 0
        if not exists and not create:
            raise LibraryError(f"no library at {self.path}; run `semdigest ingest DIGEST` first")
        if exists and not _is_sqlite(self.path):
            raise LibraryError(f"{self.path} is not a semdigest library (not an SQLite file); it was "
                               "left untouched. Pass another --library path.")
        if not exists:
            _make_parent(self.path)
        self.conn = self._connect(exists)
        try:
            self._check_or_create()  # before anything that writes: a foreign file stays untouched
            if not self.read_only:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as error:
            self.conn.close()
            raise self.damaged(error) from None
        except BaseException:
            self.conn.close()
            raise

    def _connect(self, exists: bool) -> sqlite3.Connection:
        """Read-write where the user may write; read-only (and then immutable, as a WAL file in a
        folder without write access needs) where not, so a shared read-only library still answers."""
        writable = not exists or (os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK))
        # quoted: a ? # or %xx in the file name would otherwise start the URI's query or escape
        path = urllib.parse.quote_from_bytes(os.fsencode(self.path))
        uris = [f"file:{path}?mode=rwc"] if writable else [f"file:{path}?mode=ro", f"file:{path}?immutable=1"]
        for uri in uris:
            conn = sqlite3.connect(uri, uri=True, timeout=_BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                   check_same_thread=False)
            try:
                conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                self.read_only = not writable
                return conn
            except sqlite3.OperationalError as error:
                conn.close()
                last = error
            except sqlite3.DatabaseError as error:  # a damaged header: "not a database", "malformed"
                conn.close()
                raise self.damaged(error) from None
        raise LibraryError(f"cannot open the library {self.path}: {last}; check the file's permissions")

    def _check_or_create(self) -> None:
        names = dict(self.conn.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'index')"))
        tables = {name for name, kind in names.items() if kind == "table"}
        if not tables:
            if self.read_only:
                raise LibraryError(f"{self.path} is empty and read-only; run `semdigest ingest` where you can write")
            with self.write(check=False):
                for statement in filter(str.strip, SCHEMA.split(";")):
                    self.conn.execute(statement)
                self.conn.executemany("INSERT INTO meta VALUES (?, ?)", [
                    ("application", APPLICATION), ("schema_version", SCHEMA_VERSION),
                    ("library_id", uuid.uuid4().hex)])
            self._add_arxiv_columns()
            return
        meta = dict(self.conn.execute("SELECT key, value FROM meta")) if "meta" in tables else {}
        if meta.get("application") != APPLICATION:
            raise LibraryError(f"{self.path} is an SQLite file of another program, not a semdigest library; "
                               "it was left untouched. Pass another --library path.")
        if meta.get("schema_version") == "1":
            from .sqlite_upgrade import upgrade_from_v1

            upgrade_from_v1(self)
        elif meta.get("schema_version") != SCHEMA_VERSION:
            raise LibraryError(f"{self.path} has library schema {meta.get('schema_version')}, "
                               f"this semdigest reads {SCHEMA_VERSION}; upgrade semdigest")
        if not _ADDED_NAMES <= names.keys() and not self.read_only:
            with self.write(check=False):
                for statement in filter(str.strip, ADDED_SCHEMA.split(";")):
                    self.conn.execute(statement)
        self._add_arxiv_columns()

    def _add_arxiv_columns(self) -> None:
        """arXiv's metadata columns (store/arxiv_columns.py), added where missing and writable."""
        present = {row[1] for row in self.conn.execute("PRAGMA table_info(papers)")}
        missing = arxiv_columns.add_statements("sqlite", "papers", present)
        if missing and not self.read_only:
            with self.write(check=False):
                for statement in missing:
                    self.conn.execute(statement)
            present |= set(arxiv_columns.COLUMNS)
        self.columns = PAPER_COLUMNS + tuple(c for c in arxiv_columns.COLUMNS if c in present)

    @contextmanager
    def _translating_errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as error:
            if _is_damage(error):
                raise self.damaged(error) from None
            raise

    def damaged(self, error: Exception) -> LibraryError:
        return LibraryError(
            f"the library file {self.path} is damaged ({_first_problem(error)}); nothing was written to it. Check it "
            f"with `sqlite3 {self.path} 'PRAGMA integrity_check'`, then restore a backup or recover "
            f"what is readable: `sqlite3 {self.path} .recover | sqlite3 recovered.sqlite`")

    def require_writable(self) -> None:
        if self.read_only:
            raise LibraryError(f"the library {self.path} is read-only here (no write permission on the "
                               "file or its folder); queries work, writes need another --library path")

    @contextmanager
    def write(self, check: bool = True) -> Iterator[None]:
        """One all-or-nothing write transaction; waits while another process writes."""
        self.require_writable()
        try:
            if check and self.path.stat().st_size <= _CHECK_BEFORE_WRITE_BYTES:
                self.check(quick=True)
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as error:
            raise self.damaged(error) from None
        with self._finishing():
            try:
                yield
                self.conn.execute("COMMIT")  # in WAL mode the pages reach the disk here: it can fill
            except sqlite3.DatabaseError as error:
                self._rollback()
                if "full" in str(error):
                    raise LibraryError(f"the disk holding {self.path} is full; nothing was written. Free some "
                                       "space and run the command again") from None
                raise self.damaged(error) if _is_damage(error) else error from None
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        if self.conn.in_transaction:  # SQLite has already rolled back after some I/O errors
            self.conn.execute("ROLLBACK")

    def check(self, quick: bool = False) -> None:
        """SQLite's own integrity check; a LibraryError with how to recover if it finds damage."""
        pragma = "quick_check" if quick else "integrity_check"
        rows = [r[0] for r in self.conn.execute(f"PRAGMA {pragma}(5)")]
        if rows != ["ok"]:
            raise self.damaged(sqlite3.DatabaseError("; ".join(rows)))

    def close(self) -> None:
        self.conn.close()

    def data_version(self) -> tuple[int, int]:
        return self.conn.execute("PRAGMA data_version").fetchone()[0], self.conn.total_changes

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- papers -----------------------------------------------------------------------------

    def upsert_papers(self, papers: Iterable[Paper], replace_dates: bool = False,
                      backfill: bool = False) -> list[merge.Upsert]:
        papers = list(papers)
        redone = self._replace_dates(papers) if replace_dates else {}
        stored = self._stored_with_summary_dates([p.arxiv_id for p in papers])
        if backfill:
            plans = merge.plan_backfill(papers, stored)
        else:
            plans = merge.plan_upserts(papers, stored, redone, self._never_in_a_digest(list(stored)))
        changed = [plan for plan in plans if plan.status != "unchanged"]
        extra = len(self.columns) > len(PAPER_COLUMNS)
        self.conn.executemany(
            f"INSERT OR REPLACE INTO papers ({', '.join(self.columns)}) VALUES ({', '.join('?' * len(self.columns))})",
            [_row(plan.paper, plan.summary_date) + (arxiv_columns.values(plan.paper, "sqlite") if extra else ())
             for plan in changed])
        self.conn.executemany("DELETE FROM paper_categories WHERE arxiv_id = ?", [(p.paper.arxiv_id,) for p in changed])
        self.conn.executemany("INSERT INTO paper_categories VALUES (?, ?)",
                              [(c, p.paper.arxiv_id) for p in changed for c in p.paper.categories])
        if not backfill:
            self.conn.executemany("INSERT OR IGNORE INTO appearances VALUES (?, ?, ?)",
                                  [(p.arxiv_id, p.date.isoformat() if p.date else "", p.source) for p in papers])
        return plans

    def _never_in_a_digest(self, ids: list[str]) -> set[str]:
        """Of these stored papers, those only a backfill brought: no appearance in any digest."""
        seen = {row[0] for chunk in _chunks(ids) for row in self.conn.execute(
            f"SELECT DISTINCT arxiv_id FROM appearances WHERE arxiv_id IN ({_marks(chunk)})", chunk)}
        return set(ids) - seen

    def _replace_dates(self, papers: list[Paper]) -> dict[str, merge.Redated]:
        """Drop the appearances the papers replace (merge.replaced_appearances)."""
        ids = [p.arxiv_id for p in papers]
        stored = [row for chunk in _chunks(ids) for row in self.conn.execute(
            f"SELECT arxiv_id, date, source FROM appearances WHERE arxiv_id IN ({_marks(chunk)})", chunk)]
        dropped = merge.replaced_appearances(papers, stored)
        self.conn.executemany("DELETE FROM appearances WHERE arxiv_id = ? AND date = ?", [a[:2] for a in dropped])
        affected = sorted({a[0] for a in dropped})
        remaining = dict(row for chunk in _chunks(affected) for row in self.conn.execute(
            f"SELECT arxiv_id, min(date) FROM appearances WHERE arxiv_id IN ({_marks(chunk)}) AND date <> '' "
            "GROUP BY arxiv_id", chunk))
        return merge.redated(dropped, remaining)

    def _stored_with_summary_dates(self, ids: list[str]) -> dict[str, tuple[Paper, dt.date | None]]:
        columns = ", ".join(self.columns)
        found = {}
        for chunk in _chunks(ids):
            for row in self.conn.execute(f"SELECT {columns} FROM papers WHERE arxiv_id IN ({_marks(chunk)})", chunk):
                summary_date = row[PAPER_COLUMNS.index("summary_date")]
                found[row[0]] = (_paper(row, self.columns), dt.date.fromisoformat(summary_date) if summary_date else None)
        return found

    def get_papers(self, ids: Iterable[str]) -> dict[str, Paper]:
        return {i: paper for i, (paper, _) in self._stored_with_summary_dates(list(ids)).items()}

    def iter_papers(self, where: PaperFilter = PaperFilter()) -> Iterator[tuple[Paper, list[str]]]:
        condition, params = _where(where)
        columns = ", ".join(f"p.{c}" for c in self.columns)
        rows = self.conn.execute(
            f"SELECT {columns}, (SELECT group_concat(date, ' ') FROM "
            "(SELECT date FROM appearances a WHERE a.arxiv_id = p.arxiv_id ORDER BY date)) "
            f"FROM papers p WHERE {condition} ORDER BY p.arxiv_id", params)
        for row in rows:
            yield _paper(row[:-1], self.columns), (row[-1] or "").split()

    def count_papers(self, where: PaperFilter = PaperFilter(), at_most: int | None = None) -> int:
        # remembered until the library changes: counting a million papers takes tens of
        # milliseconds, and one day report asks for the same count several times
        key = (self.data_version(), where, at_most)
        if key not in self._counts:
            condition, params = _where(where)
            statement = f"SELECT count(*) FROM papers p WHERE {condition}" if at_most is None else \
                f"SELECT count(*) FROM (SELECT 1 FROM papers p WHERE {condition} LIMIT {int(at_most)})"
            self._counts = {k: v for k, v in self._counts.items() if k[0] == key[0]}
            self._counts[key] = self.conn.execute(statement, params).fetchone()[0]
        return self._counts[key]

    def arxiv_ids(self, where: PaperFilter) -> list[str]:
        condition, params = _where(where)
        return [r[0] for r in self.conn.execute(
            f"SELECT p.arxiv_id FROM papers p WHERE {condition} ORDER BY p.arxiv_id", params)]

    # -- vectors ----------------------------------------------------------------------------

    def vector_ids_of_hashes(self, model: str, hashes: Iterable[str]) -> dict[str, int]:
        found = {}
        for chunk in _chunks(list(hashes)):
            found.update(self.conn.execute(
                f"SELECT text_hash, id FROM vectors WHERE model = ? AND text_hash IN ({_marks(chunk)})",
                [model, *chunk]))
        return found

    def put_vectors(self, model: str, backend: str, vectors: Mapping[str, np.ndarray]) -> dict[str, int]:
        self.conn.executemany(
            "INSERT OR IGNORE INTO vectors (model, text_hash, backend, vector) VALUES (?, ?, ?, ?)",
            ((model, h, backend, np.asarray(v, dtype="<f4").tobytes()) for h, v in vectors.items()))
        return self.vector_ids_of_hashes(model, vectors)

    def retire_vectors(self, model: str, vector_ids: Iterable[int]) -> None:
        self.conn.executemany("UPDATE vectors SET text_hash = text_hash || ':retired:' || id WHERE id = ? AND model = ?",
                              ((int(i), model) for i in vector_ids))

    def link(self, model: str, links: Mapping[str, int]) -> None:
        self.conn.executemany("INSERT OR REPLACE INTO paper_vectors VALUES (?, ?, ?)",
                              ((model, arxiv_id, int(v)) for arxiv_id, v in links.items()))

    def unlinked(self, model: str) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT arxiv_id FROM papers p WHERE NOT EXISTS (SELECT 1 FROM paper_vectors l "
            "WHERE l.model = ? AND l.arxiv_id = p.arxiv_id) ORDER BY arxiv_id", (model,))]

    def linked_vectors(self, model: str, where: PaperFilter = PaperFilter(), min_vector_id: int = 0) -> LinkedVectors:
        condition, params = _where(where)
        if min_vector_id:  # only then: a range on the link index would otherwise drive the query
            condition, params = f"{condition} AND l.vector_id > ?", [*params, min_vector_id]
        rows = self.conn.execute(
            "SELECT p.arxiv_id, v.id, v.vector FROM papers p "
            "JOIN paper_vectors l ON l.arxiv_id = p.arxiv_id AND l.model = ? "
            f"JOIN vectors v ON v.id = l.vector_id WHERE {condition} ORDER BY p.arxiv_id",
            [model, *params]).fetchall()
        return LinkedVectors([r[0] for r in rows], np.array([r[1] for r in rows], dtype=np.int64),
                             _matrix([r[2] for r in rows]))

    def vectors_by_id(self, model: str, vector_ids: Iterable[int]) -> np.ndarray:
        ids = [int(i) for i in vector_ids]
        blobs = {}
        for chunk in _chunks(ids):  # "+model": look up by id, never scan the model's rows
            blobs.update(self.conn.execute(
                f"SELECT id, vector FROM vectors WHERE id IN ({_marks(chunk)}) AND +model = ?", [*chunk, model]))
        return _matrix([blobs[i] for i in ids])

    def papers_of_vectors(self, model: str, vector_ids: Iterable[int],
                          where: PaperFilter = PaperFilter()) -> dict[int, list[str]]:
        condition, params = _where(where)
        found: dict[int, list[str]] = {}
        for chunk in _chunks([int(i) for i in vector_ids]):
            for vector_id, arxiv_id in self.conn.execute(
                    "SELECT l.vector_id, p.arxiv_id FROM paper_vectors l JOIN papers p ON p.arxiv_id = l.arxiv_id "
                    f"WHERE l.model = ? AND l.vector_id IN ({_marks(chunk)}) AND {condition} ORDER BY p.arxiv_id",
                    [model, *chunk, *params]):
                found.setdefault(vector_id, []).append(arxiv_id)
        return found

    def vector_id_range(self, model: str, after: int = 0) -> tuple[int, int]:
        # past ``after``, walk the ids (a short tail) rather than the model's whole index entry
        model_term = "+model" if after else "model"
        count, largest = self.conn.execute(f"SELECT count(*), max(id) FROM vectors WHERE {model_term} = ? AND id > ?",
                                           (model, after)).fetchone()
        return count, largest or 0

    def iter_vectors(self, model: str, max_vector_id: int, batch: int = 10_000
                     ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        last = 0
        while True:
            rows = self.conn.execute("SELECT id, vector FROM vectors WHERE model = ? AND id > ? AND id <= ? "
                                     "ORDER BY id LIMIT ?", (model, last, max_vector_id, batch)).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield np.array([r[0] for r in rows], dtype=np.int64), _matrix([r[1] for r in rows])

    def models(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT model, count(*) FROM paper_vectors GROUP BY model"))

    def vector_index(self, model: str, ndim: int):
        from ..index.segments import SegmentedIndex

        return SegmentedIndex(self, model, self.index_folder, ndim)

    @property
    def index_folder(self) -> Path:
        """Where the HNSW files of this library live: beside it."""
        return self.path.with_name(self.path.name + ".index")

    # -- term statistics --------------------------------------------------------------------

    def add_term_counts(self, delta: Counter, documents: int) -> None:
        self.conn.executemany(
            "INSERT INTO term_df VALUES (?, ?) ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
            ((t, n) for t, n in delta.items() if n))
        if any(n < 0 for n in delta.values()):
            self.conn.execute("DELETE FROM term_df WHERE df <= 0")
        self.set_meta("term_documents", str(int(self.get_meta("term_documents") or 0) + documents))

    def term_frequencies(self, terms: Iterable[str]) -> tuple[dict[str, int], int]:
        found = {}
        for chunk in _chunks(list(terms)):
            found.update(self.conn.execute(f"SELECT term, df FROM term_df WHERE term IN ({_marks(chunk)})", chunk))
        return found, int(self.get_meta("term_documents") or 0)


    # -- interests ---------------------------------------------------------------------------

    def save_interest(self, interest: Interest) -> None:
        self._delete_interest_rows(interest.name)  # its stored vectors stay: the texts are mostly the same
        interest_id = self.conn.execute("INSERT INTO interests (name) VALUES (?)", (interest.name,)).lastrowid
        self.conn.executemany("INSERT INTO interest_items VALUES (?, ?, ?, ?)", [
            (interest_id, kind, position, value)
            for kind in _INTEREST_LISTS for position, value in enumerate(getattr(interest, kind))])
        self.conn.executemany("INSERT INTO interest_references VALUES (?, ?, ?, ?, ?, ?)", [
            (interest_id, position, r.title, r.abstract, r.arxiv_id, r.key)
            for position, r in enumerate(interest.references)])

    def get_interest(self, name: str) -> Interest | None:
        from ..interests.model import Interest, Reference  # the package imports scikit-learn: only when asked

        if not self._has_interests():
            return None
        row = self.conn.execute("SELECT id FROM interests WHERE name = ?", (name,)).fetchone()
        if row is None:
            return None
        lists: dict[str, list[str]] = {kind: [] for kind in _INTEREST_LISTS}
        for kind, value in self.conn.execute(
                "SELECT kind, value FROM interest_items WHERE interest_id = ? ORDER BY kind, position", row):
            lists[kind].append(value)
        references = [Reference(*r) for r in self.conn.execute(
            "SELECT title, abstract, arxiv_id, key FROM interest_references WHERE interest_id = ? "
            "ORDER BY position", row)]
        return Interest(name, references=tuple(references), **{k: tuple(v) for k, v in lists.items()})

    def interest_names(self) -> list[str]:
        if not self._has_interests():
            return []
        return [r[0] for r in self.conn.execute("SELECT name FROM interests ORDER BY name")]

    def delete_interest(self, name: str) -> bool:
        if self._has_table("interest_vectors"):
            self.conn.execute("DELETE FROM interest_vectors WHERE interest = ?", (name,))
        return self._delete_interest_rows(name)

    def interest_vectors(self, interest: str, model: str, hashes: Iterable[str]
                         ) -> tuple[dict[str, np.ndarray], set[str]]:
        vectors: dict[str, np.ndarray] = {}
        kept: set[str] = set()
        if not self._has_table("interest_vectors"):
            return vectors, kept
        for chunk in _chunks(sorted(set(hashes))):
            for text_hash, blob, own in self.conn.execute(
                    f"SELECT text_hash, vector, interest = ? FROM interest_vectors WHERE model = ? "
                    f"AND text_hash IN ({_marks(chunk)})", [interest, model, *chunk]):
                vectors.setdefault(text_hash, _vector(blob))
                if own:
                    kept.add(text_hash)
        return vectors, kept

    def put_interest_vectors(self, interest: str, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        if not self._has_table("interest_vectors"):
            return  # a library made before them, opened where its schema cannot grow
        self.conn.executemany("INSERT OR REPLACE INTO interest_vectors VALUES (?, ?, ?, ?)",
                              ((interest, model, h, _blob(v)) for h, v in vectors.items()))

    def count_interest_vectors(self, interest: str) -> dict[str, int]:
        if not self._has_table("interest_vectors"):
            return {}
        return dict(self.conn.execute("SELECT model, count(*) FROM interest_vectors WHERE interest = ? "
                                      "GROUP BY model ORDER BY model", (interest,)))

    def _delete_interest_rows(self, name: str) -> bool:
        row = self.conn.execute("SELECT id FROM interests WHERE name = ?", (name,)).fetchone()
        if row is None:
            return False
        for table in ("interest_items", "interest_references"):
            self.conn.execute(f"DELETE FROM {table} WHERE interest_id = ?", row)
        self.conn.execute("DELETE FROM interests WHERE id = ?", row)
        return True

    # -- the reference map (maps that stay put) -----------------------------------------------

    def put_map_points(self, model: str, points: Iterable[tuple[str, int, float, float, bool]]) -> None:
        self.conn.executemany("INSERT OR REPLACE INTO map_points VALUES (?, ?, ?, ?, ?, ?)",
                              ((model, a, int(v), float(x), float(y), int(anchor)) for a, v, x, y, anchor in points))

    def map_points(self, model: str, ids: Iterable[str] | None = None, anchors_only: bool = False
                   ) -> list[tuple[str, int, float, float, bool]]:
        if not self._has_table("map_points"):
            return []
        query = "SELECT arxiv_id, vector_id, x, y, anchor FROM map_points WHERE model = ?"
        if anchors_only:
            query += " AND anchor = 1"
        if ids is None:
            rows = self.conn.execute(query + " ORDER BY arxiv_id", (model,)).fetchall()
        else:
            rows = []
            for chunk in _chunks(sorted(set(ids))):
                rows += self.conn.execute(f"{query} AND arxiv_id IN ({_marks(chunk)}) ORDER BY arxiv_id",
                                          [model, *chunk]).fetchall()
        return [(a, v, x, y, bool(anchor)) for a, v, x, y, anchor in rows]

    def clear_map_points(self, model: str) -> None:
        self.conn.execute("DELETE FROM map_points WHERE model = ?", (model,))

    def _has_table(self, name: str) -> bool:
        """False in a read-only schema-2 library made before the table existed."""
        return self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None

    def _has_interests(self) -> bool:
        """False in a read-only schema-2 library made before interests existed."""
        return self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'interests'").fetchone() is not None


    # -- topics across days ------------------------------------------------------------------

    def tracked_dates(self) -> list[dt.date]:
        if not self._has_tracking():
            return []
        return [dt.date.fromisoformat(r[0]) for r in self.conn.execute("SELECT DISTINCT date FROM topic_days ORDER BY date")]

    def standing_topics(self, model: str) -> list[StandingTopic]:
        if not self._has_tracking():
            return []
        return [StandingTopic(i, label, tuple(json.loads(terms)), _vector(centroid), _vector(named),
                              dt.date.fromisoformat(first), dt.date.fromisoformat(last))
                for i, label, terms, centroid, named, first, last in self.conn.execute(
                    "SELECT id, label, terms, centroid, named, first_seen, last_seen FROM tracked_topics "
                    "WHERE model = ? ORDER BY id", (model,))]

    def latest_topics_of(self, ids: Iterable[str], before: dt.date) -> dict[str, int]:
        if not self._has_tracking():
            return {}
        found = {}
        for chunk in _chunks(list(ids)):
            found.update(self.conn.execute(
                "SELECT arxiv_id, topic_id FROM paper_topics t WHERE date = (SELECT max(date) FROM paper_topics u "
                f"WHERE u.arxiv_id = t.arxiv_id AND u.date < ?) AND arxiv_id IN ({_marks(chunk)})",
                [before.isoformat(), *chunk]))
        return found

    def paper_topics(self, date: dt.date) -> dict[str, int]:
        if not self._has_tracking():
            return {}
        return dict(self.conn.execute("SELECT arxiv_id, topic_id FROM paper_topics WHERE date = ? ORDER BY arxiv_id",
                                      (date.isoformat(),)))

    def topic_sizes(self, since: dt.date | None = None, until: dt.date | None = None
                    ) -> list[tuple[dt.date, int, int, str]]:
        if not self._has_tracking():
            return []
        return [(dt.date.fromisoformat(d), t, n, label) for d, t, n, label in self.conn.execute(
            "SELECT date, topic_id, size, label FROM topic_days WHERE date >= ? AND date <= ? ORDER BY date, topic_id",
            _date_range(since, until))]

    def topic_events(self, since: dt.date | None = None, until: dt.date | None = None) -> list[TopicEvent]:
        if not self._has_tracking():
            return []
        return [TopicEvent(dt.date.fromisoformat(d), kind, topic, tuple(json.loads(others)))
                for d, kind, topic, others in self.conn.execute(
                    "SELECT date, kind, topic_id, others FROM topic_events WHERE date >= ? AND date <= ? "
                    "ORDER BY date, position", _date_range(since, until))]

    def save_tracked_day(self, model: str, day) -> None:
        date = day.date.isoformat()
        self.conn.executemany("INSERT OR REPLACE INTO tracked_topics VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
            (t.id, model, t.label, json.dumps(list(t.terms), ensure_ascii=False), _blob(t.centroid), _blob(t.named),
             t.first_seen.isoformat(), t.last_seen.isoformat()) for t in day.topics])
        self.conn.executemany("INSERT INTO topic_days VALUES (?, ?, ?, ?)",
                              [(date, t, n, day.labels[t]) for t, n in sorted(day.sizes.items())])
        self.conn.executemany("INSERT INTO topic_events VALUES (?, ?, ?, ?, ?)", [
            (date, position, e.kind, e.topic, json.dumps(list(e.others))) for position, e in enumerate(day.events)])
        self.conn.executemany("INSERT INTO paper_topics VALUES (?, ?, ?)",
                              [(date, i, t) for i, t in sorted(day.papers.items())])

    def _has_tracking(self) -> bool:
        """False in a read-only schema-2 library made before topics were tracked."""
        return self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'topic_days'").fetchone() is not None


def _date_range(since: dt.date | None, until: dt.date | None) -> tuple[str, str]:
    return (since or dt.date.min).isoformat(), (until or dt.date.max).isoformat()


def _blob(vector) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def _vector(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)


def _where(where: PaperFilter) -> tuple[str, list]:
    """A condition on papers aliased ``p``, and its parameters."""
    conditions, params = ["1"], []
    if where.since:
        conditions.append("p.first_seen >= ?")
        params.append(where.since.isoformat())
    if where.until:
        conditions.append("p.first_seen <= ?")
        params.append(where.until.isoformat())
    if where.date:
        conditions.append("p.arxiv_id IN (SELECT arxiv_id FROM appearances WHERE date = ?)")
        params.append(where.date.isoformat())
    if where.categories:
        conditions.append(f"p.arxiv_id IN (SELECT arxiv_id FROM paper_categories WHERE category IN "
                          f"({_marks(where.categories)}))")
        params += list(where.categories)
    if where.ids is not None and len(where.ids) <= _CHUNK:  # a list the planner looks up by key
        conditions.append(f"p.arxiv_id IN ({_marks(where.ids)})")
        params += list(where.ids)
    elif where.ids is not None:
        conditions.append("p.arxiv_id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(list(where.ids)))
    return " AND ".join(conditions), params


def _first_problem(error: Exception) -> str:
    """One line of what SQLite found: integrity_check lists a problem a line."""
    problems = [line.strip() for line in str(error).replace("; ", "\n").splitlines()
                if line.strip() and not line.strip().startswith("***")]
    if len(problems) <= 1:
        return problems[0] if problems else str(error).strip()
    return f"{problems[0]}; and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''}"


def _kind(path: Path) -> str:
    mode = path.stat().st_mode
    kinds = {stat.S_ISCHR: "character device", stat.S_ISBLK: "block device", stat.S_ISFIFO: "named pipe",
             stat.S_ISSOCK: "socket"}
    return next((name for test, name in kinds.items() if test(mode)), "special file")


def _is_damage(error: sqlite3.DatabaseError) -> bool:
    return any(word in str(error).lower() for word in _DAMAGED)


def _make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise LibraryError(f"cannot create a library in {path.parent}: {error.strerror}; "
                           "pass a --library path in a folder you can write") from None
    if not os.access(path.parent, os.W_OK):
        raise LibraryError(f"cannot create a library in {path.parent}: permission denied; "
                           "pass a --library path in a folder you can write")


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(16) == b"SQLite format 3\x00"


def _chunks(items: list) -> Iterator[list]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def _marks(items) -> str:
    return ", ".join("?" * len(items))


def _matrix(blobs: list[bytes]) -> np.ndarray:
    if not blobs:
        return np.zeros((0, 0), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), -1).astype(np.float32, copy=False)


def _row(paper: Paper, summary_date: dt.date | None) -> tuple:
    return (
        paper.arxiv_id, paper.version, paper.title, json.dumps(list(paper.authors), ensure_ascii=False),
        paper.abstract, paper.primary_category, json.dumps(list(paper.categories)),
        *(getattr(paper, name) for name in SUMMARY_FIELDS), paper.code_url, int(paper.flagged),
        paper.date.isoformat() if paper.date else None,
        summary_date.isoformat() if summary_date else None, paper.source, paper.line,
    )


def _paper(row: tuple, columns: tuple[str, ...] = PAPER_COLUMNS) -> Paper:
    values = dict(zip(columns, row))
    first_seen = values.pop("first_seen")
    values.pop("summary_date")
    values["authors"] = tuple(json.loads(values["authors"]))
    values["categories"] = tuple(json.loads(values["categories"]))
    values["flagged"] = bool(values["flagged"])
    values["date"] = dt.date.fromisoformat(first_seen) if first_seen else None
    values.update(arxiv_columns.fields(values))
    return Paper(**values)
