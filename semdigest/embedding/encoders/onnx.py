"""The ONNX encoder, on the CPU: export a sentence-transformers model once, offline, from its
local weights (mean pooling and L2 normalisation inside the graph), fuse it, quantise it to int8,
keep the files beside the user's data, and run them with ONNX Runtime.

The export uses eager attention: the SDPA path traces into Where/IsNaN guards over every
attention matrix, which cost 20% of the int8 run time. ONNX Runtime's BERT fusion then turns
each layer's attention into one Attention op, which int8 quantisation turns into QAttention
(1.3-1.5x over the unfused int8 graph, measured side by side). int8 is dynamic and per-channel on
the weights: default per-tensor quantisation was measured to damage MiniLM's embeddings (mean
cosine 0.91 to fp32); per-channel keeps 0.99.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ...config import data_dir
from ..models import ModelSpec
from .token_batches import INPUTS, TOKENS_PER_BATCH, TokenBatchEncoder, encode_with_bar
from .torch import pooled_model, usable_cores

_log = logging.getLogger(__name__)

# How the ONNX backends are made and run; artifacts and auto's measurements are cached per recipe.
RECIPE = "eager-attention, bert-fusion, int8 per-channel MatMul+Attention, int8 one text per run"


def export(weights: Path, target: Path) -> Path:
    """Write ``target`` (fused fp32 ONNX) from local sentence-transformers weights; no network."""
    import torch

    model = pooled_model(weights, attention="eager")
    sample = torch.ones(2, 8, dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS} | {"embedding": {0: "batch"}}
    partial = target.with_suffix(f".{os.getpid()}.partial")  # concurrent processes never share one
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about Python control flow in the model
        torch.onnx.export(model, (sample, sample, torch.zeros_like(sample)), str(partial),
                          input_names=list(INPUTS), output_names=["embedding"], dynamic_axes=axes,
                          opset_version=17, dynamo=False)
    _fuse(partial, json.loads((weights / "config.json").read_text(encoding="utf-8")))
    partial.replace(target)  # never leave a half-written model where the cache looks
    return target


def _fuse(path: Path, config: dict) -> None:
    """Fuse attention, LayerNorm and GELU in place. A model the BERT patterns do not match stays
    unfused and still correct; the quality gate judges every backend anyway."""
    from onnxruntime.transformers import optimizer

    fused = optimizer.optimize_model(str(path), model_type="bert", opt_level=0,
                                     num_heads=config.get("num_attention_heads", 0),
                                     hidden_size=config.get("hidden_size", 0))
    fused.save_model_to_file(str(path))


def quantize(source: Path, target: Path) -> Path:
    """Dynamic int8, per-channel weights, for the MatMuls and fused Attention ops."""
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    partial = target.with_suffix(f".{os.getpid()}.partial")  # concurrent processes never share one
    with _quiet_root_logger():  # its "consider pre-processing" advice on every run
        quantize_dynamic(str(source), str(partial), per_channel=True, op_types_to_quantize=["MatMul", "Attention"],
                         weight_type=QuantType.QInt8,
                         # fused ops are outside ONNX shape inference, so their outputs' type is stated
                         extra_options={"DefaultTensorType": TensorProto.FLOAT})
    partial.replace(target)
    return target


@contextmanager
def _quiet_root_logger() -> Iterator[None]:
    """onnxruntime.quantization logs through the root logger's module functions (logging.warning),
    which also give a root with no handler a stderr one (basicConfig). For the call only: records
    logged on the root itself are dropped (other loggers' records, which propagate past the
    root's filters, still reach the root's handlers) and the root has a handler; then put back."""
    root, handler = logging.getLogger(), logging.NullHandler()
    drop = logging.Filter("-")  # a name no record has: every record logged on the root is dropped
    root.addFilter(drop)
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.removeFilter(drop)


def artifacts_dir(spec: ModelSpec) -> Path:
    """ONNX files of one model revision, beside the user's data; a new revision or export recipe
    gets a new folder."""
    tag = hashlib.sha256(f"{spec.revision}\n{RECIPE}".encode()).hexdigest()[:12]
    return data_dir() / "onnx" / f"{spec.name}-{tag}"


def onnx_model(spec: ModelSpec, precision: str) -> Path:
    """The exported (and, for int8, quantised) model, made once from the local weights."""
    folder = artifacts_dir(spec)
    fp32 = folder / "model-fp32.onnx"
    if not fp32.exists():
        _log.info("semdigest: exporting %s to ONNX (once per model revision)…", spec.name)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "revision.txt").write_text(f"{spec.revision}\n{RECIPE}\n", encoding="utf-8")
        export(spec.weights_path(), fp32)
    if precision == "fp32":
        return fp32
    int8 = folder / "model-int8.onnx"
    if not int8.exists():
        quantize(fp32, int8)
    return int8


class OnnxBackend:
    """The encoder protocol over OnnxEncoder, its files made on first use; a bar through tqdm."""

    def __init__(self, spec: ModelSpec, precision: str):
        self.encoder = OnnxEncoder(onnx_model(spec, precision), spec.weights_path(), spec.max_seq_length,
                                   one_text_per_run=precision == "int8")

    def encode(self, texts: Sequence[str], batch_size: int, progress: bool) -> np.ndarray:
        return encode_with_bar(self.encoder, texts, progress)


class OnnxEncoder(TokenBatchEncoder):
    """Texts -> unit vectors with an exported model in ONNX Runtime.

    ``one_text_per_run`` is for int8: dynamic quantisation takes one activation scale per run,
    so a text batched with others came out different (cosine down to 0.9945 to itself alone),
    and a paper's vector would depend on what it was embedded with. One text per run makes the
    vector a function of the text alone, for about 7% of int8's speed (measured side by side).
    """

    def __init__(self, model_path: Path, weights: Path, max_seq_length: int, one_text_per_run: bool = False):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = usable_cores()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        super().__init__(weights, max_seq_length, lambda feed: self.session.run(["embedding"], feed)[0],
                         1 if one_text_per_run else TOKENS_PER_BATCH)
