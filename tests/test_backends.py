"""Embedding backends with the real model: the quality gate itself, artifacts, and keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import numpy as np
import onnx
import pytest

from semdigest.embedding import Embedder
from semdigest.data import read_text as packaged_text
from semdigest.embedding.calibration import (MIN_MEAN_COSINE, MIN_TOP10_OVERLAP, SAMPLE, auto_backend, calibrate,
                                             packaged_reference, quality_gate)
from semdigest.embedding.encoders import BACKENDS, CALIBRATION_TEXTS, REFERENCE, load
from semdigest.embedding.encoders.onnx import RECIPE
from semdigest.embedding.encoders.onnx import artifacts_dir as onnx_artifacts
from semdigest.embedding.encoders.openvino import RECIPE as OPENVINO_RECIPE
from semdigest.embedding.encoders.openvino import _openvino
from semdigest.embedding.encoders.openvino import artifacts_dir as openvino_artifacts
from semdigest.embedding.models import get_model
from semdigest.errors import ModelError
from semdigest.readers import read

from .conftest import DAILY, SEED_000, SEED_004
from .helpers import digest_slice, run_cli

pytestmark = pytest.mark.slow  # each test embeds real digests with the model or runs it in a subprocess


@pytest.fixture(scope="module")
def seed_texts():
    spec = get_model()
    papers = [*read(SEED_004).papers, *read(SEED_000).papers[:88]]
    return [spec.document_text(p) for p in papers]  # 200 real abstracts


@pytest.fixture(scope="module")
def measured(seed_texts):
    backends = (REFERENCE, "openvino-fp32", "openvino-int8", "onnx-fp32", "onnx-int8")  # auto's and on request
    return {m.backend: (m, v) for m, v in calibrate(get_model(), "cpu", seed_texts, backends)}


def test_gate_thresholds_are_the_stated_ones():
    assert (MIN_MEAN_COSINE, MIN_TOP10_OVERLAP) == (0.99, 0.9)


def test_exported_backends_pass_the_gate_against_torch_fp32(measured):
    reference = measured["torch-fp32"][1]
    for backend in ("openvino-fp32", "openvino-int8", "onnx-fp32", "onnx-int8"):
        result, vectors = measured[backend]
        assert result.passed, result
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-3)
        assert quality_gate(reference, vectors).passed
    assert measured["onnx-fp32"][0].mean_cosine > 0.9999 and measured["openvino-fp32"][0].mean_cosine > 0.9999


def test_gate_rejects_damaged_embeddings(measured):
    reference = measured["torch-fp32"][1]
    rng = np.random.default_rng(0)
    noisy = reference + rng.normal(0, 0.02, reference.shape).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    result = quality_gate(reference, noisy)
    assert not result.passed and result.mean_cosine < MIN_MEAN_COSINE
    assert not quality_gate(reference, reference[rng.permutation(len(reference))]).passed


def test_onnx_artifacts_are_cached_with_their_revision_and_fused(measured):
    folder = onnx_artifacts(get_model())
    assert (folder / "revision.txt").read_text().splitlines() == [get_model().revision, RECIPE]
    int8_ops = Counter(node.op_type for node in onnx.load(folder / "model-int8.onnx").graph.node)
    assert int8_ops["QAttention"] == 6 and "Where" not in int8_ops  # MiniLM's 6 layers, no SDPA guards
    assert (folder / "model-fp32.onnx").stat().st_size > 0


def test_openvino_artifacts_are_cached_with_their_revision_and_int8_is_static(measured):
    folder = openvino_artifacts(get_model())
    assert (folder / "revision.txt").read_text().splitlines() == [get_model().revision, OPENVINO_RECIPE]
    core = _openvino().Core()
    int8_ops = Counter(op.get_type_name() for op in core.read_model(folder / "model-int8.xml").get_ops())
    fp32_ops = Counter(op.get_type_name() for op in core.read_model(folder / "model-fp32.xml").get_ops())
    assert int8_ops["FakeQuantize"] >= 36 and not fp32_ops["FakeQuantize"]  # 6 layers x 6 MatMuls at least
    assert not list(folder.glob("*.partial*"))  # written whole, then renamed


@pytest.mark.parametrize("backend", ["openvino-int8", "onnx-int8"])
def test_an_int8_vector_depends_on_its_text_alone(seed_texts, backend):
    embedder = Embedder(backend=backend, progress=False)
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


# A command in a new process, then which heavy runtimes it imported (on stderr, after its own output).
_LOADED = ("import sys; from semdigest.cli import main; status = main(sys.argv[1:]); "
           "print('loaded:', sorted(m for m in ('torch', 'sentence_transformers') if m in sys.modules), "
           "file=sys.stderr); sys.exit(status)")


def _imports(*args, env) -> str:
    ran = subprocess.run([sys.executable, "-c", _LOADED, *map(str, args)], capture_output=True, text=True,
                         timeout=300, env={**os.environ, **env})
    assert ran.returncode == 0, ran.stderr[-2000:]
    return ran.stderr.strip().splitlines()[-1]


@pytest.mark.slow
def test_queries_never_import_torch_even_when_torch_made_the_library(tmp_path):
    """The first ingest (torch-fp32 here) leaves the OpenVINO query encoder ready; search, rank and
    interests then encode with it, the vectors' key shared by definition (both pass the gate)."""
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}  # no export yet: the ingest must make it
    library = tmp_path / "library.sqlite"
    earlier = digest_slice(DAILY / "2026-06-08.md", tmp_path / "2026-06-08.md", 8)  # rank's background
    digest = digest_slice(DAILY / "2026-06-09.md", tmp_path / "2026-06-09.md", 8)
    ran = run_cli("ingest", earlier, digest, "--library", library, "--backend", "torch-fp32", env=env)
    assert ran.returncode == 0, ran.stderr
    assert list((tmp_path / "data").rglob("model-fp32.xml"))
    first = read(earlier).papers[0].arxiv_id
    assert run_cli("interests", "add", "mine", first, "--library", library, env=env).returncode == 0
    for args in (("interests", "describe", "mine", "diffusion models for images"),
                 ("search", "diffusion models for images", "-k", "3"),
                 ("rank", "--date", "2026-06-09", "--interest", "mine", "-k", "3"),
                 ("interests", "list")):
        assert _imports(*args, "--library", library, env=env) == "loaded: []", args


@pytest.mark.slow
def test_the_light_query_encoder_meets_torch_made_vectors_as_their_own():
    """A fresh Embedder encodes queries with OpenVINO: fp32 (exact) for a torch-fp32 library, auto's
    choice here for an auto one; either is within the gate of what torch-fp32 gives."""
    torch_made = Embedder(backend="torch-fp32", device="cpu")
    queries = ["graph neural networks for molecules", "a survey of retrieval-augmented generation"]
    reference = torch_made.encode([torch_made.spec.query_text(q) for q in queries])
    exact, auto = Embedder(backend="torch-fp32", device="cpu"), Embedder(device="cpu")
    for light in (exact, auto):
        assert light.key == torch_made.key
        assert type(light.light_encoder).__name__ == "OpenVinoBackend"
    assert np.sum(reference * exact.encode_queries(queries), axis=1).min() > 0.9999  # the same fp32 graph
    # auto's choice (int8 where it passed) is held to the gate's own rule: the mean cosine
    assert np.sum(reference * auto.encode_queries(queries), axis=1).mean() >= MIN_MEAN_COSINE
    asked = Embedder(backend="onnx-int8", device="cpu")  # an exported backend asked for encodes its own queries
    assert type(asked.light_encoder).__name__ == "OnnxBackend"
    assert np.sum(reference * asked.encode_queries(queries), axis=1).mean() >= MIN_MEAN_COSINE


def test_the_packaged_gate_reference_is_what_torch_fp32_gives_here():
    spec = get_model()
    texts = packaged_text(CALIBRATION_TEXTS).splitlines()[:SAMPLE]
    packaged = packaged_reference(spec, texts)
    assert packaged is not None and packaged.shape == (SAMPLE, spec.dimension)
    fresh = load(spec, REFERENCE, "cpu").encode(texts, 32, False)
    assert np.sum(packaged * fresh, axis=1).min() > 0.99999
    assert packaged_reference(spec, texts[1:] + texts[:1]) is None  # other texts: torch measures them


def test_a_first_measurement_imports_no_torch_and_converts_the_model_without_it(tmp_path):
    """A new user's first run: the OpenVINO models are made from the weights and the gate is held
    to the packaged reference, so neither torch nor sentence-transformers is imported."""
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    assert _imports("backends", "--measure", env=env) == "loaded: []"
    assert list((tmp_path / "data").rglob("model-int8.xml")) and list((tmp_path / "cache").rglob("*.json"))
    shown = run_cli("backends", "--json", env=env)
    reference = json.loads(shown.stdout)["backends"][0]
    assert reference == {"backend": REFERENCE, "papers_per_second": None, "mean_cosine": 1.0,
                         "top10_overlap": 1.0, "passed": True}


@pytest.mark.slow
def test_backends_shows_what_was_measured_and_measure_measures_again():
    measured = run_cli("backends", "--measure", "--json")
    assert measured.returncode == 0, measured.stderr
    fresh = json.loads(measured.stdout)
    shown = run_cli("backends", "--json")
    assert shown.returncode == 0 and json.loads(shown.stdout) == fresh  # remembered, not measured again
    assert [m["backend"] for m in fresh["backends"]][0] == REFERENCE and fresh["texts"] == 64
    chosen = next(m for m in fresh["backends"] if m["backend"] == fresh["chosen"])
    assert chosen["passed"] and chosen["papers_per_second"] == max(
        m["papers_per_second"] for m in fresh["backends"] if m["passed"] and m["papers_per_second"] is not None)
    assert Embedder(device="cpu").backend == fresh["chosen"]
    table = run_cli("backends")
    assert f"{fresh['chosen']}" in table.stdout and "<- auto" in table.stdout and "--measure" in table.stderr
