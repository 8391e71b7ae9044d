"""The store's numbered migrations and the index factory, on real library files with the real
seeds vectors: a library written by the previous release (no record of migrations) is brought up
to date once and keeps every row; open_index picks the store's own index, and the exact kind
ranks like it where that one is exact."""

from __future__ import annotations

import sqlite3

import pytest

from semdigest.index import ExactStoreIndex, open_index
from semdigest.index.segmented import SegmentedIndex
from semdigest.library import Library
from semdigest.neighbors import related
from semdigest.records import PaperFilter
from semdigest.store.schema import MIGRATIONS



def _migrations(path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT name, applied FROM migrations ORDER BY name").fetchall()


def test_a_library_of_the_previous_release_is_migrated_once_and_keeps_every_row(seeds_copy, seeds_library):
    with sqlite3.connect(seeds_copy) as conn:  # as the previous release wrote it: no migrations table
        conn.execute("DROP TABLE migrations")
    with Library.open(seeds_copy) as library:
        assert len(library) == len(seeds_library) == 514 and library.store.models() == seeds_library.store.models()
        assert library.store.get_meta("library_id") == seeds_library.store.get_meta("library_id")
        assert [h.arxiv_id for h in related(library, "2602.04994", k=5)] == \
            [h.arxiv_id for h in related(seeds_library, "2602.04994", k=5)]
    applied = _migrations(seeds_copy)
    assert [name for name, _ in applied] == sorted(m.__name__ for m in MIGRATIONS)
    Library.open(seeds_copy).close()
    assert _migrations(seeds_copy) == applied  # each one ran once


def test_open_index_picks_the_stores_index_and_the_exact_kind_ranks_alike(seeds_copy):
    with Library.open(seeds_copy) as library:
        key = library.embedder().key
        assert isinstance(open_index(library.store, key, 384), SegmentedIndex)
        exact = open_index(library.store, key, 384, kind="exact")
        assert isinstance(exact, ExactStoreIndex)
        ids, matrix = library.vectors()
        where = PaperFilter(categories=("cs.LG",))
        exclude = [{i} for i in ids[:20]]
        found = exact.search(matrix[:20], 5, where, exclude)
        assert found == library.index().search(matrix[:20], 5, where, exclude)  # a filter this narrow: exact
        assert all(len(hits) == 5 and not {i for i, _ in hits} & skip for hits, skip in zip(found, exclude))
        with pytest.raises(ValueError, match="no vector index of kind 'annoy'"):
            open_index(library.store, key, 384, kind="annoy")
