"""Embedding backends with the real model: the quality gate itself, artifacts, and keys."""

from __future__ import annotations

from collections import Counter

import numpy as np
import onnx
import pytest

from semdigest.embedding import Embedder
from semdigest.embedding.calibration import (MIN_MEAN_COSINE, MIN_TOP10_OVERLAP, auto_backend, calibrate,
                                             quality_gate)
from semdigest.embedding.encoders import BACKENDS, REFERENCE
from semdigest.embedding.encoders.onnx import RECIPE, artifacts_dir
from semdigest.embedding.models import get_model
from semdigest.errors import ModelError
from semdigest.readers import read

from .conftest import SEED_000, SEED_004


@pytest.fixture(scope="module")
def seed_texts():
    spec = get_model()
    papers = [*read(SEED_004).papers, *read(SEED_000).papers[:88]]
    return [spec.document_text(p) for p in papers]  # 200 real abstracts


@pytest.fixture(scope="module")
def measured(seed_texts):
    return {m.backend: (m, v) for m, v in calibrate(get_model(), "cpu", seed_texts)}


def test_gate_thresholds_are_the_stated_ones():
    assert (MIN_MEAN_COSINE, MIN_TOP10_OVERLAP) == (0.99, 0.9)


def test_onnx_backends_pass_the_gate_against_torch_fp32(measured):
    reference = measured["torch-fp32"][1]
    for backend in ("onnx-fp32", "onnx-int8"):
        result, vectors = measured[backend]
        assert result.passed, result
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-3)
        assert quality_gate(reference, vectors).passed
    assert measured["onnx-fp32"][0].mean_cosine > 0.9999


def test_gate_rejects_damaged_embeddings(measured):
    reference = measured["torch-fp32"][1]
    rng = np.random.default_rng(0)
    noisy = reference + rng.normal(0, 0.02, reference.shape).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    result = quality_gate(reference, noisy)
    assert not result.passed and result.mean_cosine < MIN_MEAN_COSINE
    assert not quality_gate(reference, reference[rng.permutation(len(reference))]).passed


def test_onnx_artifacts_are_cached_with_their_revision_and_fused(measured):
    folder = artifacts_dir(get_model())
    assert (folder / "revision.txt").read_text().splitlines() == [get_model().revision, RECIPE]
    int8_ops = Counter(node.op_type for node in onnx.load(folder / "model-int8.onnx").graph.node)
    assert int8_ops["QAttention"] == 6 and "Where" not in int8_ops  # MiniLM's 6 layers, no SDPA guards
    assert (folder / "model-fp32.onnx").stat().st_size > 0


def test_an_int8_vector_depends_on_its_text_alone(seed_texts):
    embedder = Embedder(backend="onnx-int8", progress=False)
    text = seed_texts[5]
    alone = embedder.encode([text])[0]
    for others in (seed_texts[:5], seed_texts[40:80]):  # different batch-mates, lengths and order
        assert np.array_equal(embedder.encode([*others, text])[-1], alone)


def test_auto_and_gate_passing_backends_share_embeddings_others_do_not():
    """Whatever this CPU measured: a backend that passed the gate here shares the reference's
    key; one that failed or was never measured here gets a key of its own."""
    spec = get_model()
    base = f"minilm@{spec.revision}"
    best, passed = auto_backend(spec, "cpu")
    assert Embedder().key == Embedder(backend=REFERENCE).key == base
    assert Embedder().backend == best and passed[best]
    for backend in BACKENDS:
        expected = base if passed.get(backend) else f"{base}+{backend}"
        assert Embedder(backend=backend, device="cpu").key == expected, backend
    with pytest.raises(ModelError, match="unknown backend"):
        Embedder(backend="tpu-int4")
