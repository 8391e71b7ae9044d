"""The one place that picks the device (cuda, then mps, then cpu) and the precisions worth trying
on it; calibration.py's `auto` then keeps the fastest that passes the quality gate."""

from __future__ import annotations

from ..errors import SemdigestError
from .encoders import REFERENCE

_DEVICES = ("cuda", "mps", "cpu")


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
    import torch

    bf16 = torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
    return [REFERENCE, *(["torch-bf16"] if bf16 else []), "onnx-fp32", "onnx-int8"]


def _available(kind: str) -> bool:
    if kind == "cpu":
        return True
    import torch  # here, not at import: commands that never embed should not load torch

    if kind == "cuda":
        return torch.cuda.is_available()
    if kind == "mps":
        return bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    return True
