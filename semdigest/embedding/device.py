"""The one place that picks the device (cuda, then mps, then cpu) and the precisions worth trying
on it; calibration.py's `auto` then keeps the fastest that passes the quality gate.

Where the answer is plain without torch (a Linux machine with no GPU driver, a CPU's flags in
/proc/cpuinfo), torch is not imported: a query or a read path should not pay seconds for it."""

from __future__ import annotations

import platform
import sys
from functools import cache
from pathlib import Path

from ..errors import SemdigestError
from .encoders import REFERENCE

_DEVICES = ("cuda", "mps", "cpu")
# What a CUDA (or ROCm) device needs on Linux before torch could see one: its kernel driver.
_GPU_DRIVERS = ("/proc/driver/nvidia/version", "/dev/kfd")


def pick_device(requested: str | None = None) -> str:
    """``requested`` if it is usable, else the best available device."""
    if requested and requested != "auto":
        kind = requested.split(":")[0]
        if kind not in _DEVICES:
            raise SemdigestError(f"unknown device {requested!r}; use one of auto, {', '.join(_DEVICES)}")
        if not _available(kind):
            raise SemdigestError(f"device {requested!r} is not available here; try --device cpu")
        return requested
    return next(kind for kind in _DEVICES if _available(kind))


def candidates(device: str) -> list[str]:
    """Backends worth trying on a device, the reference first."""
    if device.startswith("cuda"):
        return [REFERENCE, "torch-fp16"]
    if device != "cpu":
        return [REFERENCE]
    return [REFERENCE, *(["torch-bf16"] if cpu_has_bf16() else []), "openvino-fp32", "openvino-int8"]


@cache
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags as Linux lists them (empty elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def cpu_has_bf16() -> bool:
    """bf16 matrix arithmetic in hardware (AVX-512 BF16 or AMX), where torch-bf16 can win."""
    flags = cpu_flags()
    if flags:
        return bool(flags & {"avx512_bf16", "amx_bf16"})
    import torch

    return torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()


def _available(kind: str) -> bool:
    if kind == "cpu":
        return True
    if sys.platform.startswith("linux") and not any(Path(p).exists() for p in _GPU_DRIVERS):
        return False  # no driver, no GPU: known without importing torch
    if kind == "mps" and platform.system() != "Darwin":
        return False
    import torch  # here, not at import: commands that never embed should not load torch

    if kind == "cuda":
        return torch.cuda.is_available()
    if kind == "mps":
        return bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    return True
