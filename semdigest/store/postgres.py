"""The shared store: a PostgreSQL database with pgvector, for a lab's one library.

Tables live in a schema of their own (``semdigest``, or ``?schema=NAME`` in the URL), so the
library can share a database with other applications; a schema holding another application's
tables is refused before anything is written. Vectors are pgvector ``vector`` values; each
model gets a partial HNSW index over its rows (``vector(d)`` cast, inner product), built as its
first vectors arrive and grown by PostgreSQL on every insert, so nothing needs folding.

Every write is one transaction that first takes an advisory lock on the schema: two ingests
from two machines run one after the other and both land; readers never wait. Connection
settings come from the URL and libpq's usual places (PGPASSWORD, ~/.pgpass, service files):
the URL is handed to libpq as it is, minus ``schema``. ``location`` is the URL with its
password masked, and the password never appears in an error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import struct
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

from ..errors import LibraryError
from ..records import SUMMARY_FIELDS, Paper, StandingTopic, TopicEvent
from . import arxiv_columns, merge
from .base import LinkedVectors, PaperFilter, PaperStore, translating_errors
from .urls import masked

APPLICATION = "semdigest"
SCHEMA_VERSION = "2"
DEFAULT_SCHEMA = "semdigest"
MIN_SERVER = 130000          # PostgreSQL 13: the oldest pgvector 0.8 supports
MIN_PGVECTOR = (0, 5, 0)     # HNSW indexes
ITERATIVE_PGVECTOR = (0, 8, 0)  # iterative index scans; older versions over-fetch instead
EXACT_LIMIT = 20_000         # at most this many candidate papers: an exact scan (a few ms), not HNSW
_MARGIN = 10                 # extra rows fetched, then rescored exactly in float32 (boundary ties)
_MAX_EF_SEARCH = 1000        # pgvector's upper bound for hnsw.ef_search
# The graph as dense as the SQLite library's usearch graph (index/ann.py): pgvector's default
# graph (m 16, ef_construction 64) searched with ef_search 100 found 7 of the 10 nearest
# (recall@10 0.728) among postgres_bench's million near-random vectors.
_GRAPH_M, _GRAPH_EF_CONSTRUCTION, _EF_SEARCH = 32, 128, 200
_GRAPH_BYTES = 2048          # an HNSW build's memory per vector beyond its floats (measured at m = 16:
                             # 200k 384-d vectors filled 435 MB after 194,312, about 2.24 KB each;
                             # twice the neighbours at m = 32)
_MAX_BUILD_MEMORY = 8 << 30   # at most this maintenance_work_mem for one index build
_TABLES = ("meta", "papers", "appearances", "paper_categories", "vectors", "paper_vectors", "term_df",
           "interests", "interest_items", "interest_references", "tracked_topics", "topic_days", "topic_events",
           "paper_topics")

# Topics across days (topics/tracking.py), as in the SQLite store; IF NOT EXISTS: a library made
# before them gets them on its first open by a role that may write.
TRACKING_SCHEMA = """
CREATE TABLE IF NOT EXISTS {s}.tracked_topics (
    id INTEGER PRIMARY KEY, model TEXT NOT NULL, label TEXT NOT NULL, terms TEXT[] NOT NULL,
    centroid BYTEA NOT NULL, named BYTEA NOT NULL, first_seen DATE NOT NULL, last_seen DATE NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.topic_days (
    date DATE NOT NULL, topic_id INTEGER NOT NULL REFERENCES {s}.tracked_topics(id), size INTEGER NOT NULL,
    label TEXT NOT NULL, PRIMARY KEY (date, topic_id)
);
CREATE TABLE IF NOT EXISTS {s}.topic_events (
    date DATE NOT NULL, position INTEGER NOT NULL, kind TEXT NOT NULL, topic_id INTEGER NOT NULL,
    others INTEGER[] NOT NULL, PRIMARY KEY (date, position)
);
CREATE TABLE IF NOT EXISTS {s}.paper_topics (
    date DATE NOT NULL, arxiv_id TEXT NOT NULL, topic_id INTEGER NOT NULL, PRIMARY KEY (date, arxiv_id)
);
CREATE INDEX IF NOT EXISTS paper_topics_by_paper ON {s}.paper_topics(arxiv_id, date)
"""
_TRACKING_TABLES = ("tracked_topics", "topic_days", "topic_events", "paper_topics")

SCHEMA = """
CREATE TABLE {s}.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE {s}.papers (
    arxiv_id TEXT PRIMARY KEY, version INTEGER, title TEXT NOT NULL, authors TEXT[] NOT NULL,
    abstract TEXT NOT NULL, primary_category TEXT, categories TEXT[] NOT NULL,
    tldr TEXT, motivation TEXT, method TEXT, result TEXT, conclusion TEXT, code_url TEXT,
    flagged BOOLEAN NOT NULL, first_seen DATE, summary_date DATE, source TEXT, line INTEGER
);
CREATE INDEX papers_by_first_seen ON {s}.papers(first_seen);
CREATE TABLE {s}.appearances (
    arxiv_id TEXT NOT NULL REFERENCES {s}.papers(arxiv_id), date TEXT NOT NULL, source TEXT,
    PRIMARY KEY (arxiv_id, date)
);
CREATE INDEX appearances_by_date ON {s}.appearances(date);
CREATE TABLE {s}.paper_categories (
    category TEXT NOT NULL, arxiv_id TEXT NOT NULL, PRIMARY KEY (category, arxiv_id)
);
CREATE INDEX paper_categories_by_paper ON {s}.paper_categories(arxiv_id);
CREATE TABLE {s}.vectors (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, model TEXT NOT NULL, text_hash TEXT NOT NULL,
    backend TEXT NOT NULL, embedding {v}.vector NOT NULL, UNIQUE (model, text_hash)
);
CREATE TABLE {s}.paper_vectors (
    model TEXT NOT NULL, arxiv_id TEXT NOT NULL REFERENCES {s}.papers(arxiv_id),
    vector_id BIGINT NOT NULL REFERENCES {s}.vectors(id), PRIMARY KEY (model, arxiv_id)
);
CREATE INDEX paper_vectors_by_vector ON {s}.paper_vectors(vector_id, model);
CREATE TABLE {s}.term_df (term TEXT PRIMARY KEY, df INTEGER NOT NULL);
CREATE TABLE {s}.interests (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE {s}.interest_items (
    interest_id BIGINT NOT NULL REFERENCES {s}.interests(id) ON DELETE CASCADE, kind TEXT NOT NULL,
    position INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (interest_id, kind, position)
);
CREATE TABLE {s}.interest_references (
    interest_id BIGINT NOT NULL REFERENCES {s}.interests(id) ON DELETE CASCADE, position INTEGER NOT NULL,
    title TEXT NOT NULL, abstract TEXT NOT NULL, arxiv_id TEXT, key TEXT, PRIMARY KEY (interest_id, position)
);
"""
# Added after the schema shipped: made with the schema, and on first writable open of an older library.
# interest_vectors: the embedded references and descriptions of each interest (float32 bytes),
# found by (model, text hash) like paper vectors, so a rank embeds each text once.
ADDED_SCHEMA = """
CREATE TABLE IF NOT EXISTS {s}.interest_vectors (
    interest TEXT NOT NULL, model TEXT NOT NULL, text_hash TEXT NOT NULL, vector BYTEA NOT NULL,
    PRIMARY KEY (interest, model, text_hash)
);
CREATE INDEX IF NOT EXISTS interest_vectors_by_text ON {s}.interest_vectors(model, text_hash);
CREATE TABLE IF NOT EXISTS {s}.map_points (
    model TEXT NOT NULL, arxiv_id TEXT NOT NULL, vector_id BIGINT NOT NULL, x DOUBLE PRECISION NOT NULL,
    y DOUBLE PRECISION NOT NULL, anchor BOOLEAN NOT NULL, PRIMARY KEY (model, arxiv_id)
);
""" + TRACKING_SCHEMA
SCHEMA += ADDED_SCHEMA
# interest_items.kind: the Interest fields kept as ordered lists of strings (as in the SQLite store)
_INTEREST_LISTS = ("papers", "descriptions", "read", "not_interesting")
PAPER_COLUMNS = ("arxiv_id", "version", "title", "authors", "abstract", "primary_category",
                 "categories", *SUMMARY_FIELDS, "code_url", "flagged", "first_seen",
                 "summary_date", "source", "line")


def split_schema(url: str) -> tuple[str, str]:
    """(conninfo for libpq, schema name): ``schema`` is ours, libpq would refuse it."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schemas = [v for k, v in query if k == "schema"]
    schema = schemas[-1] if schemas else DEFAULT_SCHEMA
    if not schema or len(schema.encode()) > 63:
        raise LibraryError(f"schema {schema!r} in {masked(url)}: give a name of 1 to 63 bytes")
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, rest, parts.fragment)), schema


def check_versions(server_version: int, pgvector: str | None) -> None:
    """A LibraryError when the server or its pgvector cannot hold a library."""
    if server_version < MIN_SERVER:
        major = server_version // 10000 if server_version >= 100000 else server_version / 10000
        raise LibraryError(f"the PostgreSQL server is version {major}; semdigest needs PostgreSQL 13 or "
                           "newer with pgvector 0.5 or newer: upgrade the server or use a library file")
    if pgvector is not None and _version_tuple(pgvector) < MIN_PGVECTOR:
        raise LibraryError(f"the database's pgvector is version {pgvector}; semdigest needs 0.5 or newer "
                           "(HNSW indexes): run `ALTER EXTENSION vector UPDATE` as its owner")


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", text)[:3])


@translating_errors
class PostgresStore(PaperStore):
    def __init__(self, url: str, create: bool = True):
        import psycopg
        from psycopg import sql

        self._psycopg, self._sql = psycopg, sql
        self.url = url
        self.location = masked(url)
        self._password = _password_in(url)
        conninfo, self.schema = split_schema(url)
        self._s = sql.Identifier(self.schema)
        self.read_only = False
        self._generation_cache: dict = {}
        self._deferred_indexes: dict[str, int] | None = None  # model -> dimension, inside bulk_load()
        self.conn = self._connect(conninfo)
        try:
            with self._translating_errors():
                self._prepare(create)
        except BaseException:
            self.conn.close()
            raise

    def __repr__(self) -> str:
        return f"PostgresStore({self.location!r})"

    # -- connecting -------------------------------------------------------------------------

    def _connect(self, conninfo: str):
        psycopg = self._psycopg
        options = {"autocommit": True, "prepare_threshold": None}
        given = psycopg.conninfo.conninfo_to_dict(conninfo) if _parsable(conninfo) else {}
        if "connect_timeout" not in given and not os.environ.get("PGCONNECT_TIMEOUT"):
            options["connect_timeout"] = 10
        if "application_name" not in given and not os.environ.get("PGAPPNAME"):
            options["application_name"] = APPLICATION
        try:
            return psycopg.connect(conninfo, **options)
        except psycopg.Error as error:
            raise self._connect_error(error) from None

    def _connect_error(self, error: Exception) -> LibraryError:
        text = self._scrub(str(error))
        reason = _last_line(text)
        if "password authentication failed" in text or "no password supplied" in text:
            return LibraryError(f"PostgreSQL refused the password for {self.location} ({reason}); check the "
                                "password in the URL, PGPASSWORD or ~/.pgpass")
        if "does not exist" in text and "database" in text:
            return LibraryError(f"cannot open {self.location}: {reason}; create the database "
                                "(`createdb NAME`) or fix the URL")
        if "authentication" in text or "pg_hba.conf" in text or "role" in text:
            return LibraryError(f"PostgreSQL refused the connection to {self.location} ({reason}); check the "
                                "user name and the server's pg_hba.conf")
        return LibraryError(f"cannot reach the PostgreSQL server of {self.location} ({reason}); is it running, "
                            "and are the host and port right?")

    def _scrub(self, text: str) -> str:
        return text.replace(self._password, "***") if self._password else text

    def _prepare(self, create: bool) -> None:
        """Check versions and extension, then the schema: ours, empty (create it) or foreign (refuse)."""
        server = self.conn.info.server_version
        check_versions(server, None)
        extension = self.conn.execute(
            "SELECT e.extversion, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'vector'").fetchone()
        tables = self._tables()
        if not tables and not create:
            raise LibraryError(f"no library at {self.location}; run `semdigest ingest DIGEST --library URL` first")
        if tables:
            self._check_ours(tables)
        if extension is None:
            if not create and tables:
                raise LibraryError(f"the database of {self.location} has no pgvector extension; ask its owner "
                                   "to run `CREATE EXTENSION vector`")
            extension = self._create_extension()
        check_versions(server, extension[0])
        self.iterative = _version_tuple(extension[0]) >= ITERATIVE_PGVECTOR
        self._v = self._sql.Identifier(extension[1])
        self._register_vector_type(extension[1])
        if not tables:
            self._create_schema()
        self.read_only = not self.conn.execute(
            "SELECT has_table_privilege(%s, 'INSERT')", (f"{_quote(self.schema)}.papers",)).fetchone()[0]
        if tables and not {"map_points", "interest_vectors", *_TRACKING_TABLES} <= tables and not self.read_only:
            self._add_schema()
        self._add_arxiv_columns()

    def _add_arxiv_columns(self) -> None:
        """arXiv's metadata columns (store/arxiv_columns.py), added where missing and this role may."""
        def present() -> set[str]:
            return {r[0] for r in self.conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = 'papers'",
                (self.schema,))}
        have = present()
        if not self.read_only and arxiv_columns.add_statements("postgres", "papers", have):
            try:
                with self.conn.transaction():
                    self._lock()
                    for statement in arxiv_columns.add_statements("postgres", "{s}.papers", present()):
                        self.conn.execute(self._q(statement))
                have = present()
            except self._psycopg.errors.InsufficientPrivilege:
                pass  # a role that may write rows but not alter tables: no arXiv metadata kept
        self.columns = PAPER_COLUMNS + tuple(c for c in arxiv_columns.COLUMNS if c in have)

    def _add_schema(self) -> None:
        """The tables added after the schema shipped, in an older library this role may write."""
        try:
            with self.conn.transaction():
                self._lock()
                for statement in filter(str.strip, ADDED_SCHEMA.split(";")):
                    self.conn.execute(self._q(statement))
        except self._psycopg.errors.InsufficientPrivilege:
            pass  # a role that may write rows but not create tables: no map positions or tracking stored

    def _tables(self) -> set[str]:
        return {r[0] for r in self.conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f')", (self.schema,))}

    def _check_ours(self, tables: set[str]) -> None:
        meta = {}
        if "meta" in tables:
            try:
                meta = dict(self.conn.execute(self._q("SELECT key, value FROM {s}.meta")).fetchall())
            except self._psycopg.Error:
                meta = {}
        if meta.get("application") != APPLICATION:
            raise LibraryError(f"schema {self.schema!r} of {self.location} holds tables of another application, "
                               "not a semdigest library; it was left untouched. Pick another schema with "
                               "?schema=NAME in the URL")
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise LibraryError(f"the library at {self.location} has schema {meta.get('schema_version')}, this "
                               f"semdigest reads {SCHEMA_VERSION}; upgrade semdigest")

    def _create_extension(self) -> tuple[str, str]:
        psycopg = self._psycopg
        try:
            with self.conn.transaction():
                self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('semdigest:extension', 0))")
                self.conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        except psycopg.errors.InsufficientPrivilege:
            database = self.conn.info.dbname
            raise LibraryError(f"the database {database!r} of {self.location} has no pgvector extension and this "
                               f"role may not create it; ask its owner to run `CREATE EXTENSION vector;` in "
                               f"{database!r}, or use another database") from None
        except (psycopg.errors.UndefinedFile, psycopg.errors.FeatureNotSupported) as error:
            raise LibraryError(f"the PostgreSQL server of {self.location} has no pgvector installed "
                               f"({_last_line(str(error))}); install pgvector 0.5 or newer on it") from None
        return self.conn.execute(
            "SELECT e.extversion, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'vector'").fetchone()

    def _create_schema(self) -> None:
        try:
            with self.conn.transaction():
                self._lock()
                if self._tables():  # another process created it while we waited
                    self._check_ours(self._tables())
                    return
                self.conn.execute(self._q("CREATE SCHEMA IF NOT EXISTS {s}"))
                for statement in filter(str.strip, SCHEMA.split(";")):
                    self.conn.execute(self._q(statement))
                self.conn.cursor().executemany(self._q("INSERT INTO {s}.meta VALUES (%s, %s)"), [
                    ("application", APPLICATION), ("schema_version", SCHEMA_VERSION),
                    ("library_id", hashlib.sha256(os.urandom(16)).hexdigest()[:32]), ("generation", "0")])
        except self._psycopg.errors.InsufficientPrivilege as error:
            raise LibraryError(f"this role may not create the schema {self.schema!r} in {self.location} "
                               f"({_last_line(str(error))}); ask the database owner to create the library, "
                               "or use a role with CREATE rights") from None

    def _register_vector_type(self, extension_schema: str) -> None:
        from psycopg.types import TypeInfo

        info = TypeInfo.fetch(self.conn, self._sql.Identifier(extension_schema, "vector").as_string(self.conn))
        dumper = type("VectorDumper", (_VectorDumper,), {"oid": info.oid})
        self.conn.adapters.register_dumper(np.ndarray, dumper)
        self.conn.adapters.register_loader(info.oid, _VectorLoader)
        self.conn.adapters.register_loader(info.oid, _VectorTextLoader)

    def _q(self, statement: str):
        """A statement with the schema ({s}) and pgvector's schema ({v}) as quoted identifiers."""
        return self._sql.SQL(statement).format(s=self._s, v=getattr(self, "_v", self._s))

    def _lock(self) -> None:
        self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                          (f"semdigest:{self.schema}",))

    # -- errors -----------------------------------------------------------------------------

    @contextmanager
    def _translating_errors(self) -> Iterator[None]:
        psycopg = self._psycopg
        try:
            yield
        except psycopg.errors.InsufficientPrivilege as error:
            raise self._read_only_error(error) from None
        except psycopg.OperationalError as error:
            raise LibraryError(f"the connection to {self.location} was lost ({_last_line(self._scrub(str(error)))}); "
                               "nothing unfinished was kept: the server rolled it back. Run the command again "
                               "when the server answers") from None
        except psycopg.Error as error:
            raise LibraryError(f"PostgreSQL error at {self.location}: {_last_line(self._scrub(str(error)))}") from None

    def _read_only_error(self, error: Exception | None = None) -> LibraryError:
        user = self.conn.info.user if not self.conn.closed else "this role"
        return LibraryError(f"the role {user!r} may only read the library at {self.location}; queries work, "
                            "writes need a role with INSERT, UPDATE and DELETE rights on schema "
                            f"{self.schema!r}")

    # -- lifecycle --------------------------------------------------------------------------

    def require_writable(self) -> None:
        if self.read_only:
            raise self._read_only_error()

    @contextmanager
    def write(self) -> Iterator[None]:
        """One all-or-nothing transaction, after every other writer of this schema."""
        self.require_writable()
        with self._translating_errors(), self._finishing(), self.conn.transaction():
            self._lock()
            yield
            self.conn.execute(self._q(
                "UPDATE {s}.meta SET value = (value::bigint + 1)::text WHERE key = 'generation'"))

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Inside ``write()``: vectors go in without their model's HNSW index, which is built once
        at the end; pgvector's bulk build is many times faster than growing the graph per row."""
        self._deferred_indexes = {}
        try:
            yield
            # The planner's statistics of the new rows, for the checks that follow in this
            # transaction (a join planned for empty tables read all of them per batch).
            self.conn.execute(self._q("ANALYZE {s}.papers, {s}.appearances, {s}.paper_categories, "
                                      "{s}.vectors, {s}.paper_vectors"))
            for model, ndim in self._deferred_indexes.items():
                PgvectorIndex(self, model, ndim).build()
        finally:
            self._deferred_indexes = None

    def close(self) -> None:
        self.conn.close()

    def check(self) -> None:
        missing = set(_TABLES) - self._tables()
        if missing:
            raise LibraryError(f"the library at {self.location} lacks tables {', '.join(sorted(missing))}; "
                               "restore it from a backup (pg_dump) or copy it afresh")
        self._check_ours(set(_TABLES))

    def data_version(self) -> str:
        return self.get_meta("generation")

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute(self._q("SELECT value FROM {s}.meta WHERE key = %s"), (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(self._q("INSERT INTO {s}.meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE "
                                  "SET value = EXCLUDED.value"), (key, value))

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
        columns = ", ".join(self.columns)
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in self.columns[1:])
        extra = len(self.columns) > len(PAPER_COLUMNS)
        changed = [(incoming, plan) for incoming, plan in zip(papers, plans) if plan.status != "unchanged"]
        cursor = self.conn.cursor()
        if changed:
            cursor.executemany(self._q(
                f"INSERT INTO {{s}}.papers ({columns}) VALUES ({', '.join(['%s'] * len(self.columns))}) "
                f"ON CONFLICT (arxiv_id) DO UPDATE SET {updates}"),
                [_row(plan.paper, plan.summary_date) + (arxiv_columns.values(plan.paper, "postgres") if extra else ())
                 for _, plan in changed])
            cursor.execute(self._q("DELETE FROM {s}.paper_categories WHERE arxiv_id = ANY(%s)"),
                           ([i.arxiv_id for i, _ in changed],))
            cursor.executemany(self._q("INSERT INTO {s}.paper_categories VALUES (%s, %s) ON CONFLICT DO NOTHING"),
                               [(c, i.arxiv_id) for i, plan in changed for c in plan.paper.categories])
        if not backfill:
            cursor.executemany(self._q("INSERT INTO {s}.appearances VALUES (%s, %s, %s) ON CONFLICT DO NOTHING"),
                               [(p.arxiv_id, p.date.isoformat() if p.date else "", p.source) for p in papers])
        return plans

    def _never_in_a_digest(self, ids: list[str]) -> set[str]:
        """Of these stored papers, those only a backfill brought: no appearance in any digest."""
        seen = {r[0] for r in self.conn.execute(
            self._q("SELECT DISTINCT arxiv_id FROM {s}.appearances WHERE arxiv_id = ANY(%s)"), (ids,))}
        return set(ids) - seen

    def _replace_dates(self, papers: list[Paper]) -> dict[str, merge.Redated]:
        """Drop the appearances the papers replace (merge.replaced_appearances)."""
        stored = self.conn.execute(self._q("SELECT arxiv_id, date, source FROM {s}.appearances WHERE arxiv_id = ANY(%s)"),
                                   ([p.arxiv_id for p in papers],)).fetchall()
        dropped = merge.replaced_appearances(papers, stored)
        self.conn.cursor().executemany(self._q("DELETE FROM {s}.appearances WHERE arxiv_id = %s AND date = %s"),
                                       [a[:2] for a in dropped])
        remaining = dict(self.conn.execute(self._q(
            "SELECT arxiv_id, min(date) FROM {s}.appearances WHERE arxiv_id = ANY(%s) AND date <> '' GROUP BY arxiv_id"),
            (sorted({a[0] for a in dropped}),)).fetchall())
        return merge.redated(dropped, remaining)

    def _stored_with_summary_dates(self, ids: list[str]) -> dict[str, tuple[Paper, dt.date | None]]:
        columns = ", ".join(self.columns)
        rows = self.conn.execute(self._q(f"SELECT {columns} FROM {{s}}.papers WHERE arxiv_id = ANY(%s)"), (ids,))
        return {row[0]: (_paper(row, self.columns), row[PAPER_COLUMNS.index("summary_date")]) for row in rows}

    def get_papers(self, ids: Iterable[str]) -> dict[str, Paper]:
        return {i: paper for i, (paper, _) in self._stored_with_summary_dates(list(ids)).items()}

    def iter_papers(self, where: PaperFilter = PaperFilter()) -> Iterator[tuple[Paper, list[str]]]:
        condition, params = self._where(where)
        columns = ", ".join(f"p.{c}" for c in self.columns)
        with self.conn.cursor() as cursor:
            cursor.execute(self._q(
                f"SELECT {columns}, (SELECT string_agg(a.date, ' ' ORDER BY a.date) FROM {{s}}.appearances a "
                f"WHERE a.arxiv_id = p.arxiv_id) FROM {{s}}.papers p WHERE {condition} ORDER BY p.arxiv_id"), params)
            for row in cursor:
                yield _paper(row[:-1], self.columns), (row[-1] or "").split()

    def count_papers(self, where: PaperFilter = PaperFilter(), at_most: int | None = None) -> int:
        condition, params = self._where(where)
        if at_most is None:
            return self.conn.execute(self._q(f"SELECT count(*) FROM {{s}}.papers p WHERE {condition}"),
                                     params).fetchone()[0]
        return self.conn.execute(self._q(f"SELECT count(*) FROM (SELECT 1 FROM {{s}}.papers p WHERE {condition} "
                                         f"LIMIT {int(at_most)}) AS passing"), params).fetchone()[0]

    def arxiv_ids(self, where: PaperFilter) -> list[str]:
        condition, params = self._where(where)
        return [r[0] for r in self.conn.execute(self._q(
            f"SELECT p.arxiv_id FROM {{s}}.papers p WHERE {condition} ORDER BY p.arxiv_id"), params)]

    def _where(self, where: PaperFilter) -> tuple[str, list]:
        """A condition on papers aliased ``p`` (schema placeholders left for _q), and its parameters."""
        conditions, params = ["TRUE"], []
        if where.since:
            conditions.append("p.first_seen >= %s")
            params.append(where.since)
        if where.until:
            conditions.append("p.first_seen <= %s")
            params.append(where.until)
        if where.date:
            conditions.append("p.arxiv_id IN (SELECT arxiv_id FROM {s}.appearances WHERE date = %s)")
            params.append(where.date.isoformat())
        if where.categories:
            conditions.append("p.arxiv_id IN (SELECT arxiv_id FROM {s}.paper_categories WHERE category = ANY(%s))")
            params.append(list(where.categories))
        if where.ids is not None:
            conditions.append("p.arxiv_id = ANY(%s)")
            params.append(list(where.ids))
        return " AND ".join(conditions), params

    # -- vectors ----------------------------------------------------------------------------

    def vector_ids_of_hashes(self, model: str, hashes: Iterable[str]) -> dict[str, int]:
        return dict(self.conn.execute(self._q(
            "SELECT text_hash, id FROM {s}.vectors WHERE model = %s AND text_hash = ANY(%s)"),
            (model, list(hashes))).fetchall())

    def put_vectors(self, model: str, backend: str, vectors: Mapping[str, np.ndarray]) -> dict[str, int]:
        rows = [(model, h, backend, np.asarray(v, dtype=np.float32)) for h, v in vectors.items()]
        if rows:
            self.conn.cursor().executemany(self._q(
                "INSERT INTO {s}.vectors (model, text_hash, backend, embedding) VALUES (%s, %s, %s, %b) "
                "ON CONFLICT (model, text_hash) DO NOTHING"), rows)
            if self._deferred_indexes is not None:
                self._deferred_indexes[model] = len(rows[0][3])
            else:
                PgvectorIndex(self, model, len(rows[0][3])).ensure()
        return self.vector_ids_of_hashes(model, vectors)

    def retire_vectors(self, model: str, vector_ids: Iterable[int]) -> None:
        self.conn.execute(self._q("UPDATE {s}.vectors SET text_hash = text_hash || ':retired:' || id "
                                  "WHERE model = %s AND id = ANY(%s)"), (model, [int(i) for i in vector_ids]))

    def link(self, model: str, links: Mapping[str, int]) -> None:
        self.conn.cursor().executemany(self._q(
            "INSERT INTO {s}.paper_vectors VALUES (%s, %s, %s) ON CONFLICT (model, arxiv_id) "
            "DO UPDATE SET vector_id = EXCLUDED.vector_id"),
            [(model, arxiv_id, int(v)) for arxiv_id, v in links.items()])

    def unlinked(self, model: str) -> list[str]:
        return [r[0] for r in self.conn.execute(self._q(
            "SELECT arxiv_id FROM {s}.papers p WHERE NOT EXISTS (SELECT 1 FROM {s}.paper_vectors l "
            "WHERE l.model = %s AND l.arxiv_id = p.arxiv_id) ORDER BY arxiv_id"), (model,))]

    def linked_vectors(self, model: str, where: PaperFilter = PaperFilter(), min_vector_id: int = 0) -> LinkedVectors:
        condition, params = self._where(where)
        rows = self.conn.cursor(binary=True).execute(self._q(
            "SELECT p.arxiv_id, v.id, v.embedding FROM {s}.papers p "
            "JOIN {s}.paper_vectors l ON l.arxiv_id = p.arxiv_id AND l.model = %s "
            f"JOIN {{s}}.vectors v ON v.id = l.vector_id WHERE v.id > %s AND {condition} ORDER BY p.arxiv_id"),
            [model, min_vector_id, *params]).fetchall()
        return LinkedVectors([r[0] for r in rows], np.array([r[1] for r in rows], dtype=np.int64),
                             _matrix([r[2] for r in rows]))

    def vectors_by_id(self, model: str, vector_ids: Iterable[int]) -> np.ndarray:
        ids = [int(i) for i in vector_ids]
        found = dict(self.conn.cursor(binary=True).execute(self._q(
            "SELECT id, embedding FROM {s}.vectors WHERE model = %s AND id = ANY(%s)"), (model, ids)).fetchall())
        return _matrix([found[i] for i in ids])

    def papers_of_vectors(self, model: str, vector_ids: Iterable[int],
                          where: PaperFilter = PaperFilter()) -> dict[int, list[str]]:
        condition, params = self._where(where)
        found: dict[int, list[str]] = {}
        for vector_id, arxiv_id in self.conn.execute(self._q(
                "SELECT l.vector_id, p.arxiv_id FROM {s}.paper_vectors l JOIN {s}.papers p ON p.arxiv_id = l.arxiv_id "
                f"WHERE l.model = %s AND l.vector_id = ANY(%s) AND {condition} ORDER BY p.arxiv_id"),
                [model, [int(i) for i in vector_ids], *params]):
            found.setdefault(vector_id, []).append(arxiv_id)
        return found

    def vector_id_range(self, model: str, after: int = 0) -> tuple[int, int]:
        count, largest = self.conn.execute(self._q(
            "SELECT count(*), max(id) FROM {s}.vectors WHERE model = %s AND id > %s"), (model, after)).fetchone()
        return count, largest or 0

    def iter_vectors(self, model: str, max_vector_id: int, batch: int = 10_000
                     ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        last = 0
        while True:
            rows = self.conn.cursor(binary=True).execute(self._q(
                "SELECT id, embedding FROM {s}.vectors WHERE model = %s AND id > %s AND id <= %s "
                "ORDER BY id LIMIT %s"), (model, last, max_vector_id, batch)).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield np.array([r[0] for r in rows], dtype=np.int64), _matrix([r[1] for r in rows])

    def models(self) -> dict[str, int]:
        return dict(self.conn.execute(self._q(
            "SELECT model, count(*) FROM {s}.paper_vectors GROUP BY model ORDER BY model")).fetchall())

    def vector_index(self, model: str, ndim: int) -> "PgvectorIndex":
        return PgvectorIndex(self, model, ndim)

    # -- term statistics --------------------------------------------------------------------

    def add_term_counts(self, delta: Counter, documents: int) -> None:
        rows = sorted((t, n) for t, n in delta.items() if n)  # one statement: a day has ~100k terms
        self.conn.execute(self._q(
            "INSERT INTO {s}.term_df SELECT * FROM unnest(%s::text[], %s::integer[]) "
            "ON CONFLICT (term) DO UPDATE SET df = term_df.df + EXCLUDED.df"),
            ([t for t, _ in rows], [n for _, n in rows]))
        if any(n < 0 for n in delta.values()):
            self.conn.execute(self._q("DELETE FROM {s}.term_df WHERE df <= 0"))
        self.set_meta("term_documents", str(int(self.get_meta("term_documents") or 0) + documents))

    def term_frequencies(self, terms: Iterable[str]) -> tuple[dict[str, int], int]:
        found = dict(self.conn.execute(self._q("SELECT term, df FROM {s}.term_df WHERE term = ANY(%s)"),
                                       (list(terms),)).fetchall())
        return found, int(self.get_meta("term_documents") or 0)

    # -- interests ---------------------------------------------------------------------------

    def save_interest(self, interest) -> None:
        # its stored vectors stay: the texts are mostly the same
        self.conn.execute(self._q("DELETE FROM {s}.interests WHERE name = %s"), (interest.name,))
        interest_id = self.conn.execute(self._q("INSERT INTO {s}.interests (name) VALUES (%s) RETURNING id"),
                                        (interest.name,)).fetchone()[0]
        self.conn.cursor().executemany(self._q("INSERT INTO {s}.interest_items VALUES (%s, %s, %s, %s)"), [
            (interest_id, kind, position, value)
            for kind in _INTEREST_LISTS for position, value in enumerate(getattr(interest, kind))])
        self.conn.cursor().executemany(self._q("INSERT INTO {s}.interest_references VALUES (%s, %s, %s, %s, %s, %s)"), [
            (interest_id, position, r.title, r.abstract, r.arxiv_id, r.key)
            for position, r in enumerate(interest.references)])

    def get_interest(self, name: str):
        from ..interests.model import Interest, Reference  # the package imports scikit-learn: only when asked

        row = self.conn.execute(self._q("SELECT id FROM {s}.interests WHERE name = %s"), (name,)).fetchone()
        if row is None:
            return None
        lists: dict[str, list[str]] = {kind: [] for kind in _INTEREST_LISTS}
        for kind, value in self.conn.execute(self._q(
                "SELECT kind, value FROM {s}.interest_items WHERE interest_id = %s ORDER BY kind, position"), row):
            lists[kind].append(value)
        references = [Reference(*r) for r in self.conn.execute(self._q(
            "SELECT title, abstract, arxiv_id, key FROM {s}.interest_references WHERE interest_id = %s "
            "ORDER BY position"), row)]
        return Interest(name, references=tuple(references), **{k: tuple(v) for k, v in lists.items()})

    def interest_names(self) -> list[str]:
        return [r[0] for r in self.conn.execute(self._q("SELECT name FROM {s}.interests ORDER BY name"))]

    def delete_interest(self, name: str) -> bool:
        if self._has_interest_vectors():
            self.conn.execute(self._q("DELETE FROM {s}.interest_vectors WHERE interest = %s"), (name,))
        deleted = self.conn.execute(self._q("DELETE FROM {s}.interests WHERE name = %s RETURNING id"), (name,))
        return deleted.fetchone() is not None

    def _has_interest_vectors(self) -> bool:
        """False where a role that may not create tables opened a library made before them."""
        return "interest_vectors" in self._tables()

    def interest_vectors(self, interest: str, model: str, hashes: Iterable[str]
                         ) -> tuple[dict[str, np.ndarray], set[str]]:
        vectors: dict[str, np.ndarray] = {}
        kept: set[str] = set()
        if not self._has_interest_vectors():
            return vectors, kept
        for text_hash, blob, own in self.conn.execute(self._q(
                "SELECT text_hash, vector, interest = %s FROM {s}.interest_vectors "
                "WHERE model = %s AND text_hash = ANY(%s)"), (interest, model, sorted(set(hashes)))):
            vectors.setdefault(text_hash, _blob_vector(blob))
            if own:
                kept.add(text_hash)
        return vectors, kept

    def put_interest_vectors(self, interest: str, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        if not self._has_interest_vectors():
            return  # a role that may not create tables: every rank embeds them
        self.conn.cursor().executemany(self._q(
            "INSERT INTO {s}.interest_vectors VALUES (%s, %s, %s, %s) ON CONFLICT (interest, model, text_hash) "
            "DO UPDATE SET vector = excluded.vector"),
            [(interest, model, h, _vector_blob(v)) for h, v in vectors.items()])

    def count_interest_vectors(self, interest: str) -> dict[str, int]:
        if not self._has_interest_vectors():
            return {}
        return dict(self.conn.execute(self._q(
            "SELECT model, count(*) FROM {s}.interest_vectors WHERE interest = %s GROUP BY model ORDER BY model"),
            (interest,)).fetchall())


    # -- topics across days ------------------------------------------------------------------

    def _has_tracking(self) -> bool:
        return "topic_days" in self._tables()

    def tracked_dates(self) -> list[dt.date]:
        if not self._has_tracking():
            return []
        return [r[0] for r in self.conn.execute(self._q("SELECT DISTINCT date FROM {s}.topic_days ORDER BY date"))]

    def standing_topics(self, model: str) -> list[StandingTopic]:
        if not self._has_tracking():
            return []
        return [StandingTopic(i, label, tuple(terms), _blob_vector(centroid), _blob_vector(named), first, last)
                for i, label, terms, centroid, named, first, last in self.conn.execute(self._q(
                    "SELECT id, label, terms, centroid, named, first_seen, last_seen FROM {s}.tracked_topics "
                    "WHERE model = %s ORDER BY id"), (model,))]

    def latest_topics_of(self, ids: Iterable[str], before: dt.date) -> dict[str, int]:
        if not self._has_tracking():
            return {}
        return dict(self.conn.execute(self._q(
            "SELECT DISTINCT ON (arxiv_id) arxiv_id, topic_id FROM {s}.paper_topics "
            "WHERE arxiv_id = ANY(%s) AND date < %s ORDER BY arxiv_id, date DESC"), (list(ids), before)).fetchall())

    def paper_topics(self, date: dt.date) -> dict[str, int]:
        if not self._has_tracking():
            return {}
        return dict(self.conn.execute(self._q(
            "SELECT arxiv_id, topic_id FROM {s}.paper_topics WHERE date = %s ORDER BY arxiv_id"), (date,)).fetchall())

    def topic_sizes(self, since: dt.date | None = None, until: dt.date | None = None
                    ) -> list[tuple[dt.date, int, int, str]]:
        if not self._has_tracking():
            return []
        return [tuple(r) for r in self.conn.execute(self._q(
            "SELECT date, topic_id, size, label FROM {s}.topic_days WHERE date >= %s AND date <= %s "
            "ORDER BY date, topic_id"), (since or dt.date.min, until or dt.date.max))]

    def topic_events(self, since: dt.date | None = None, until: dt.date | None = None) -> list[TopicEvent]:
        if not self._has_tracking():
            return []
        return [TopicEvent(d, kind, topic, tuple(others)) for d, kind, topic, others in self.conn.execute(self._q(
            "SELECT date, kind, topic_id, others FROM {s}.topic_events WHERE date >= %s AND date <= %s "
            "ORDER BY date, position"), (since or dt.date.min, until or dt.date.max))]

    def save_tracked_day(self, model: str, day) -> None:
        cursor = self.conn.cursor()
        cursor.executemany(self._q(
            "INSERT INTO {s}.tracked_topics VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET "
            "label = EXCLUDED.label, terms = EXCLUDED.terms, centroid = EXCLUDED.centroid, named = EXCLUDED.named, "
            "first_seen = EXCLUDED.first_seen, last_seen = EXCLUDED.last_seen"), [
            (t.id, model, t.label, list(t.terms), _vector_blob(t.centroid), _vector_blob(t.named), t.first_seen,
             t.last_seen) for t in day.topics])
        cursor.executemany(self._q("INSERT INTO {s}.topic_days VALUES (%s, %s, %s, %s)"),
                           [(day.date, t, n, day.labels[t]) for t, n in sorted(day.sizes.items())])
        cursor.executemany(self._q("INSERT INTO {s}.topic_events VALUES (%s, %s, %s, %s, %s)"), [
            (day.date, position, e.kind, e.topic, list(e.others)) for position, e in enumerate(day.events)])
        papers = sorted(day.papers.items())
        self.conn.execute(self._q(
            "INSERT INTO {s}.paper_topics SELECT %s, * FROM unnest(%s::text[], %s::integer[])"),
            (day.date, [i for i, _ in papers], [t for _, t in papers]))

    # -- the reference map (maps that stay put) -----------------------------------------------

    def put_map_points(self, model: str, points) -> None:
        self.conn.cursor().executemany(self._q(
            "INSERT INTO {s}.map_points VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (model, arxiv_id) DO UPDATE "
            "SET vector_id = EXCLUDED.vector_id, x = EXCLUDED.x, y = EXCLUDED.y, anchor = EXCLUDED.anchor"),
            [(model, a, int(v), float(x), float(y), bool(anchor)) for a, v, x, y, anchor in points])

    def map_points(self, model: str, ids=None, anchors_only: bool = False) -> list:
        if "map_points" not in self._tables():
            return []
        query = "SELECT arxiv_id, vector_id, x, y, anchor FROM {s}.map_points WHERE model = %s"
        params: list = [model]
        if anchors_only:
            query += " AND anchor"
        if ids is not None:
            query += " AND arxiv_id = ANY(%s)"
            params.append(sorted(set(ids)))
        rows = self.conn.execute(self._q(query + " ORDER BY arxiv_id"), params).fetchall()
        return [(a, int(v), float(x), float(y), bool(anchor)) for a, v, x, y, anchor in rows]

    def clear_map_points(self, model: str) -> None:
        self.conn.execute(self._q("DELETE FROM {s}.map_points WHERE model = %s"), (model,))


class PgvectorIndex:
    """The vector index of one model in a PostgreSQL library: a partial HNSW index on its rows.

    A query asks PostgreSQL for the nearest current vectors of papers passing the filter (the
    filter, the exclusions and the link to the paper's current vector are in the same SQL, so
    pgvector's iterative index scan keeps going until enough pass), then rescores the rows it
    got with float32 numpy and orders them like exact search: by score, then arXiv id. A filter
    or library small enough (EXACT_LIMIT) is scanned exactly instead of through the graph.
    """

    def __init__(self, store: PostgresStore, model: str, ndim: int):
        self.store, self.model, self.ndim = store, model, int(ndim)
        digest = hashlib.sha256(model.encode()).hexdigest()[:12]
        self.name = f"vectors_hnsw_{digest}"

    def _create_statement(self):
        sql = self.store._sql
        return sql.SQL("CREATE INDEX IF NOT EXISTS {name} ON {s}.vectors USING hnsw "
                       "((embedding::{v}.vector({ndim})) {v}.vector_ip_ops) WITH (m = {m}, ef_construction = {ef}) "
                       "WHERE model = {model}").format(
            name=sql.Identifier(self.name), s=self.store._s, v=self.store._v, ndim=sql.Literal(self.ndim),
            m=sql.Literal(_GRAPH_M), ef=sql.Literal(_GRAPH_EF_CONSTRUCTION),
            model=sql.Literal(self.model))  # DDL takes no parameters: all are quoted as literals

    def ensure(self) -> None:
        """Create the index if this model has none yet (inside a write)."""
        if not self._exists():
            self.store.conn.execute(self._create_statement())

    def build(self) -> None:
        """Create the index over every vector of the model at once (inside a write), with memory
        enough for pgvector to build the graph in memory; a no-op if it exists."""
        if not self._exists():
            self._give_memory()
            self.store.conn.execute(self._create_statement())

    def _give_memory(self) -> None:
        """Raise maintenance_work_mem for this transaction to what the graph needs (unless the
        server already gives more): past it pgvector builds on disk, many times slower. Parallel
        maintenance workers are the server's setting (max_parallel_maintenance_workers)."""
        count, _ = self.store.vector_id_range(self.model)
        wanted = min(_MAX_BUILD_MEMORY, max(64 << 20, count * (4 * self.ndim + _GRAPH_BYTES)))
        current = self.store.conn.execute(
            "SELECT setting::bigint * 1024 FROM pg_settings WHERE name = 'maintenance_work_mem'").fetchone()[0]
        if wanted > current:
            self.store.conn.execute("SELECT set_config('maintenance_work_mem', %s, true)", (f"{wanted >> 20}MB",))

    def _exists(self) -> tuple | None:
        return self.store.conn.execute(
            "SELECT i.indisvalid, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
            (self.store.schema, self.name)).fetchone()

    def check(self) -> None:
        found = self._exists()
        count, _ = self.store.vector_id_range(self.model)
        problem = None
        if found is None and count:
            problem = "missing"
        elif found is not None and not found[0]:
            problem = "invalid (an interrupted build?)"
        elif found is not None and f"vector({self.ndim})" not in found[1]:
            problem = f"built for another dimension than the model's {self.ndim}"
        if problem:
            raise LibraryError(f"the HNSW index of model {self.model} in {self.store.location} is {problem}; "
                               f"searches still answer, exactly and slowly. Rebuild it with `semdigest index "
                               f"rebuild --library URL`")

    def needs_folding(self) -> bool:
        return False  # PostgreSQL adds every new vector to the graph as it is inserted

    def maintain(self) -> None:
        """Inside a write: rebuild an index left invalid or of another dimension (a missing one is
        created as vectors arrive; nothing needs folding)."""
        found = self._exists()
        if found is not None and (not found[0] or f"vector({self.ndim})" not in found[1]):
            self.rebuild()

    def rebuild(self, extend: bool = True) -> str:
        """REINDEX the model's HNSW index (create it if missing); call inside the store's write."""
        found = self._exists()
        if found is not None and f"vector({self.ndim})" not in found[1]:
            self.store.conn.execute(self.store._sql.SQL("DROP INDEX {s}.{name}").format(
                s=self.store._s, name=self.store._sql.Identifier(self.name)))
            found = None
        self._give_memory()
        if found is None:
            self.store.conn.execute(self._create_statement())
        else:
            self.store.conn.execute(self.store._sql.SQL("REINDEX INDEX {s}.{name}").format(
                s=self.store._s, name=self.store._sql.Identifier(self.name)))
        count, _ = self.store.vector_id_range(self.model)
        return f"HNSW index {self.name} on {count} vectors of {self.model}"

    # -- search -----------------------------------------------------------------------------

    def search(self, queries: np.ndarray, k: int, where: PaperFilter = PaperFilter(),
               exclude: list[set[str]] | None = None) -> list[list[tuple[str, float]]]:
        """For each query, up to k (arXiv id, cosine) of papers passing ``where``, best first,
        never one in ``exclude[i]``; equal scores in arXiv-id order."""
        queries = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        exclude = exclude or [set() for _ in queries]
        with self.store._translating_errors():
            candidates = self._candidates(where)
            exact = candidates <= EXACT_LIMIT
            found = []
            for query, skip in zip(queries, exclude):
                hits = self._query(query, k, where, skip, exact)
                if not exact and len(hits) < min(k, candidates - len(skip)):
                    hits = self._query(query, k, where, skip, True)  # the graph ran out: scan
                found.append(hits)
        return found

    def _candidates(self, where: PaperFilter) -> int:
        """How many papers a query may return (cached until the next write)."""
        store = self.store
        key = (store.data_version(), self.model, where)
        if key not in store._generation_cache:
            condition, params = store._where(where)
            store._generation_cache = {k: v for k, v in store._generation_cache.items() if k[0] == key[0]}
            store._generation_cache[key] = store.conn.execute(store._q(
                "SELECT count(*) FROM {s}.paper_vectors l JOIN {s}.papers p ON p.arxiv_id = l.arxiv_id "
                f"WHERE l.model = %s AND {condition}"), [self.model, *params]).fetchone()[0]
        return store._generation_cache[key]

    def _query(self, query: np.ndarray, k: int, where: PaperFilter, skip: set[str],
               exact: bool) -> list[tuple[str, float]]:
        store, sql = self.store, self.store._sql
        condition, params = store._where(where)
        fetch = k + _MARGIN
        statement = sql.SQL(
            "SELECT p.arxiv_id, v.embedding FROM {s}.vectors v "
            "JOIN {s}.paper_vectors l ON l.vector_id = v.id AND l.model = v.model "
            "JOIN {s}.papers p ON p.arxiv_id = l.arxiv_id "
            f"WHERE v.model = %s AND NOT (p.arxiv_id = ANY(%s)) AND {condition} "
            "ORDER BY (v.embedding::{v}.vector({ndim})) OPERATOR({v}.<#>) %b::{v}.vector({ndim}) LIMIT %s"
        ).format(s=store._s, v=store._v, ndim=sql.Literal(self.ndim))
        conn = store.conn
        with conn.transaction():
            if exact:
                conn.execute("SET LOCAL enable_indexscan = off")
            else:
                ef = min(_MAX_EF_SEARCH, max(_EF_SEARCH, 2 * fetch))
                conn.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(ef),))
                if store.iterative:
                    conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
                else:  # no iterative scans before pgvector 0.8: ask the graph for more and filter
                    fetch = min(_MAX_EF_SEARCH, fetch * 4)
            rows = conn.cursor(binary=True).execute(
                statement, [self.model, sorted(skip), *params, query, fetch]).fetchall()
        if not rows:
            return []
        scores = _matrix([r[1] for r in rows]) @ query
        hits = sorted(((r[0], float(s)) for r, s in zip(rows, scores)), key=lambda h: (-h[1], h[0]))
        return hits[:k]


# -- vectors on the wire (pgvector's binary format: dim, unused, float4 big-endian) ------------

from psycopg.adapt import Dumper, Loader  # noqa: E402  (psycopg is only needed with this store)
from psycopg.pq import Format  # noqa: E402


class _VectorDumper(Dumper):
    format = Format.BINARY

    def dump(self, obj) -> bytes:
        values = np.asarray(obj, dtype=">f4").ravel()
        return struct.pack(">HH", values.size, 0) + values.tobytes()


class _VectorLoader(Loader):
    format = Format.BINARY

    def load(self, data) -> np.ndarray:
        size = struct.unpack_from(">H", data)[0]
        return np.frombuffer(bytes(data), dtype=">f4", count=size, offset=4).astype(np.float32)


class _VectorTextLoader(Loader):
    format = Format.TEXT

    def load(self, data) -> np.ndarray:
        return np.array(bytes(data).decode().strip("[]").split(","), dtype=np.float32)


def _matrix(rows: list[np.ndarray]) -> np.ndarray:
    return np.vstack(rows).astype(np.float32, copy=False) if rows else np.zeros((0, 0), dtype=np.float32)


def _row(paper: Paper, summary_date: dt.date | None) -> tuple:
    return (
        paper.arxiv_id, paper.version, paper.title, list(paper.authors), paper.abstract, paper.primary_category,
        list(paper.categories), *(getattr(paper, name) for name in SUMMARY_FIELDS), paper.code_url,
        bool(paper.flagged), paper.date, summary_date, paper.source, paper.line,
    )


def _paper(row: tuple, columns: tuple[str, ...] = PAPER_COLUMNS) -> Paper:
    values = dict(zip(columns, row))
    values["date"] = values.pop("first_seen")
    values.pop("summary_date")
    values["authors"] = tuple(values["authors"])
    values["categories"] = tuple(values["categories"])
    values["flagged"] = bool(values["flagged"])
    values.update(arxiv_columns.fields(values))
    return Paper(**values)


def _vector_blob(vector) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def _blob_vector(blob) -> np.ndarray:
    return np.frombuffer(bytes(blob), dtype="<f4").astype(np.float32)


def _password_in(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.password:
        return parts.password
    query = dict(parse_qsl(parts.query))
    return query.get("password") or None


def _parsable(conninfo: str) -> bool:
    try:
        from psycopg.conninfo import conninfo_to_dict

        conninfo_to_dict(conninfo)
        return True
    except Exception:
        return False


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else text.strip()
