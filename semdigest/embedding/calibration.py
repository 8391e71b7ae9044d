"""The quality gate a faster backend must pass against the fp32 reference, stated once, and
`auto`: the fastest backend that passes it on this machine, measured once and remembered.

The measurement takes seconds, not a minute: every backend embeds the same small fixed sample,
in short turns that go round the backends (each turn starting with the next backend), so a
burst of load from other programs slows all of them alike instead of one. On a CPU the reference's
vectors of that sample come packaged for the default model's revision (torch-fp32's, made by
`write_packaged_reference` and checked against torch by the tests), so measuring imports no torch:
torch-fp32 is then the gate's reference, not a contender (OpenVINO fp32 computes the same and was
faster on every CPU measured)."""

from __future__ import annotations

import datetime as dt
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
from ..data import packaged_file
from ..data import read_text as packaged_text
from .device import candidates
from .encoders import CALIBRATION_TEXTS, GATE_SAMPLE, REFERENCE, load
from .models import ModelSpec

MIN_MEAN_COSINE = 0.99
MIN_TOP10_OVERLAP = 0.9
SAMPLE = GATE_SAMPLE  # texts measured: each one's top 10 among 63 others for the gate; seconds per backend
TURN = 16    # texts per turn of one backend before the next takes its turn
FORMAT = "calibration 3: model, device, cpu, measured_at, texts, backends, chosen"
PACKAGED_REFERENCE = "data/gate-reference.npz"  # revision, texts' sha256, torch-fp32 vectors of the sample

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
    papers_per_second: float | None  # None: the packaged reference, not run here
    mean_cosine: float
    top10_overlap: float
    passed: bool


@dataclass(frozen=True)
class Calibration:
    """What `auto` measured on one machine: the backends, the one chosen, and where and when."""
    model: str
    device: str
    cpu: str
    measured_at: str
    texts: int
    backends: list[Measured]

    @property
    def chosen(self) -> str:
        return max((m for m in self.backends if m.passed and m.papers_per_second is not None),
                   key=lambda m: m.papers_per_second).backend

    def as_dict(self) -> dict:
        return asdict(self) | {"chosen": self.chosen}


def calibrate(spec: ModelSpec, device: str, texts: Sequence[str] | None = None,
              backends: Sequence[str] | None = None, progress: bool = False) -> list[tuple[Measured, np.ndarray]]:
    """Speed, the quality gate and the vectors of each backend on the same texts, reference first,
    the backends taking turns (see the module's note); a bar on stderr if ``progress``."""
    from tqdm.auto import tqdm

    texts = list(texts or packaged_text(CALIBRATION_TEXTS).splitlines()[:SAMPLE])
    names = list(backends or candidates(device))
    packaged = packaged_reference(spec, texts) if device == "cpu" and names[0] == REFERENCE else None
    run = names[1:] if packaged is not None else names
    bar = tqdm(total=len(run) * (len(texts) + 1), desc="Measuring backends", unit="paper", disable=not progress,
               leave=False)
    encoders = {}
    for name in run:  # loading (a conversion, the first time) is part of the wait the bar shows
        encoders[name] = load(spec, name, device)
        bar.update(1)
    for encoder in encoders.values():
        encoder.encode(texts[:4], 32, False)  # warm up: first-call allocations are not speed
    seconds = dict.fromkeys(run, 0.0)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in run}
    for turn, start in enumerate(range(0, len(texts), TURN)):
        chunk = texts[start:start + TURN]
        for name in run[turn % len(run):] + run[:turn % len(run)]:
            began = time.perf_counter()
            parts[name].append(encoders[name].encode(chunk, 32, False))
            seconds[name] += time.perf_counter() - began
            bar.update(len(chunk))
    bar.close()
    reference = packaged if packaged is not None else np.vstack(parts[names[0]])
    results = []
    for name in names:
        vectors = reference if name not in parts else np.vstack(parts[name])
        gate = quality_gate(reference, vectors)
        speed = len(texts) / seconds[name] if name in seconds else None
        results.append((Measured(name, speed, gate.mean_cosine, gate.top10_overlap, gate.passed), vectors))
    return results


def packaged_reference(spec: ModelSpec, texts: Sequence[str]) -> np.ndarray | None:
    """torch-fp32's vectors of ``texts`` as packaged, if they were packaged for this revision and
    exactly these texts."""
    try:
        with packaged_file(PACKAGED_REFERENCE).open("rb") as file, np.load(file) as data:
            if str(data["revision"]) != spec.revision or str(data["texts_sha256"]) != _sha256(texts):
                return None
            return np.array(data["vectors"], dtype=np.float32)
    except (OSError, ValueError, KeyError):
        return None


def write_packaged_reference(path: str | Path = f"semdigest/{PACKAGED_REFERENCE}") -> Path:
    """Write the packaged reference for the default model (run from a source checkout, with torch)."""
    from .models import get_model

    spec = get_model()
    texts = packaged_text(CALIBRATION_TEXTS).splitlines()[:SAMPLE]
    vectors = load(spec, REFERENCE, "cpu").encode(texts, 32, False)
    np.savez(path, revision=np.array(spec.revision), texts_sha256=np.array(_sha256(texts)),
             vectors=vectors.astype(np.float32))
    return Path(path)


def _sha256(texts: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(texts).encode()).hexdigest()


def measure(spec: ModelSpec, device: str, progress: bool = False) -> Calibration:
    """Measure this machine's backends now and remember the result for `auto`."""
    _log.info("semdigest: measuring embedding backends for %s on this %s (a few seconds, once)…", spec.name, device)
    calibration = Calibration(spec.name, device, cpu_name(), dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                              SAMPLE, [m for m, _ in calibrate(spec, device, progress=progress)])
    path = _cache_path(spec, device)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.partial")
    partial.write_text(json.dumps(calibration.as_dict(), indent=1), encoding="utf-8")
    partial.replace(path)
    return calibration


def remembered(spec: ModelSpec, device: str) -> Calibration | None:
    """What was measured for this model revision, export recipe, device and CPU, if anything."""
    path = _cache_path(spec, device)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("chosen", None)
        return Calibration(**{**data, "backends": [Measured(**m) for m in data["backends"]]})
    except (OSError, ValueError, TypeError, KeyError):
        return None  # never measured, or by an older semdigest: measured again


def auto_backend(spec: ModelSpec, device: str, progress: bool = False) -> tuple[str, dict[str, bool]]:
    """The fastest backend that passes the gate here, and which backends passed, measured on
    first use, then read from the user's cache."""
    calibration = remembered(spec, device) or measure(spec, device, progress)
    return calibration.chosen, {m.backend: m.passed for m in calibration.backends}


def _cache_path(spec: ModelSpec, device: str) -> Path:
    from .encoders import onnx, openvino

    # FORMAT in the name: a semdigest that reads another layout never finds this file, nor this one its
    key = "\n".join((spec.revision, onnx.RECIPE, openvino.RECIPE, device, cpu_name(), FORMAT))
    return cache_dir() / "backends" / f"{spec.name}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
