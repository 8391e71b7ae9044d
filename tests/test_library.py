"""The library with the real model and real digests: dedup, reuse, quality, crashes, concurrency."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from semdigest.errors import LibraryError, ModelError
from semdigest.library import Library
from semdigest.neighbors import related, search, seen_before
from semdigest.readers import read

from .conftest import DAILY, SEED_000, SEED_004
from .helpers import digest_slice, run_cli, same_category_precision

pytestmark = pytest.mark.slow  # each test embeds real digests with the model or runs it in a subprocess


def test_seeds_neighbour_quality_floor(seeds_library):
    ids, matrix = seeds_library.vectors()
    assert len(ids) == 514
    categories = dict(zip(*seeds_library.papers()[["arxiv_id", "primary_category"]].to_numpy().T))
    assert same_category_precision(ids, matrix, categories, k=1) >= 0.66
    assert same_category_precision(ids, matrix, categories, k=10) >= 0.58


def test_related_and_search_explain_their_hits(seeds_library):
    hits = related(seeds_library, "2602.04994", k=5)
    assert len(hits) == 5 and "2602.04994" not in [h.arxiv_id for h in hits]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.shared_terms for h in hits[:2])
    found = search(seeds_library, "tactile sensing for robot manipulation", k=5)
    assert any("actile" in h.title for h in found)
    cv_only = related(seeds_library, "2602.04994", k=20, categories=["cs.CV"])
    assert all("cs.CV" in seeds_library.paper(h.arxiv_id).categories for h in cv_only)


def test_seen_before_gives_earlier_papers_explained_unless_asked_not_to(tmp_path):
    with Library.open(tmp_path / "library.sqlite") as library:
        for day in ("2026-06-10", "2026-06-11"):
            library.ingest(read(digest_slice(DAILY / f"{day}.md", tmp_path / f"{day}.md", 40)))
        later = dt.date(2026, 6, 11)
        explained = seen_before(library, later, k=3)
        plain = seen_before(library, later, k=3, explain=False)  # what the day report asks for
    assert explained and explained.keys() == plain.keys()
    for arxiv_id, hits in explained.items():
        assert [(h.arxiv_id, h.score) for h in hits] == [(h.arxiv_id, h.score) for h in plain[arxiv_id]]
        assert len(hits) == 3 and all(h.date < later.isoformat() for h in hits)
    assert any(h.shared_terms for hits in explained.values() for h in hits)
    assert not any(h.shared_terms for hits in plain.values() for h in hits)


def test_weekend_copies_are_one_paper_and_never_reembedded(tmp_path):
    library = Library.open(tmp_path / "lib.sqlite")
    friday = library.ingest(read(DAILY / "2026-06-12.md"))
    assert (friday.new, friday.embedded) == (250, 250)
    for day in ("2026-06-13", "2026-06-14"):
        copy = library.ingest(read(DAILY / f"{day}.md"))
        assert (copy.new, copy.embedded, copy.reused) == (0, 0, 250)
        assert copy.updated == 250  # the generator rewrote every summary
    frame = library.papers()
    assert len(frame) == 250
    assert all(d == ["2026-06-12", "2026-06-13", "2026-06-14"] for d in frame["dates"])
    assert set(frame["first_seen"]) == {dt.date(2026, 6, 12)}
    newest = {p.arxiv_id: p.tldr for p in read(DAILY / "2026-06-14.md")}
    assert all(newest[i] == t for i, t in zip(frame["arxiv_id"], frame["tldr"]))
    again = library.ingest(read(DAILY / "2026-06-12.md"))  # an older digest must not win
    assert (again.new, again.embedded, again.updated) == (0, 0, 0)
    assert list(library.papers()["tldr"]) == list(frame["tldr"])
    assert len(library.papers(date=dt.date(2026, 6, 13))) == 250


CRASH = textwrap.dedent("""
    import os, signal, sys
    from semdigest.library import Library
    from semdigest.store import sqlite as store
    from semdigest.readers import read
    library = Library.open(sys.argv[1])
    write_vectors = store.SQLiteStore.put_vectors
    def write_then_die(self, *args):
        write_vectors(self, *args)          # papers and vectors written, not committed
        os.kill(os.getpid(), signal.SIGKILL)
    store.SQLiteStore.put_vectors = write_then_die
    library.ingest(read(sys.argv[2]))
""")


def _integrity(path) -> tuple[int, int, int, int]:
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("papers", "appearances", "vectors", "paper_vectors"))


def test_kill_mid_ingest_leaves_library_as_before(tmp_path):
    path = tmp_path / "lib.sqlite"
    first = digest_slice(SEED_004, tmp_path / "a.md", 6)
    second = digest_slice(SEED_000, tmp_path / "b.md", 8)
    with Library.open(path) as library:
        library.ingest(read(first))
    before = _integrity(path)
    killed = subprocess.run([sys.executable, "-c", CRASH, str(path), str(second)], capture_output=True)
    assert killed.returncode == -9
    assert _integrity(path) == before == (6, 6, 6, 6)
    with Library.open(path) as library:
        assert len(library) == 6 and len(library.vectors()[0]) == 6
        result = library.ingest(read(second))
        assert (result.new, result.embedded) == (8, 8)
    assert _integrity(path) == (14, 14, 14, 14)


def test_two_concurrent_ingests_both_land(tmp_path):
    path = tmp_path / "lib.sqlite"
    slices = [digest_slice(SEED_004, tmp_path / "a.md", 12), digest_slice(SEED_000, tmp_path / "b.md", 12)]
    procs = [subprocess.Popen([sys.executable, "-m", "semdigest", "ingest", str(s), "--library", str(path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for s in slices]
    outcomes = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outcomes
    assert _integrity(path) == (24, 24, 24, 24)


def _digest_of(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_foreign_and_corrupt_files_are_refused_and_untouched(tmp_path):
    foreign = tmp_path / "other.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"this is a text file, not a library\n" * 10)
    for path in (foreign, corrupt):
        before = _digest_of(path)
        with pytest.raises(LibraryError, match="not a semdigest library"):
            Library.open(path)
        result = run_cli("related", "2602.04994", "--library", path)
        assert result.returncode == 2 and "not a semdigest library" in result.stderr
        assert "Traceback" not in result.stderr
        assert _digest_of(path) == before


def test_unknown_model_and_unknown_id_are_clear_errors(seeds_library):
    with pytest.raises(ModelError, match="unknown model 'nope'"):
        related(seeds_library, "2602.04994", model="nope")
    with pytest.raises(LibraryError, match="2612.99999 is not in the library"):
        related(seeds_library, "2612.99999")
    for args in (("related", "2612.99999"), ("search", "x", "--model", "nope")):
        result = run_cli(*args, "--library", seeds_library.path)
        assert result.returncode == 2 and "semdigest: error:" in result.stderr
        assert "Traceback" not in result.stderr


def test_missing_library_for_queries_says_what_to_do(tmp_path):
    result = run_cli("related", "2602.04994", "--library", tmp_path / "none.sqlite")
    assert result.returncode == 2 and "semdigest ingest" in result.stderr
