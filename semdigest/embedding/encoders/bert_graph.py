"""A BERT sentence encoder (token ids -> mean-pooled unit vectors) written directly as an OpenVINO
graph from the model's safetensors: what transformers' BertModel and sentence-transformers'
Pooling and Normalize compute, without importing torch (a first run would pay seconds for torch
and for tracing it). Other architectures are traced from torch instead (openvino.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .token_batches import INPUTS


def is_plain_bert(weights: Path) -> bool:
    """A BERT whose sentence embedding is the mean of its tokens, which this graph reproduces."""
    try:
        config = json.loads((weights / "config.json").read_text(encoding="utf-8"))
        pooling = json.loads((weights / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (config.get("model_type") == "bert" and config.get("hidden_act") == "gelu"
            and config.get("position_embedding_type", "absolute") == "absolute"
            and (weights / "model.safetensors").exists()
            and pooling.get("pooling_mode_mean_tokens") is True
            and not any(pooling.get(mode) for mode in ("pooling_mode_cls_token", "pooling_mode_max_tokens",
                                                       "pooling_mode_mean_sqrt_len_tokens")))


def bert_graph(ov, weights: Path):
    """The model of ``weights`` (a plain BERT, see is_plain_bert) as an ``ov.Model``."""
    from openvino import opset13 as ops
    from safetensors.numpy import load_file

    config = json.loads((weights / "config.json").read_text(encoding="utf-8"))
    tensors = load_file(str(weights / "model.safetensors"))
    prefix = "bert." if "bert.embeddings.word_embeddings.weight" in tensors else ""

    def weight(name: str):
        return ops.constant(tensors[prefix + name].astype(np.float32))

    def linear(x, name: str):
        return ops.add(ops.matmul(x, weight(f"{name}.weight"), False, True), weight(f"{name}.bias"))

    def layer_norm(x, name: str):
        normed = ops.mvn(x, ops.constant(np.array([-1], np.int64)), True, float(config["layer_norm_eps"]), "inside_sqrt")
        return ops.add(ops.multiply(normed, weight(f"{name}.weight")), weight(f"{name}.bias"))

    ids, mask, types = (ops.parameter([-1, -1], ov.Type.i64, name=name) for name in INPUTS)
    for parameter, name in zip((ids, mask, types), INPUTS):
        parameter.output(0).get_tensor().set_names({name})
    length = ops.gather(ops.shape_of(ids), ops.constant(np.int64(1)), ops.constant(np.int64(0)))
    positions = ops.range(ops.constant(np.int64(0)), length, ops.constant(np.int64(1)), "i64")
    axis0 = ops.constant(np.int64(0))
    hidden = ops.add(ops.add(ops.gather(weight("embeddings.word_embeddings.weight"), ids, axis0),
                             ops.gather(weight("embeddings.position_embeddings.weight"), positions, axis0)),
                     ops.gather(weight("embeddings.token_type_embeddings.weight"), types, axis0))
    hidden = layer_norm(hidden, "embeddings.LayerNorm")

    heads = int(config["num_attention_heads"])
    head_size = int(config["hidden_size"]) // heads
    to_heads = ops.constant(np.array([0, 0, heads, head_size], np.int64))
    from_heads = ops.constant(np.array([0, 0, heads * head_size], np.int64))
    swap = ops.constant(np.array([0, 2, 1, 3], np.int64))
    # padded keys get the lowest float added to their scores, as transformers does: no attention
    keep = ops.unsqueeze(ops.convert(mask, ov.Type.f32), ops.constant(np.array([1, 2], np.int64)))
    bias = ops.multiply(ops.subtract(ops.constant(np.float32(1)), keep), ops.constant(np.finfo(np.float32).min))

    for n in range(int(config["num_hidden_layers"])):
        at = f"encoder.layer.{n}"
        q, k, v = (ops.transpose(ops.reshape(linear(hidden, f"{at}.attention.self.{part}"), to_heads, True), swap)
                   for part in ("query", "key", "value"))
        context = ops.scaled_dot_product_attention(q, k, v, bias, causal=False)
        context = ops.reshape(ops.transpose(context, swap), from_heads, True)
        hidden = layer_norm(ops.add(linear(context, f"{at}.attention.output.dense"), hidden), f"{at}.attention.output.LayerNorm")
        inner = ops.gelu(linear(hidden, f"{at}.intermediate.dense"), "erf")
        hidden = layer_norm(ops.add(linear(inner, f"{at}.output.dense"), hidden), f"{at}.output.LayerNorm")

    tokens = ops.unsqueeze(ops.convert(mask, ov.Type.f32), ops.constant(np.int64(-1)))
    summed = ops.reduce_sum(ops.multiply(hidden, tokens), ops.constant(np.int64(1)), False)
    counted = ops.maximum(ops.reduce_sum(tokens, ops.constant(np.int64(1)), False), ops.constant(np.float32(1e-9)))
    pooled = ops.divide(summed, counted)
    norm = ops.maximum(ops.sqrt(ops.reduce_sum(ops.multiply(pooled, pooled), ops.constant(np.int64(1)), True)),
                       ops.constant(np.float32(1e-12)))
    embedding = ops.divide(pooled, norm)
    embedding.output(0).get_tensor().set_names({"embedding"})
    return ov.Model([embedding], [ids, mask, types], "sentence-embedding")
