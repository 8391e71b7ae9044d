"""Defects of the stores, the index and library opening found by probing (issue 21), each on real
stores with the real model and real digests: a kill during an index fold, passwords in help and
summaries and URL typos, file names with URI characters, a damaged index file, `vectors add`
over vectors that exist, and errors of one line."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
import uuid

import numpy as np
import pytest

from semdigest.library import Library
from semdigest.neighbors import related
from semdigest.readers import read

from .conftest import DAILY, SEED_000
from .helpers import _OTHER_USER, digest_slice, other_user_can_run, run_cli

PASSWORD = "Hunter2-pw-91c4"



def _one_line_error(result) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("semdigest: error:"), result.stderr
    return lines[0]


def _index_folder(path):
    return path.with_name(path.name + ".index")


# -- 3. a crash during an index fold ------------------------------------------------------------

FOLD_THEN_WAIT = textwrap.dedent("""
    import sys, time
    from semdigest.cli import main
    from semdigest.index import segmented
    init = segmented.SegmentedIndex.__init__     # three new papers fold the tail into the file:
    segmented.SegmentedIndex.__init__ = lambda self, *args, **kwargs: init(self, *args, **kwargs, tail_limit=2)
    rebuild = segmented.SegmentedIndex.rebuild
    def rebuild_then_wait(self, *args, **kwargs):
        state = rebuild(self, *args, **kwargs)   # the new file saved and recorded, not committed
        print("folded", flush=True)
        time.sleep(600)                          # the test kills this process meanwhile
        return state
    segmented.SegmentedIndex.rebuild = rebuild_then_wait
    sys.exit(main(sys.argv[1:]))
""")


@pytest.mark.slow
def test_a_kill_during_an_index_fold_keeps_the_index_and_ingest_repairs_a_lost_one(seeds_copy, tmp_path):
    with Library.open(seeds_copy) as library:
        state = library.rebuild_index()  # every vector in the HNSW file
    folder = _index_folder(seeds_copy)
    day = digest_slice(DAILY / "2026-06-09.md", tmp_path / "2026-06-09.md", 3)
    child = subprocess.Popen([sys.executable, "-c", FOLD_THEN_WAIT, "ingest", str(day), "--library", str(seeds_copy)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "folded", child.stderr.read()
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.communicate()
    with Library.open(seeds_copy) as library:
        assert library.index().state() == state and len(library) == 514  # the fold rolled back
        assert (folder / state.file).exists()                            # and its file is still there
    result = run_cli("related", "2602.04994", "-k", "3", "--library", seeds_copy)
    assert result.returncode == 0 and "3 hits" in result.stdout and result.stderr == "", result.stderr

    with Library.open(seeds_copy, index_options={"tail_limit": 2}) as library:
        library.ingest(read(day))  # the fold again, to its end
        folded = library.index().state()
        assert folded.size == 517 and folded.file != state.file
    assert sorted(p.name for p in folder.iterdir()) == [folded.file]  # the old file and the killed one's are gone

    (folder / folded.file).unlink()  # lost (a crash of old, a hand that cleaned up)
    with Library.open(seeds_copy) as library:
        library.ingest(read(digest_slice(DAILY / "2026-06-10.md", tmp_path / "2026-06-10.md", 2)))
        repaired = library.index().state()
        assert repaired.size == 519 and (folder / repaired.file).exists()
    result = run_cli("related", "2602.04994", "-k", "3", "--library", seeds_copy)
    assert result.returncode == 0 and "3 hits" in result.stdout and result.stderr == "", result.stderr


# -- 11. a damaged index file ---------------------------------------------------------------------

@pytest.mark.slow
def test_a_damaged_index_file_is_found_by_check_and_rebuilt_before_any_search(seeds_copy):
    with Library.open(seeds_copy) as library:
        state = library.rebuild_index()
    path = _index_folder(seeds_copy) / state.file
    good = path.read_bytes()
    graph = good.index(b"usearch")  # usearch's header, after the vectors; then the graph's levels
    damaged = bytearray(good)
    damaged[graph + 204:graph + 268] = b"\xff" * 64  # levels no search survives (a segfault before)
    written = path.stat()

    # the same size and the same modification time: only reading the whole file shows it
    path.write_bytes(bytes(damaged))
    os.utime(path, ns=(written.st_atime_ns, written.st_mtime_ns))
    line = _one_line_error(run_cli("library", "check", "--library", seeds_copy))
    assert "damaged" in line and "checksum" in line and "semdigest index rebuild" in line

    # damaged as a program writing into it would: a query rebuilds it first, and says so
    path.write_bytes(bytes(damaged))
    result = run_cli("related", "2602.04994", "-k", "3", "--library", seeds_copy)
    assert result.returncode == 0 and "3 hits" in result.stdout, result.stderr
    notice = result.stderr.strip().splitlines()
    assert len(notice) == 1 and "damaged" in notice[0] and "rebuilding it" in notice[0], result.stderr
    result = run_cli("library", "check", "--library", seeds_copy)
    assert result.returncode == 0 and "integrity ok" in result.stderr, result.stderr
    with Library.open(seeds_copy) as library:
        rebuilt = library.index().state()
        assert rebuilt.size == 514 and rebuilt.sha256 and not path.exists()

    # a state written before checksums were kept cannot be verified: check says so, an ingest rebuilds
    conn = sqlite3.connect(seeds_copy)
    with conn:
        conn.execute("UPDATE meta SET value = json_remove(value, '$.sha256', '$.sha256_ends', '$.mtime_ns') "
                     "WHERE key LIKE 'index:%'")
    conn.close()
    assert "cannot be verified" in _one_line_error(run_cli("library", "check", "--library", seeds_copy))
    with Library.open(seeds_copy) as library:
        assert library.ingest(read(SEED_000)).embedded == 0
        assert library.index().state().sha256
        library.check()


@pytest.mark.skipif(not other_user_can_run(), reason="no unprivileged user can run this checkout's Python")
def test_a_damaged_index_of_a_read_only_library_is_one_line_saying_how_to_rebuild(seeds_copy, other_user_folder):
    folder = other_user_folder
    library_path = folder / "library.sqlite"
    shutil.copy(seeds_copy, library_path)
    with Library.open(library_path) as library:
        state = library.rebuild_index()
        library.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    index_file = _index_folder(library_path) / state.file
    index_file.write_bytes(index_file.read_bytes()[:-4096] + b"\xff" * 4096)
    for path in (folder, library_path, index_file.parent, index_file):
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) | stat.S_IROTH | stat.S_IXOTH)
    try:
        result = _as_other_user("-m", "semdigest", "related", "2602.04994", "--library", library_path)
        line = _one_line_error(result)
        assert "damaged" in line and "read-only" in line and "semdigest index rebuild" in line
    finally:
        folder.chmod(0o755)


def _as_other_user(*args) -> subprocess.CompletedProcess:
    prefix = _OTHER_USER if os.geteuid() == 0 else []
    return subprocess.run([*prefix, sys.executable, *map(str, args)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "HOME": "/tmp"})


# -- 9. passwords: help texts, summaries, URL typos -----------------------------------------------

@pytest.mark.slow
def test_the_password_in_semdigest_library_never_shows_in_any_help():
    url = f"postgresql://alice:{PASSWORD}@db.example.org/papers"
    for command in (("related",), ("ingest",), ("interests", "add"), ("interests", "list"), ("interests", "remove"),
                    ("rank",), ("library",), ("vectors",)):
        result = run_cli(*command, "--help", env={"SEMDIGEST_LIBRARY": url})
        assert result.returncode == 0, (command, result.stderr)
        # the help names the variable and never shows its value (so a malformed one cannot break it)
        assert PASSWORD not in result.stdout and "$SEMDIGEST_LIBRARY" in result.stdout, (command, result.stdout)


@pytest.mark.parametrize("typo", [
    f"POSTGRESQL://alice:{PASSWORD}@/papers?host=/nonexistent-socket-folder",  # a URL, whatever its case
    f"postgresql:/alice:{PASSWORD}@db.example.org/papers",                     # one slash
    f"Postgres:alice:{PASSWORD}@db.example.org/papers",                        # none
    f"postgresql://alice:{PASSWORD}@[::1/papers",                              # an unclosed [
    "sqlite:///library.sqlite",                                                # not a library URL
])
@pytest.mark.slow
def test_a_url_typo_is_one_line_without_the_password_and_creates_nothing(tmp_path, typo):
    for args in (("related", "2602.04994"), ("library", "check")):
        result = subprocess.run([sys.executable, "-m", "semdigest", *args, "--library", typo], cwd=tmp_path,
                                capture_output=True, text=True, timeout=300)
        line = _one_line_error(result)
        assert PASSWORD not in line and ("alice:***@" in line or "alice" not in typo), line
        assert "URL" in line or "PostgreSQL server" in line, line
    assert list(tmp_path.iterdir()) == []  # no folder or SQLite file named after the URL


@pytest.mark.slow
def test_vectors_add_to_a_server_shows_no_password(postgres_server, tmp_path):
    # the run's server trusts local connections, so a password in the URL is accepted and unused
    url = postgres_server.url(f"t_{uuid.uuid4().hex[:8]}", password=PASSWORD)
    digest = read(digest_slice(DAILY / "2026-06-09.md", tmp_path / "2026-06-09.md", 3))
    with Library.open(url) as library:
        library.add(digest)
    ids = [p.arxiv_id for p in digest.papers]
    np.savez(tmp_path / "backlog.npz", ids=np.array(ids), vectors=_unit_vectors(3, seed=4))
    result = run_cli("vectors", "add", tmp_path / "backlog.npz", "--library", url)
    assert result.returncode == 0, result.stderr
    assert PASSWORD not in result.stdout + result.stderr and "postgres:***@" in result.stderr, result.stderr


# -- 10. file names with URI characters -------------------------------------------------------------

@pytest.mark.parametrize("name", ["what?.sqlite", "a#b.sqlite", "%41.sqlite", "x?mode=ro.sqlite"])
def test_a_library_file_name_with_uri_characters_opens_that_very_file(tmp_path, name):
    digest = read(digest_slice(DAILY / "2026-06-09.md", tmp_path / "2026-06-09.md", 2))
    folder = tmp_path / "libraries"
    folder.mkdir()
    with Library.open(folder / name) as library:
        library.add(digest)
    with Library.open(folder / name, create=False) as library:
        assert len(library) == 2
    assert {p.name for p in folder.iterdir()} <= {name, f"{name}-wal", f"{name}-shm"}
    assert (folder / name).exists()


# -- 15. vectors add over vectors that exist --------------------------------------------------------

def _unit_vectors(n: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((n, 384)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "library.sqlite")
    return request.getfixturevalue("postgres_server").url(f"t_{uuid.uuid4().hex[:12]}")


@pytest.mark.slow
def test_vectors_add_replaces_vectors_that_exist_and_says_what_it_did(store_url, tmp_path):
    digest = read(digest_slice(DAILY / "2026-06-09.md", tmp_path / "2026-06-09.md", 6))
    ids = [p.arxiv_id for p in digest.papers]
    first, second = _unit_vectors(6, seed=1), _unit_vectors(6, seed=2)
    with Library.open(store_url) as library:
        library.add(digest)
        counts = library.add_vectors(None, ids[:4], first[:4])
        assert (counts.added, counts.replaced, counts.unchanged) == (4, 0, 0)
        if not store_url.startswith("postgresql"):
            library.rebuild_index()  # the replaced vectors are in the HNSW file too
        # versioned ids, as `related` takes them; two papers new, four replaced
        counts = library.add_vectors(None, [f"{i}v2" for i in ids], second)
        assert (counts.added, counts.replaced, counts.unchanged) == (2, 4, 0) and str(counts) == "replaced 4, added 2"
        got_ids, got = library.vectors()
        assert got_ids == sorted(ids) and np.array_equal(got, second[[ids.index(i) for i in got_ids]])
        hits = related(library, ids[0], k=5)
        want = second[1:] @ second[0]
        assert [h.score for h in hits] == pytest.approx(sorted(want, reverse=True), abs=1e-6)
        counts = library.add_vectors(None, ids, second)
        assert (counts.added, counts.replaced, counts.unchanged) == (0, 0, 6)
        library.check()
    np.savez(tmp_path / "again.npz", ids=np.array([f"arXiv:{i}" for i in ids]), vectors=first)
    result = run_cli("vectors", "add", tmp_path / "again.npz", "--library", store_url)
    assert result.returncode == 0, result.stderr
    assert "replaced 6, added 0" in result.stderr and "added 6" not in result.stderr, result.stderr
    with Library.open(store_url) as library:
        assert np.array_equal(library.vectors(ids=[ids[0]])[1][0], first[0])


# -- messages: one line, the right one, in time ---------------------------------------------------

@pytest.mark.slow
def test_a_damaged_or_special_library_file_is_one_line_that_names_what_is_wrong(tmp_path):
    path = tmp_path / "lib.sqlite"
    with Library.open(path) as library:
        library.add(read(digest_slice(SEED_000, tmp_path / "a.md", 40)))
        library.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = path.read_bytes()
    header = tmp_path / "header.sqlite"  # its first page scribbled over: a traceback before
    header.write_bytes(data[:100] + b"\xa5" * 3996 + data[4096:])
    pages = bytearray(data)              # integrity_check lists each damaged page on a line of its own
    for offset in range(3 * 4096 + 8, len(pages) - 4096, 7 * 4096):
        pages[offset:offset + 64] = b"\xa5" * 64
    (tmp_path / "pages.sqlite").write_bytes(bytes(pages))
    for library, args in ((header, ("related", "2602.04994")), (header, ("library", "check")),
                          (tmp_path / "pages.sqlite", ("library", "check"))):
        line = _one_line_error(run_cli(*args, "--library", library))
        assert "is damaged" in line and "integrity_check" in line, line
    for args in (("related", "2602.04994"), ("library", "check")):
        line = _one_line_error(run_cli(*args, "--library", "/dev/full"))
        assert "not a library file" in line and "character device" in line and "damaged" not in line


@pytest.mark.skipif(not other_user_can_run(), reason="no unprivileged user can run this checkout's Python")
def test_a_read_only_library_refuses_ingest_before_embedding_anything(seeds_copy, other_user_folder):
    folder = other_user_folder
    shutil.copy(seeds_copy, folder / "library.sqlite")
    digest = digest_slice(DAILY / "2026-06-09.md", folder / "2026-06-09.md", 3)
    for path in (folder, folder / "library.sqlite", digest):
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) | stat.S_IROTH | stat.S_IXOTH)
    code = ("import sys; from semdigest.cli import main; status = main(sys.argv[1:]); "
            "print('loaded:', sorted(m for m in ('torch', 'sentence_transformers', 'onnxruntime', 'openvino') if m in sys.modules)); "
            "sys.exit(status)")
    try:
        result = _as_other_user("-c", code, "ingest", digest, "--library", folder / "library.sqlite")
        assert result.returncode == 2 and "read-only" in result.stderr and "Traceback" not in result.stderr
        assert result.stdout.strip() == "loaded: []", result.stdout  # refused before the model was loaded
    finally:
        folder.chmod(0o755)


DROPPED = textwrap.dedent("""
    import sys, time
    from semdigest.cli import main
    from semdigest.store import postgres
    stored = postgres.PostgresStore._stored_with_summary_dates
    def stored_then_wait(self, *args):
        found = stored(self, *args)            # inside the copy's transaction; the papers come next
        print(self.conn.info.backend_pid, flush=True)
        time.sleep(3)                          # the test ends this backend meanwhile
        return found
    postgres.PostgresStore._stored_with_summary_dates = stored_then_wait
    sys.exit(main(sys.argv[1:]))
""")


@pytest.mark.slow
def test_a_connection_lost_mid_write_is_one_line_with_no_error_ignored_line(postgres_server, tmp_path):
    source = tmp_path / "source.sqlite"
    with Library.open(source) as library:
        library.add(read(digest_slice(DAILY / "2026-06-09.md", tmp_path / "2026-06-09.md", 3)))
    url = postgres_server.url(f"t_{uuid.uuid4().hex[:8]}")
    child = subprocess.Popen([sys.executable, "-c", DROPPED, "library", "copy", str(source), url],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pid = int(child.stdout.readline())
    time.sleep(0.2)
    assert postgres_server.admin(f"SELECT pg_terminate_backend({pid})")[0] == [(True,)]
    out, err = child.communicate(timeout=120)
    line = _one_line_error(subprocess.CompletedProcess(child.args, child.returncode, out, err))
    assert "was lost" in line and "error ignored" not in err  # psycopg's own warning, when its pipeline fails
    with Library.open(url) as library:
        assert len(library) == 0
