"""Embedding backends (runtime x precision), their on-disk ONNX artifacts, and `auto`: the
fastest backend that passes the quality gate on this machine, measured once and remembered.

| backend     | where             | note                                             |
| torch-fp32  | any device        | the reference                                    |
| torch-fp16  | CUDA              | auto's choice on a GPU                           |
| torch-bf16  | CPUs with bf16    | offered only where the CPU has AVX-512 BF16/AMX  |
| onnx-fp32   | CPU               | ONNX Runtime, exported once from local weights   |
| onnx-int8   | CPU               | dynamic int8, per-channel, MatMul only           |
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import platformdirs

from .data import read_text as packaged_text
from .errors import ModelError
from .models import ModelSpec
from .quality import quality_gate

BACKENDS = ("torch-fp32", "torch-fp16", "torch-bf16", "onnx-fp32", "onnx-int8")
REFERENCE = "torch-fp32"
CALIBRATION_TEXTS = "data/calibration.txt"  # 160 papers of a real digest, packaged


def candidates(device: str) -> list[str]:
    """Backends worth trying on a device, the reference first."""
    if device.startswith("cuda"):
        return [REFERENCE, "torch-fp16"]
    if device != "cpu":
        return [REFERENCE]
    import torch

    bf16 = torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
    return [REFERENCE, *(["torch-bf16"] if bf16 else []), "onnx-fp32", "onnx-int8"]


class TorchEncoder:
    def __init__(self, spec: ModelSpec, device: str, precision: str):
        import torch
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(spec.weights_path()), device=device, local_files_only=True)
        self.model.max_seq_length = spec.max_seq_length
        if precision != "fp32":
            self.model.to({"fp16": torch.float16, "bf16": torch.bfloat16}[precision])

    def encode(self, texts: Sequence[str], batch_size: int, progress: bool) -> np.ndarray:
        # sentence-transformers sorts by length so each batch pads little; unit length in float32,
        # since a bfloat16 model normalised in bfloat16 is up to 0.4% off (stores check |v| = 1)
        vectors = self.model.encode(list(texts), batch_size=batch_size, convert_to_tensor=True,
                                    show_progress_bar=progress).float().cpu().numpy()
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


class OnnxBackend:
    def __init__(self, spec: ModelSpec, precision: str):
        from .onnx_runtime import OnnxEncoder

        self.encoder = OnnxEncoder(onnx_model(spec, precision), spec.weights_path(), spec.max_seq_length,
                                   one_text_per_run=precision == "int8")

    def encode(self, texts: Sequence[str], batch_size: int, progress: bool) -> np.ndarray:
        if not progress:
            return self.encoder.encode(texts)
        from tqdm import tqdm

        with tqdm(total=len(texts), desc="Embedding", unit="paper") as bar:
            return self.encoder.encode(texts, progress=bar.update)


def load(spec: ModelSpec, backend: str, device: str):
    runtime, precision = backend.split("-")
    if runtime == "onnx":
        if device != "cpu":
            raise ModelError(f"backend {backend} runs on the CPU; pass --device cpu or another backend")
        return OnnxBackend(spec, precision)
    return TorchEncoder(spec, device, precision)


def artifacts_dir(spec: ModelSpec) -> Path:
    """ONNX files of one model revision, beside the user's data; a new revision or export recipe
    gets a new folder."""
    from .onnx_runtime import RECIPE

    tag = hashlib.sha256(f"{spec.revision}\n{RECIPE}".encode()).hexdigest()[:12]
    return Path(platformdirs.user_data_dir("semdigest")) / "onnx" / f"{spec.name}-{tag}"


def onnx_model(spec: ModelSpec, precision: str) -> Path:
    """The exported (and, for int8, quantised) model, made once from the local weights."""
    from .onnx_runtime import RECIPE, export, quantize

    folder = artifacts_dir(spec)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "revision.txt").write_text(f"{spec.revision}\n{RECIPE}\n", encoding="utf-8")
    fp32 = folder / "model-fp32.onnx"
    if not fp32.exists():
        export(spec.weights_path(), fp32)
    if precision == "fp32":
        return fp32
    int8 = folder / "model-int8.onnx"
    if not int8.exists():
        quantize(fp32, int8)
    return int8


@dataclass(frozen=True)
class Measured:
    backend: str
    papers_per_second: float
    mean_cosine: float
    top10_overlap: float
    passed: bool


def calibrate(spec: ModelSpec, device: str, texts: Sequence[str] | None = None,
              backends: Sequence[str] | None = None) -> list[tuple[Measured, np.ndarray]]:
    """Speed, the quality gate and the vectors of each backend on the same texts, reference first."""
    texts = list(texts or packaged_text(CALIBRATION_TEXTS).splitlines())
    results, reference = [], None
    for backend in backends or candidates(device):
        encoder = load(spec, backend, device)
        encoder.encode(texts[:4], 32, False)  # warm up: first-call allocations are not speed
        start = time.perf_counter()
        vectors = encoder.encode(texts, 32, False)
        speed = len(texts) / (time.perf_counter() - start)
        reference = vectors if reference is None else reference
        gate = quality_gate(reference, vectors)
        results.append((Measured(backend, speed, gate.mean_cosine, gate.top10_overlap, gate.passed), vectors))
    return results


def auto_backend(spec: ModelSpec, device: str) -> tuple[str, dict[str, bool]]:
    """The fastest backend that passes the gate here, and which backends passed, measured on
    first use for this model revision, export recipe, device and CPU, then read from the user's cache."""
    from .onnx_runtime import RECIPE

    key = "\n".join((spec.revision, RECIPE, device, _cpu()))
    cache = (Path(platformdirs.user_cache_dir("semdigest")) / "backends"
             / f"{spec.name}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json")
    if cache.exists():
        measured = [Measured(**m) for m in json.loads(cache.read_text(encoding="utf-8"))]
    else:
        print(f"semdigest: measuring embedding backends for {spec.name} on this {device} (once)…", file=sys.stderr)
        measured = [m for m, _ in calibrate(spec, device)]
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.partial")
        partial.write_text(json.dumps([asdict(m) for m in measured], indent=1), encoding="utf-8")
        partial.replace(cache)
    best = max((m for m in measured if m.passed), key=lambda m: m.papers_per_second)
    return best.backend, {m.backend: m.passed for m in measured}


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


__all__ = ["BACKENDS", "REFERENCE", "auto_backend", "calibrate", "candidates", "load"]
