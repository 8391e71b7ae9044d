"""ONNX Runtime on the CPU: export a sentence-transformers model once, offline, from its local
weights (mean pooling and L2 normalisation inside the graph), quantise it to int8, and run it.

int8 is dynamic, per-channel and MatMul-only: default per-tensor quantisation was measured to
damage MiniLM's embeddings (mean cosine 0.91 to fp32); per-channel MatMul-only keeps 0.99.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
TOKENS_PER_BATCH = 1024  # padded tokens per run: 4 abstracts of 256; measured fastest here (1024-16384)


def export(weights: Path, target: Path) -> Path:
    """Write ``target`` (fp32 ONNX) from local sentence-transformers weights; no network."""
    import torch
    from transformers import AutoModel

    class Pooled(torch.nn.Module):
        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=1)

    model = Pooled(AutoModel.from_pretrained(str(weights), local_files_only=True).eval())
    sample = torch.ones(2, 8, dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS} | {"embedding": {0: "batch"}}
    partial = target.with_suffix(f".{os.getpid()}.partial")  # concurrent processes never share one
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about Python control flow in the model
        torch.onnx.export(model, (sample, sample, torch.zeros_like(sample)), str(partial),
                          input_names=list(INPUTS), output_names=["embedding"], dynamic_axes=axes,
                          opset_version=17, dynamo=False)
    partial.replace(target)  # never leave a half-written model where the cache looks
    return target


def quantize(source: Path, target: Path) -> Path:
    """Dynamic int8, per-channel, MatMul only."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    partial = target.with_suffix(f".{os.getpid()}.partial")  # concurrent processes never share one
    logging.getLogger().setLevel(logging.ERROR)  # its "consider pre-processing" advice on every run
    quantize_dynamic(str(source), str(partial), per_channel=True, op_types_to_quantize=["MatMul"],
                     weight_type=QuantType.QInt8)
    partial.replace(target)
    return target


class OnnxEncoder:
    """Texts -> unit vectors with an exported model and the model's own fast tokenizer."""

    def __init__(self, model_path: Path, weights: Path, max_seq_length: int):
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(weights / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_seq_length)
        self.tokenizer.no_padding()

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        # Tokenise everything first (Rust, all cores, a fraction of the model's time), then run
        # batches of similar length sized by token count, so padding and cache misses stay small.
        encodings = self.tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(-lengths, kind="stable")
        vectors: dict[int, np.ndarray] = {}
        for batch in _batches(order, lengths):
            width = int(lengths[batch].max())
            feed = {name: np.zeros((len(batch), width), dtype=np.int64) for name in INPUTS}
            for row, index in enumerate(batch):
                encoding = encodings[index]
                n = len(encoding.ids)
                feed["input_ids"][row, :n] = encoding.ids
                feed["attention_mask"][row, :n] = 1
                feed["token_type_ids"][row, :n] = encoding.type_ids
            result = self.session.run(["embedding"], feed)[0]
            vectors.update(zip(batch.tolist(), result))
            if progress:
                progress(len(batch))
        return np.vstack([vectors[i] for i in range(len(texts))]).astype(np.float32)


def _batches(order: np.ndarray, lengths: np.ndarray):
    """Consecutive runs of ``order`` (longest first) whose padded size stays under the budget."""
    start = 0
    while start < len(order):
        width = max(int(lengths[order[start]]), 1)
        size = max(1, TOKENS_PER_BATCH // width)
        yield order[start:start + size]
        start += size
