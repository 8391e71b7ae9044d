"""The embedded store: one SQLite file (WAL), no server.

Every write is one transaction taken with BEGIN IMMEDIATE, so a crash leaves the file as it
was before or fully updated, and a second writer waits for the first instead of failing.
A file of another program, a damaged file and a library in a folder the user cannot write
are told apart before anything is written.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import shlex
import sqlite3
import stat
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..errors import LibraryError
from . import schema
from .base import PaperFilter, translating_errors
from .schema import full_text
from .sql import APPLICATION, SCHEMA_VERSION, SQLStore

_BUSY_TIMEOUT_MS = 10 * 60 * 1000  # a concurrent ingest may hold the lock while it writes
_CHUNK = 500  # ids per IN (...): under SQLite's bound-parameter limit
# Below this size every write first runs SQLite's quick_check (about 0.1 s per 50 MB here), so a
# damaged file is never written to; larger files are checked by `semdigest library check`.
_CHECK_BEFORE_WRITE_BYTES = 512 * 2**20

_DAMAGED = ("malformed", "not a database", "file is encrypted")


@translating_errors
class SQLiteStore(SQLStore):
    index_kind = "segmented"

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
        present = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")}
        if not present:
            if self.read_only:
                raise LibraryError(f"{self.path} is empty and read-only; run `semdigest ingest` where you can write")
            with self.write(check=False):
                schema.migrate(self, present)
            return
        meta = dict(self.conn.execute("SELECT key, value FROM meta")) if "meta" in present else {}
        if meta.get("application") != APPLICATION:
            raise LibraryError(f"{self.path} is an SQLite file of another program, not a semdigest library; "
                               "it was left untouched. Pass another --library path.")
        if meta.get("schema_version") not in ("1", SCHEMA_VERSION):
            raise LibraryError(f"{self.path} has library schema {meta.get('schema_version')}, "
                               f"this semdigest reads {SCHEMA_VERSION}; upgrade semdigest")
        if not schema.pending(self, present):
            return
        if not self.read_only:
            with self.write(check=False):
                schema.migrate(self, present)
        elif meta["schema_version"] == "1":
            raise LibraryError(f"{self.path} was made by an older semdigest and needs a one-time upgrade, "
                               "which needs write permission; open it once where you can write")
        else:  # tables added since this library was written: read as empty
            for statement in schema.stand_ins(self, present):
                self._run(statement)
            if full_text.SQLITE_FTS not in present:
                for statement in full_text.SQLITE_STAND_IN:
                    self._run(statement)

    @contextmanager
    def errors_translated(self) -> Iterator[None]:
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
        if not quick and not self.read_only:
            self._check_full_text()

    def _check_full_text(self) -> None:
        """The full-text index against the papers it indexes (5 s at 100k papers): a change made
        behind its triggers' back (another program, a VACUUM that renumbered rows) shows here."""
        fts = full_text.SQLITE_FTS
        if not self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (fts,)).fetchone():
            return
        try:
            self.conn.execute(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError:
            raise LibraryError(f"the full-text index of {self.path} does not match its papers (changed outside "
                               f"semdigest?); the papers are intact. Rebuild the index: sqlite3 {shlex.quote(str(self.path))} "
                               f"\"INSERT INTO {fts}({fts}) VALUES ('rebuild')\"") from None

    def data_version(self) -> tuple[int, int]:
        return self.conn.execute("PRAGMA data_version").fetchone()[0], self.conn.total_changes

    def count_papers(self, where: PaperFilter = PaperFilter(), at_most: int | None = None) -> int:
        # remembered until the library changes: counting a million papers takes tens of
        # milliseconds, and one day report asks for the same count several times
        key = (self.data_version(), where, at_most)
        if key not in self._counts:
            self._counts = {k: v for k, v in self._counts.items() if k[0] == key[0]}
            self._counts[key] = super().count_papers(where, at_most)
        return self._counts[key]

    @property
    def index_folder(self) -> Path:
        """Where the HNSW files of this library live: beside it."""
        return self.path.with_name(self.path.name + ".index")

    # -- the dialect --------------------------------------------------------------------------

    chunk = _CHUNK
    column_types = {"text_list": "TEXT", "integer_list": "TEXT", "boolean": "INTEGER", "date": "TEXT",
                    "identity": "INTEGER PRIMARY KEY AUTOINCREMENT", "big_integer": "INTEGER", "vector": "BLOB",
                    "bytes": "BLOB", "real": "REAL", "without_rowid": " WITHOUT ROWID"}
    model_by_id = "+model"  # look rows up by id, never by the model's index entry
    joined_dates = ("(SELECT group_concat(date, ' ') FROM "
                    "(SELECT date FROM appearances a WHERE a.arxiv_id = p.arxiv_id ORDER BY date))")

    full_text_schema = full_text.SQLITE
    _FTS_WEIGHTS = "10.0, 5.0, 1.0"  # title, authors, abstract: a word in the title says what a paper is about

    def q(self, statement: str) -> str:
        return _dialect(statement)

    def _full_text_match(self, words: list[str], every: bool, best: int | None) -> tuple[str, str, list]:
        fts = full_text.SQLITE_FTS  # words hold no '"': each is one quoted FTS5 string, never an operator
        expression = (" AND " if every else " OR ").join(f'"{w}"' for w in words)
        score = f"bm25({fts}, {self._FTS_WEIGHTS})"
        if best is None:
            return (f"FROM {fts} JOIN papers p ON p.rowid = {fts}.rowid WHERE {fts} MATCH %s", f"-{score}", [expression])
        # Ranked in the index before the join: a common word matches tens of thousands of papers,
        # and looking each up in papers first took twice as long (measured at 100k papers).
        return (f"FROM (SELECT rowid, {score} AS score FROM {fts} WHERE {fts} MATCH %s ORDER BY score, rowid LIMIT %s) f "
                "JOIN papers p ON p.rowid = f.rowid WHERE TRUE", "-f.score", [expression, best])

    def any_of(self, column: str, values) -> tuple[str, list]:
        if len(values) <= _CHUNK:  # a list the planner looks up by key
            return f"{column} IN ({', '.join('?' * len(values))})", list(values)
        return f"{column} IN (SELECT value FROM json_each(?))", [json.dumps(list(values))]

    def _list(self, values) -> str:
        return json.dumps(list(values), ensure_ascii=False)

    def _from_list(self, value: str) -> list:
        return json.loads(value)

    def _date(self, date: dt.date | None) -> str | None:
        return date.isoformat() if date else None

    def _from_date(self, value: str | None) -> dt.date | None:
        return dt.date.fromisoformat(value) if value else None

    def _bool(self, value: bool) -> int:
        return int(value)

    def _vector(self, vector) -> bytes:
        return np.asarray(vector, dtype="<f4").tobytes()

    def _matrix(self, blobs: list[bytes]) -> np.ndarray:
        if not blobs:
            return np.zeros((0, 0), dtype=np.float32)
        return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), -1).astype(np.float32, copy=False)



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


@functools.lru_cache(maxsize=512)
def _dialect(statement: str) -> str:
    """The shared SQL (sql.py) in SQLite's words: ``?`` placeholders, tables of the main schema."""
    return statement.replace("%s", "?").replace("%b", "?").replace("{s}.", "")
