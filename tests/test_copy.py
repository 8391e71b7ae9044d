"""`semdigest library copy`: SQLite -> PostgreSQL -> SQLite with nothing lost (counts and a
checksum compared before the copy commits), into empty libraries only."""

from __future__ import annotations

import uuid

from semdigest.store.copy import summary
from semdigest.records import Interest
from semdigest.library import Library
from semdigest.neighbors import related

from .helpers import run_cli


def test_sqlite_to_postgres_and_back_loses_nothing(seeds_library, postgres_server, tmp_path):
    source = str(tmp_path / "source.sqlite")
    assert run_cli("library", "copy", str(seeds_library.path), source).returncode == 0
    mine = Interest("mine", papers=("2602.04994",), descriptions=("optimal transport",))
    with Library.open(source) as library:
        library.save_interest(mine)
    server_url = postgres_server.url(f"t_{uuid.uuid4().hex[:8]}")
    back = str(tmp_path / "back.sqlite")
    for src, dst in ((source, server_url), (server_url, back)):
        result = run_cli("library", "copy", src, dst)
        assert result.returncode == 0 and "equal on both sides" in result.stderr, result.stderr
    models = list(seeds_library.store.models())
    want = summary(seeds_library.store, models)
    assert want[0]["papers"] == 514
    for location in (server_url, back):
        with Library.open(location, create=False) as library:
            assert summary(library.store, models) == want
            assert [h.arxiv_id for h in related(library, "2602.04994", k=5)] == \
                [h.arxiv_id for h in related(seeds_library, "2602.04994", k=5)]
            assert library.interest("mine") == mine
    again = run_cli("library", "copy", source, server_url)
    assert again.returncode == 2 and "copy into an empty library" in again.stderr
    assert "Traceback" not in again.stderr


def test_a_copy_into_postgres_builds_a_valid_hnsw_index_that_answers(seeds_library, postgres_server):
    """The vectors go in without the index, which is built once at the end of the copy's transaction:
    it must exist, be valid, and answer the graph search like exact search; REINDEX works too."""
    import numpy as np

    from semdigest.cli.copy import copy_library
    from semdigest.index import open_index

    url = postgres_server.url(f"t_{uuid.uuid4().hex[:8]}")
    with Library.open(url) as target:
        copy_library(seeds_library, target)
    with Library.open(url, create=False) as library:
        key = library.embedder().key
        index = open_index(library.store, key, 384)
        valid, definition = index.definition()
        assert valid and "hnsw" in definition and "vector(384)" in definition
        index.check()
        library.check()
        graph = Library(library.store, index_options={"exact_limit": 0})  # through the graph, not exact
        ids, matrix = library.vectors()
        for row in range(0, len(ids), 37):
            scores = matrix @ matrix[row]
            scores[row] = -np.inf
            exact = [ids[i] for i in np.lexsort((np.arange(len(ids)), -scores))[:5]]
            assert [h.arxiv_id for h in related(graph, ids[row], k=5)] == exact
        assert "HNSW index" in library.rebuild_index()
        index.check()
