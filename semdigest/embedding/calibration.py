"""The quality gate a faster backend must pass against the fp32 reference, stated once, and
`auto`: the fastest backend that passes it on this machine, measured once and remembered."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..config import cache_dir
from ..data import read_text as packaged_text
from .device import candidates
from .encoders import load
from .models import ModelSpec

MIN_MEAN_COSINE = 0.99
MIN_TOP10_OVERLAP = 0.9
CALIBRATION_TEXTS = "data/calibration.txt"  # 160 papers of a real digest, packaged

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GateResult:
    mean_cosine: float
    top10_overlap: float

    @property
    def passed(self) -> bool:
        return self.mean_cosine >= MIN_MEAN_COSINE and self.top10_overlap >= MIN_TOP10_OVERLAP


def quality_gate(reference: np.ndarray, candidate: np.ndarray, k: int = 10) -> GateResult:
    """Mean cosine of each text's two vectors, and the share of each text's k nearest
    neighbours (itself excluded) that both embeddings agree on."""
    cosine = float(np.mean(np.sum(reference * candidate, axis=1)))
    k = min(k, len(reference) - 1)
    if k < 1:
        return GateResult(cosine, 1.0)
    return GateResult(cosine, float(np.mean([
        len(set(a) & set(b)) / k for a, b in zip(_nearest(reference, k), _nearest(candidate, k))
    ])))


def _nearest(matrix: np.ndarray, k: int) -> np.ndarray:
    scores = matrix @ matrix.T
    np.fill_diagonal(scores, -np.inf)
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]


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
    from .encoders.onnx import RECIPE

    key = "\n".join((spec.revision, RECIPE, device, _cpu()))
    cache = cache_dir() / "backends" / f"{spec.name}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"
    if cache.exists():
        measured = [Measured(**m) for m in json.loads(cache.read_text(encoding="utf-8"))]
    else:
        _log.info("semdigest: measuring embedding backends for %s on this %s (once)…", spec.name, device)
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
