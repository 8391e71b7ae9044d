"""The store/index seams with the real model and real digests: upgrade of a 0.1 library, the HNSW
segment against exact search, filters, a damaged or missing index, vectors from elsewhere,
read paths that load no model, damaged and read-only library files, tiny libraries."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from semdigest.errors import LibraryError
from semdigest.library import Library
from semdigest.neighbors import related, search, seen_before
from semdigest.readers import read
from semdigest.records import Digest

from .conftest import DAILY, ROOT, SEED_000
from .helpers import digest_slice, other_user_can_run, run_cli, run_cli_as_other_user

V1_LIBRARY = ROOT / "tests" / "data" / "library-v1.sqlite"  # made by semdigest 0.1 (commit 079dcbd)



def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_library_made_by_0_1_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.sqlite"
    shutil.copy(V1_LIBRARY, path)
    with Library.open(path) as library:
        ids, matrix = library.vectors()
        assert len(library) == len(ids) == 20  # every paper linked to its vector, no re-embedding
        assert np.allclose(np.linalg.norm(matrix, axis=1), 1, atol=1e-3)
        hits = related(library, ids[0], k=3)
        assert len(hits) == 3 and all(h.shared_terms is not None for h in hits)
        again = library.ingest(read(digest_slice(DAILY / "2026-06-11.md", tmp_path / "2026-06-11.md", 14)))
        assert (again.new, again.embedded, again.reused) == (2, 2, 12)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("2",)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_replacing_a_papers_categories_is_a_lookup_also_in_libraries_made_before_its_index(tmp_path):
    """Without an index on paper_categories(arxiv_id) every upserted paper scanned every paper's
    categories: a day's ingest into a large library grew with the library."""
    path = tmp_path / "library.sqlite"
    Library.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX paper_categories_by_paper")
    conn.close()
    with Library.open(path) as library:
        plan = library.store.conn.execute(
            "EXPLAIN QUERY PLAN DELETE FROM paper_categories WHERE arxiv_id = ?", ("2606.00001",)).fetchall()
        assert "paper_categories_by_paper" in str(plan)
        assert library.store.get_meta("schema_version") == "2"


def test_hnsw_segment_matches_exact_search_and_filters_stay_correct(seeds_copy):
    library = Library.open(seeds_copy)
    ids, matrix = library.vectors()
    exact = {}
    for row in range(0, len(ids), 7):
        scores = matrix @ matrix[row]
        scores[row] = -np.inf
        exact[ids[row]] = [ids[i] for i in np.lexsort((np.arange(len(ids)), -scores))[:10]]
    library.rebuild_index()  # all 514 vectors into the HNSW file: the tail is empty
    assert library.index().state().size == 514 and len(library.index().tail()[0]) == 0
    recall = np.mean([len({h.arxiv_id for h in related(library, i, k=10)} & set(want)) / 10
                      for i, want in exact.items()])
    assert recall >= 0.97
    # exact scores: candidates are rescored with the stored float32 vectors
    hit = related(library, ids[0], k=1)[0]
    assert hit.score == pytest.approx(float(matrix[ids.index(hit.arxiv_id)] @ matrix[0]), abs=1e-6)

    # a filter that keeps one paper in a thousand, through the HNSW graph (no exact shortcut)
    graph = Library(library.store, index_options={"exact_limit": 0})
    few = ids[::997][:1]
    categories = library.paper(few[0]).categories
    only = [i for i in ids if library.paper(i).categories == categories and i != ids[1]]
    hits = related(graph, ids[1], k=5, categories=[categories[0]])
    in_category = [i for i in ids if categories[0] in library.paper(i).categories and i != ids[1]]
    scores = {i: float(matrix[ids.index(i)] @ matrix[1]) for i in in_category}
    assert [h.arxiv_id for h in hits] == sorted(scores, key=lambda i: (-scores[i], i))[:5]
    assert only  # the category exists beyond the query paper
    library.close()


def test_ingest_grows_the_tail_and_folds_it_into_the_hnsw_file(tmp_path):
    library = Library.open(tmp_path / "lib.sqlite", index_options={"tail_limit": 10})
    library.ingest(read(digest_slice(DAILY / "2026-06-09.md", tmp_path / "2026-06-09.md", 8)))
    assert library.index().state() is None  # 8 vectors: all tail, exact
    library.ingest(read(digest_slice(DAILY / "2026-06-10.md", tmp_path / "2026-06-10.md", 8)))
    state = library.index().state()
    assert state is not None and state.size == 16 and (library.store.index_folder / state.file).exists()
    library.ingest(read(digest_slice(DAILY / "2026-06-11.md", tmp_path / "2026-06-11.md", 5)))
    assert library.index().state() == state and len(library.index().tail()[0]) == 5
    assert len(related(library, library.vectors()[0][0], k=20)) == 20
    library.close()


@pytest.mark.slow
def test_a_deleted_truncated_foreign_or_stale_index_is_rebuilt_by_the_next_query(seeds_copy, tmp_path):
    library = Library.open(seeds_copy)
    library.rebuild_index()
    state = library.index().state()
    folder = library.store.index_folder
    library.close()
    foreign = tmp_path / "foreign.sqlite"
    for damage in ("delete", "truncate", "foreign", "newer"):
        index_file = folder / state.file
        if damage == "newer":  # the library restored from a backup older than the index file
            _record_index_state(seeds_copy, "covers", state.covers + 1000)
        elif damage == "delete":
            index_file.unlink()
        elif damage == "truncate":
            index_file.write_bytes(index_file.read_bytes()[: index_file.stat().st_size // 2])
        else:
            from semdigest.index.hnsw import HNSWIndex

            rng = np.random.default_rng(0)
            other = rng.standard_normal((514, 384)).astype(np.float32)
            other /= np.linalg.norm(other, axis=1, keepdims=True)
            HNSWIndex.build(384, [(np.arange(1, 515), other)]).save(foreign)
            shutil.copy(foreign, index_file)
            _record_index_state(seeds_copy, "bytes", index_file.stat().st_size)  # only the content differs now
        result = run_cli("related", "2602.04994", "-k", "3", "--library", seeds_copy)
        assert result.returncode == 0 and "3 hits" in result.stdout, (damage, result.stderr)
        notice = result.stderr.strip().splitlines()
        assert len(notice) == 1 and "rebuilding it from the library" in notice[0], (damage, result.stderr)
        assert damage != "newer" or "newer than the library" in notice[0]
        with Library.open(seeds_copy) as library:
            state = library.index().state()
            assert state.size == 514 and len(library) == 514 and sorted(p.name for p in folder.iterdir()) == [state.file]
    assert run_cli("library", "check", "--library", seeds_copy).returncode == 0
    rebuilt = run_cli("index", "rebuild", "--library", seeds_copy)
    assert rebuilt.returncode == 0 and "514 vectors" in rebuilt.stderr, rebuilt.stderr
    assert run_cli("related", "2602.04994", "--library", seeds_copy).returncode == 0


def _record_index_state(path, field: str, value: int) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(f"UPDATE meta SET value = json_set(value, '$.{field}', ?) WHERE key LIKE 'index:%'", (value,))
    conn.close()


def test_a_full_disk_while_saving_the_index_leaves_the_library_as_it_was(seeds_copy):
    before = _sha(seeds_copy)
    # the disk "fills" as the index is saved: a file-size limit set just before the save
    code = textwrap.dedent("""
        import resource, sys
        from semdigest.cli import main
        from semdigest.index import hnsw
        save = hnsw.HNSWIndex.save
        def save_on_a_full_disk(self, path):
            resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))
            return save(self, path)
        hnsw.HNSWIndex.save = save_on_a_full_disk
        sys.exit(main(sys.argv[1:]))
    """)
    result = subprocess.run([sys.executable, "-c", code, "index", "rebuild", "--library", str(seeds_copy)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and "could not save the vector index" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    folder = seeds_copy.with_name(seeds_copy.name + ".index")
    assert not any(folder.glob("*")) if folder.exists() else True  # no partial file left
    with Library.open(seeds_copy) as library:
        assert library.index().state() is None and len(library) == 514
    assert _sha(seeds_copy) == before


def test_read_paths_load_no_model_and_no_torch(seeds_library):
    code = ("import sys; from semdigest import Library; from semdigest.neighbors import related; "
            "library = Library.open(sys.argv[1], create=False); "
            "ids, matrix = library.vectors(); related(library, ids[0], k=3); library.papers(); "
            "print(sorted(m for m in ('torch', 'sklearn', 'sentence_transformers', 'onnxruntime', 'openvino') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code, str(seeds_library.path)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.slow
def test_vectors_from_elsewhere_are_checked_then_searchable(tmp_path):
    library = Library.open(tmp_path / "lib.sqlite")
    digest = read(digest_slice(DAILY / "2026-06-09.md", tmp_path / "2026-06-09.md", 12))
    library.add(digest)
    ids = [p.arxiv_id for p in digest.papers]
    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((12, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    with pytest.raises(LibraryError, match="dimension 128"):
        library.add_vectors(None, ids, vectors[:, :128])
    with pytest.raises(LibraryError, match="not unit length"):
        library.add_vectors(None, ids, vectors * 2)
    with pytest.raises(LibraryError, match="not in the library"):
        library.add_vectors(None, [*ids[:-1], "9999.99999"], vectors)
    assert library.vectors()[0] == []  # nothing half-added
    np.savez(tmp_path / "backlog.npz", ids=np.array(ids), vectors=vectors)
    library.close()
    result = run_cli("vectors", "add", tmp_path / "backlog.npz", "--library", tmp_path / "lib.sqlite")
    assert result.returncode == 0, result.stderr
    with Library.open(tmp_path / "lib.sqlite") as library:
        got_ids, got = library.vectors()
        assert got_ids == sorted(ids) and np.allclose(got[got_ids.index(ids[0])], vectors[0])
        assert related(library, ids[0], k=3)[0].score == pytest.approx(float(np.max(vectors[1:] @ vectors[0])), abs=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("n", [1, 2, 8])
def test_tiny_libraries_answer_related_search_and_the_day(tmp_path, n):
    path = tmp_path / "lib.sqlite"
    with Library.open(path) as library:
        library.ingest(read(digest_slice(DAILY / "2026-06-09.md", tmp_path / "2026-06-09.md", n)))
        first = library.vectors()[0][0]
        assert len(related(library, first, k=5)) == min(n - 1, 5)
        assert len(search(library, "language models", k=5)) == min(n, 5)
        assert seen_before(library, dt.date(2026, 6, 9)) == {}
    for args in (("related", first), ("search", "language models"), ("related", "--day", "2026-06-09")):
        result = run_cli(*args, "--library", path)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr


@pytest.mark.slow
def test_a_damaged_library_file_is_refused_for_writes_and_named_for_reads(tmp_path):
    path = tmp_path / "lib.sqlite"
    with Library.open(path) as library:
        library.ingest(read(digest_slice(SEED_000, tmp_path / "a.md", 40)))
        library.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(3 * page + 8, len(data) - page, 7 * page):  # scribble over several pages
        data[offset:offset + 64] = b"\xa5" * 64
    path.write_bytes(bytes(data))
    before = _sha(path)
    result = run_cli("ingest", digest_slice(SEED_000, tmp_path / "b.md", 45), "--library", path)
    assert result.returncode != 0 and "damaged" in result.stderr and "integrity_check" in result.stderr
    assert "Traceback" not in result.stderr and _sha(path) == before
    for args in (("related", "2602.04994"), ("search", "robots"), ("topics", "--since", "2026-01-01")):
        result = run_cli(*args, "--library", path)
        assert "Traceback" not in result.stderr, (args, result.stderr)
        assert result.returncode == 0 or "damaged" in result.stderr or "not a usable" in result.stderr


@pytest.mark.slow
@pytest.mark.skipif(not other_user_can_run(), reason="no unprivileged user can run this checkout's Python")
def test_a_read_only_folder_is_queried_and_a_new_library_there_is_a_clear_error(seeds_library, other_user_folder):
    folder = other_user_folder
    seeds_library.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(seeds_library.path, folder / "library.sqlite")
    for path in (folder, folder / "library.sqlite"):
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) | stat.S_IROTH | stat.S_IXOTH)
    try:
        result = run_cli_as_other_user("related", "2602.04994", "-k", "3", "--library", folder / "library.sqlite")
        assert result.returncode == 0 and "3 hits" in result.stdout, result.stderr
        result = run_cli_as_other_user("ingest", SEED_000, "--library", folder / "library.sqlite")
        assert result.returncode == 2 and "read-only" in result.stderr and "Traceback" not in result.stderr
        result = run_cli_as_other_user("ingest", SEED_000, "--library", folder / "new" / "library.sqlite")
        assert result.returncode == 2 and "cannot create a library" in result.stderr
        assert not (folder / "new").exists()
    finally:
        folder.chmod(0o755)


def test_a_library_path_that_is_a_folder_is_a_clear_error(tmp_path):
    result = run_cli("related", "2602.04994", "--library", tmp_path)
    assert result.returncode == 2 and "is a folder" in result.stderr and "Traceback" not in result.stderr


def test_a_cut_off_abstract_never_replaces_the_stored_one(tmp_path):
    library = Library.open(tmp_path / "lib.sqlite")
    digest = read(digest_slice(DAILY / "2026-06-09.md", tmp_path / "2026-06-09.md", 3))
    library.ingest(digest)
    full = digest.papers[0]
    cut = dataclasses.replace(full, abstract=full.abstract[: len(full.abstract) // 2], date=dt.date(2026, 6, 10))
    result = library.ingest(Digest("partial.md", dt.date(2026, 6, 10), "markdown", (cut,)))
    assert result.embedded == 0
    assert library.paper(full.arxiv_id).abstract == full.abstract
    library.close()
