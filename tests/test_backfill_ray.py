"""The backlog embedded on a real local Ray cluster (one pool of two embedder actors for every
batch) gives the vectors local embedding gives: the same model key, cosine >= 0.999,
written back through Library.add_vectors. Needs the `cluster` extra (ray)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from semdigest.backfill.embed import embed_backlog
from semdigest.backfill.engines import ray_vectors
from semdigest.backfill.run import store_source
from semdigest.backfill.sources import SnapshotSource
from semdigest.embedding import Embedder
from semdigest.library import Library
from semdigest.neighbors import related

from .arxiv_metadata import real_papers, snapshot_line

ray = pytest.importorskip("ray", reason="the Ray tests need the cluster extra: pip install 'semdigest[cluster]'")
pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cluster(monkeypatch):
    """A local Ray cluster of two CPUs; its workers import this checkout's semdigest."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=200 * 2**20)
    yield
    ray.shutdown()


def test_ray_actors_embed_the_backlog_as_local_embedding_does(cluster, tmp_path):
    papers = [p for p in real_papers() if p.categories][:48]
    path = tmp_path / "s.json"
    path.write_text("".join(snapshot_line(p) + "\n" for p in papers))
    embedder = Embedder(backend="torch-fp32", device="cpu", progress=False)
    with Library.open(tmp_path / "lib.sqlite") as library:
        store_source(library, SnapshotSource(path))
        result = embed_backlog(library, embedder, engine="ray", batch_size=16, workers=2)
        assert result.embedded == len(papers) and result.model == embedder.key
        ids, matrix = library.vectors(embedder)
        assert sorted(ids) == sorted(p.arxiv_id for p in papers)
        stored = library.store.get_papers(ids)
        local = embedder.encode([embedder.spec.document_text(stored[i]) for i in ids])
        cosine = np.sum(matrix * local, axis=1)
        assert cosine.min() >= 0.999
        assert embed_backlog(library, embedder, engine="ray").embedded == 0  # nothing left to embed
        hits = related(library, ids[0], k=3, model=embedder)
        assert len(hits) == 3


def test_ray_vectors_keep_every_id_with_its_own_vector_in_batch_order(cluster):
    embedder = Embedder(backend="torch-fp32", device="cpu", progress=False)
    texts = [f"{p.title}. {p.abstract}" for p in real_papers()[:20]]
    ids = [f"id{n}" for n in range(20)]
    # more batches than the pool holds in flight (2 actors x 1): they queue, and come back in order
    batches = [(ids[i:i + 3], texts[i:i + 3]) for i in range(0, 20, 3)]
    out = list(ray_vectors(embedder, iter(batches), workers=2, queued=1))
    assert [chunk for chunk, _ in out] == [chunk for chunk, _ in batches]
    got = {i: row for chunk, matrix in out for i, row in zip(chunk, matrix)}
    local = embedder.encode(texts)
    assert min(float(got[i] @ local[n]) for n, i in enumerate(ids)) >= 0.999
