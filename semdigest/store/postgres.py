"""The shared store: a PostgreSQL database with pgvector, for a lab's one library.

Tables live in a schema of their own (``semdigest``, or ``?schema=NAME`` in the URL), so the
library can share a database with other applications; a schema holding another application's
tables is refused before anything is written. Vectors are pgvector ``vector`` values; their
HNSW index belongs to the index package (index/pgvector.py), which reads the store through
``q``, ``sql_where`` and ``errors_translated``.

Every write is one transaction that first takes an advisory lock on the schema: two ingests
from two machines run one after the other and both land; readers never wait. Connection
settings come from the URL and libpq's usual places (PGPASSWORD, ~/.pgpass, service files):
the URL is handed to libpq as it is, minus ``schema``. ``location`` is the URL with its
password masked, and the password never appears in an error.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

from ..errors import LibraryError
from . import schema
from .base import translating_errors
from .pg_copy import copy_upsert
from .pgvector_wire import VectorDumper, VectorLoader, VectorTextLoader
from .schema import full_text
from .sql import APPLICATION, SCHEMA_VERSION, SQLStore
from .urls import masked

DEFAULT_SCHEMA = "semdigest"
MIN_SERVER = 130000          # PostgreSQL 13: the oldest pgvector 0.8 supports
MIN_PGVECTOR = (0, 5, 0)     # HNSW indexes
ITERATIVE_PGVECTOR = (0, 8, 0)  # iterative index scans; older versions over-fetch instead

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
class PostgresStore(SQLStore):
    index_kind = "pgvector"

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
        self.conn = self._connect(conninfo)
        try:
            with self.errors_translated():
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
        self.vector_schema = extension[1]
        self._v = self._sql.Identifier(extension[1])
        self._register_vector_type(extension[1])
        if not tables:
            self._create_schema()
        self.read_only = not self.conn.execute(
            "SELECT has_table_privilege(%s, 'INSERT')", (f"{_quote(self.schema)}.papers",)).fetchone()[0]
        if tables and schema.pending(self, self._tables(indexes=True)):
            self._migrate()

    def _migrate(self) -> None:
        """Bring a library of an earlier release up to date, where this role may; where it may not and
        tables are missing, say who can."""
        if not self.read_only:
            try:
                with self.conn.transaction():
                    self._lock()
                    schema.migrate(self, self._tables(indexes=True))
                return
            except self._psycopg.errors.InsufficientPrivilege:
                pass  # a role that may write rows but not create tables
        missing = schema.TABLES - self._tables()
        if missing:
            raise LibraryError(f"the library at {self.location} lacks tables {', '.join(sorted(missing))} of this "
                               "semdigest, and this role may not create them; open it once as a role with CREATE "
                               f"rights on schema {self.schema!r}")

    def _tables(self, indexes: bool = False) -> set[str]:
        kinds = ["r", "p", "v", "m", "f", *(["i"] if indexes else [])]
        return {r[0] for r in self.conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = ANY(%s)", (self.schema, kinds))}

    def _check_ours(self, tables: set[str]) -> None:
        meta = {}
        if "meta" in tables:
            try:
                meta = dict(self.conn.execute(self.q("SELECT key, value FROM {s}.meta")).fetchall())
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
                self.conn.execute(self.q("CREATE SCHEMA IF NOT EXISTS {s}"))
                schema.migrate(self, set())
                self.set_meta("generation", "0")
        except self._psycopg.errors.InsufficientPrivilege as error:
            raise LibraryError(f"this role may not create the schema {self.schema!r} in {self.location} "
                               f"({_last_line(str(error))}); ask the database owner to create the library, "
                               "or use a role with CREATE rights") from None

    def _register_vector_type(self, extension_schema: str) -> None:
        from psycopg.types import TypeInfo

        info = TypeInfo.fetch(self.conn, self._sql.Identifier(extension_schema, "vector").as_string(self.conn))
        dumper = type("VectorDumper", (VectorDumper,), {"oid": info.oid})
        self.conn.adapters.register_dumper(np.ndarray, dumper)
        self.conn.adapters.register_loader(info.oid, VectorLoader)
        self.conn.adapters.register_loader(info.oid, VectorTextLoader)

    def q(self, statement: str):
        """A statement with the schema ({s}) and pgvector's schema ({v}) as quoted identifiers."""
        return self._sql.SQL(statement).format(s=self._s, v=getattr(self, "_v", self._s))

    def _lock(self) -> None:
        self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                          (f"semdigest:{self.schema}",))

    # -- errors -----------------------------------------------------------------------------

    @contextmanager
    def errors_translated(self) -> Iterator[None]:
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
        with self.errors_translated(), self._finishing(), self.conn.transaction():
            self._lock()
            yield
            self.conn.execute(self.q(
                "UPDATE {s}.meta SET value = (value::bigint + 1)::text WHERE key = 'generation'"))

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Inside ``write()``: at the end, the planner's statistics of the new rows, for the checks
        and the index builds that follow in this transaction (a join planned for empty tables read
        all of them per batch)."""
        yield
        self.conn.execute(self.q("ANALYZE {s}.papers, {s}.appearances, {s}.paper_categories, "
                                  "{s}.vectors, {s}.paper_vectors"))

    def check(self) -> None:
        missing = schema.TABLES - self._tables()
        if missing:
            raise LibraryError(f"the library at {self.location} lacks tables {', '.join(sorted(missing))}; "
                               "restore it from a backup (pg_dump) or copy it afresh")
        self._check_ours(set(schema.TABLES))

    def data_version(self) -> str:
        return self.get_meta("generation")


    # -- the dialect --------------------------------------------------------------------------

    vector_column = "embedding"
    column_types = {"text_list": "TEXT[]", "integer_list": "INTEGER[]", "boolean": "BOOLEAN", "date": "DATE",
                    "identity": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "big_integer": "BIGINT",
                    "vector": "{v}.vector", "bytes": "BYTEA", "real": "DOUBLE PRECISION", "without_rowid": ""}
    joined_dates = ("(SELECT string_agg(a.date, ' ' ORDER BY a.date) FROM {s}.appearances a "
                    "WHERE a.arxiv_id = p.arxiv_id)")

    full_text_schema = full_text.POSTGRES

    @functools.cached_property
    def _all_paper_columns(self) -> set[str]:
        """Asked after migrating, once: a search would otherwise ask the server each time."""
        return self.table_columns("papers")

    def any_of(self, column: str, values) -> tuple[str, list]:
        return f"{column} = ANY(%s)", [list(values)]

    def _full_text_match(self, words: list[str], every: bool, best: int | None) -> tuple[str, str, list]:
        # a role that could not migrate reads a library without the column: each paper's text, unindexed
        column = "p.full_text" if "full_text" in self._all_paper_columns else full_text.POSTGRES_VECTOR.format(row="p")
        query = full_text.POSTGRES_EVERY if every else full_text.POSTGRES_ANY
        return (f"FROM {{s}}.papers p, (SELECT {query} AS q) AS query WHERE {column} @@ query.q",
                f"ts_rank({column}, query.q)", [" ".join(words) if every else words])

    def _list(self, values) -> list:
        return list(values)

    def _from_list(self, value: list) -> list:
        return value

    def _date(self, date: dt.date | None) -> dt.date | None:
        return date

    def _from_date(self, value: dt.date | None) -> dt.date | None:
        return value

    def _bool(self, value: bool) -> bool:
        return bool(value)

    def _vector(self, vector) -> np.ndarray:
        return np.asarray(vector, dtype=np.float32)

    def _matrix(self, rows: list[np.ndarray]) -> np.ndarray:
        return np.vstack(rows).astype(np.float32, copy=False) if rows else np.zeros((0, 0), dtype=np.float32)

    def _vector_rows(self, statement: str, params) -> list:
        return self.conn.cursor(binary=True).execute(self.q(statement), params).fetchall()

    def _upsert(self, table: str, columns, rows: list, conflict: str) -> None:
        if rows:  # COPY, then one INSERT: a backfill batch has thousands of papers, ~100k terms
            copy_upsert(self, table, columns, rows, conflict)


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
