"""The OpenVINO encoder, on the CPU: the model made once from its local weights (bert_graph.py
writes a plain BERT directly; others are traced from torch), mean pooling and L2 normalisation
inside the graph, quantised to int8 by NNCF, kept as OpenVINO IR beside the user's data.

int8 is static: NNCF's transformer recipe (SmoothQuant, per-channel weights, fast bias correction)
calibrates every activation's scale once, on packaged texts the quality gate does not measure.
So a text's vector does not depend on its batch-mates (ONNX Runtime's dynamic int8 had to run one
text at a time for that), and the CPU's int8 units (VNNI, AMX) run batches of four: 3.0-3.2x
plain sentence-transformers fp32 on an AVX-512 VNNI Xeon, where onnx-int8 gave 1.96x.

openvino's converter and NNCF start Google Analytics telemetry when imported (a client id written
to ~/intel, events sent on conversion): both are imported with the telemetry package hidden, so
each falls back to its own no-op stub.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from ...config import data_dir
from ...data import read_text as packaged_text
from ..models import ModelSpec
from . import CALIBRATION_TEXTS, GATE_SAMPLE
from .bert_graph import bert_graph, is_plain_bert
from .token_batches import INPUTS, TokenBatchEncoder, encode_with_bar, load_tokenizer, token_feeds
from .torch import pooled_model, quiet_transformers, usable_cores

_log = logging.getLogger(__name__)

# How the OpenVINO backends are made and run; artifacts and auto's measurements are cached per recipe.
RECIPE = "openvino 2: BERT written from safetensors (else traced from torch), nncf int8 transformer preset, 32 packaged texts after the gate's"
# Texts int8 is calibrated on: 32 did as well on the gate as 96 (mean cosine 0.9971 / top-10 overlap
# 0.950 against 0.9972 / 0.947, measured side by side) in a third of the time, paid once.
CALIBRATION_SIZE = 32


@contextlib.contextmanager
def _hidden(*modules: str) -> Iterator[None]:
    """While importing: ``modules`` not yet imported look absent (`import` raises ImportError)."""
    hidden = [name for name in modules if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None
    try:
        yield
    finally:
        for name in hidden:
            del sys.modules[name]


def _telemetry_hidden():
    return _hidden("openvino_telemetry")


def _openvino():
    with _telemetry_hidden():
        import openvino
    return openvino


def artifacts_dir(spec: ModelSpec) -> Path:
    """IR files of one model revision, beside the user's data; a new revision or recipe gets a new folder."""
    tag = hashlib.sha256(f"{spec.revision}\n{RECIPE}".encode()).hexdigest()[:12]
    return data_dir() / "openvino" / f"{spec.name}-{tag}"


def openvino_model(spec: ModelSpec, precision: str) -> Path:
    """The converted (and, for int8, quantised) model, made once from the local weights."""
    folder = artifacts_dir(spec)
    fp32 = folder / "model-fp32.xml"
    if not fp32.exists():
        _log.info("semdigest: converting %s to OpenVINO (once per model revision)…", spec.name)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "revision.txt").write_text(f"{spec.revision}\n{RECIPE}\n", encoding="utf-8")
        _save(convert(spec.weights_path()), fp32)
    if precision == "fp32":
        return fp32
    int8 = folder / "model-int8.xml"
    if not int8.exists():
        _log.info("semdigest: quantising %s to int8 for OpenVINO (once per model revision)…", spec.name)
        _save(quantize(fp32, spec), int8)
    return int8


def convert(weights: Path):
    """The model as an OpenVINO graph: written directly from the weights for a plain BERT (no torch,
    a third of a second), else traced from torch (its SDPA attention becomes OpenVINO's fused
    attention op); no network."""
    ov = _openvino()
    if is_plain_bert(weights):
        return bert_graph(ov, weights)
    import torch

    model = pooled_model(weights, attention="sdpa")
    sample = {name: torch.ones(2, 8, dtype=torch.long) for name in INPUTS}
    with warnings.catch_warnings(), torch.no_grad(), _telemetry_hidden(), quiet_transformers():
        warnings.simplefilter("ignore")  # tracer warnings about Python control flow in the model
        return ov.convert_model(model, example_input=sample,
                                input=[(name, [-1, -1], ov.Type.i64) for name in INPUTS])


def quantize(fp32: Path, spec: ModelSpec):
    """Static int8 by NNCF's post-training quantisation, calibrated one text at a time on the
    packaged texts the gate does not use. NNCF's progress bars (to stdout) and log are muted."""
    # NNCF imports torch and onnx, when installed, for their tensor functions and to ask whether
    # the model is one of theirs (2 s): an OpenVINO model never is, and a process that has not
    # imported them does not import them for NNCF.
    with _hidden("openvino_telemetry", "torch", "onnx"):
        import nncf

    ov = _openvino()
    texts = packaged_text(CALIBRATION_TEXTS).splitlines()[GATE_SAMPLE:GATE_SAMPLE + CALIBRATION_SIZE]
    tokenizer = load_tokenizer(spec.weights_path(), spec.max_seq_length)
    feeds = [feed for _, feed in token_feeds(tokenizer, texts, tokens_per_batch=1)]
    with _nncf_muted(), _hidden("torch", "onnx"):
        return nncf.quantize(ov.Core().read_model(fp32), nncf.Dataset(feeds), subset_size=len(feeds),
                             model_type=nncf.ModelType.TRANSFORMER)


@contextlib.contextmanager
def _nncf_muted() -> Iterator[None]:
    """For the call only: NNCF's logger (a stdout handler of its own) off, and its rich progress
    bars, which write to sys.stdout, into a buffer that is dropped."""
    logger = logging.getLogger("nncf")
    disabled = logger.disabled
    logger.disabled = True
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        logger.disabled = disabled


def _save(model, target: Path) -> None:
    """Write ``target`` (.xml) and its weights (.bin) so a reader never finds half a model: the
    .bin first, the .xml (what the cache looks for) last."""
    ov = _openvino()
    partial = target.with_name(f"{target.stem}.{os.getpid()}.partial.xml")
    ov.save_model(model, str(partial), compress_to_fp16=False)
    partial.with_suffix(".bin").replace(target.with_suffix(".bin"))
    partial.replace(target)


class OpenVinoBackend:
    """The encoder protocol over OpenVINO's CPU plugin, the IR made on first use; a bar through tqdm."""

    def __init__(self, spec: ModelSpec, precision: str):
        ov = _openvino()
        core = ov.Core()
        # fp32 means fp32: on CPUs with bf16 units the plugin would otherwise run f32 models in bf16
        config = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": usable_cores(),
                  "INFERENCE_PRECISION_HINT": "f32"}
        compiled = core.compile_model(core.read_model(str(openvino_model(spec, precision))), "CPU", config)
        request = compiled.create_infer_request()
        self.encoder = TokenBatchEncoder(spec.weights_path(), spec.max_seq_length,
                                         lambda feed: request.infer(feed)[0].copy())

    def encode(self, texts: Sequence[str], batch_size: int, progress: bool) -> np.ndarray:
        return encode_with_bar(self.encoder, texts, progress)
