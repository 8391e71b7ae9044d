"""After a backfill, the library's reference map is fitted afresh once, on the library with its
history (backfill/embed.py: refit_map), with the seed of the map it replaces: the map then shows
the backfilled papers as its own, and the same library gives the same map. Real model, real
papers, a real SQLite library."""

from __future__ import annotations

import dataclasses

import pytest

from semdigest.backfill.embed import embed_backlog, refit_map
from semdigest.backfill.run import store_source
from semdigest.backfill.sources import SnapshotSource
from semdigest.embedding import Embedder
from semdigest.library import Library
from semdigest.maps.reference import map_coordinates, rebuild_reference, reference_info
from semdigest.readers import read

from .arxiv_metadata import DIGESTS, snapshot_line

pytestmark = pytest.mark.slow  # embeds real papers with the model and fits UMAP layouts


def test_the_reference_map_is_refitted_once_on_the_history_with_its_seed(tmp_path):
    papers = [p for p in read(DIGESTS / "daily" / "2026-06-05.md").papers if p.categories]
    digest, history = papers[:30], papers[30:90]
    embedder = Embedder(backend="torch-fp32", device="cpu", progress=False)
    snapshot = tmp_path / "history.json"
    snapshot.write_text("".join(snapshot_line(p) + "\n" for p in history))
    with Library.open(tmp_path / "library.sqlite") as library:
        library.ingest(dataclasses.replace(read(DIGESTS / "daily" / "2026-06-05.md"), papers=tuple(digest)), embedder)
        rebuild_reference(library, embedder, seed=7)  # a map of the collected days only, with its own seed
        before = reference_info(library, embedder)
        assert before["papers"] == len(digest)
        store_source(library, SnapshotSource(snapshot))
        assert embed_backlog(library, embedder).embedded == len(history)
        info = refit_map(library, embedder)
        assert info["library_papers"] == info["papers"] == len(digest) + len(history)
        assert info["seed"] == 7 and info["version"] == before["version"] + 1
        drawn = map_coordinates(library, [p.arxiv_id for p in history], embedder)
        assert drawn["anchor"].all() and len(drawn) == len(history)  # fitted in the layout, not placed on it
        points = library.store.map_points(embedder.key)
        again = refit_map(library, embedder)  # the same library and seed: the same map
        assert again["version"] == info["version"] + 1
        assert library.store.map_points(embedder.key) == points


def test_no_map_is_fitted_before_two_papers_have_vectors(tmp_path):
    embedder = Embedder(backend="torch-fp32", device="cpu", progress=False)
    with Library.open(tmp_path / "library.sqlite") as library:
        assert refit_map(library, embedder) is None and reference_info(library, embedder) is None
