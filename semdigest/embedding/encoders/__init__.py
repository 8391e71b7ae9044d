"""Encoders: one per runtime, behind one protocol; a backend is a runtime and a precision.

| backend       | where          | note                                               |
| torch-fp32    | any device     | the reference                                      |
| torch-fp16    | CUDA           | auto's choice on a GPU                             |
| torch-bf16    | CPUs with bf16 | offered only where the CPU has AVX-512 BF16/AMX    |
| openvino-fp32 | CPU            | OpenVINO, converted once; the light query encoder  |
| openvino-int8 | CPU            | static int8 calibrated by NNCF                     |
| onnx-fp32     | CPU            | ONNX Runtime, exported once; on request only       |
| onnx-int8     | CPU            | dynamic int8, one text a run; on request only      |

Which backends a device offers is device.py's; which one embeds is calibration.py's `auto`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from ...errors import ModelError

if TYPE_CHECKING:
    import numpy as np

    from ..models import ModelSpec

BACKENDS = ("torch-fp32", "torch-fp16", "torch-bf16", "onnx-fp32", "onnx-int8", "openvino-fp32", "openvino-int8")
EXPORTED = ("onnx", "openvino")  # runtimes that run an export on the CPU, without torch
REFERENCE = "torch-fp32"
CALIBRATION_TEXTS = "data/calibration.txt"  # 160 papers of a real digest, packaged
GATE_SAMPLE = 64  # the gate measures the first 64 of them; an int8 backend is calibrated on the others


class Encoder(Protocol):
    def encode(self, texts: Sequence[str], batch_size: int, progress: bool) -> np.ndarray:
        """Unit-length float32 vectors of ``texts``, in their order; a bar on stderr if ``progress``."""


def load(spec: ModelSpec, backend: str, device: str) -> Encoder:
    """The encoder of one backend (runtime-precision) on a device; its runtime is imported here."""
    runtime, precision = backend.split("-")
    if runtime in EXPORTED and device != "cpu":
        raise ModelError(f"backend {backend} runs on the CPU; pass --device cpu or another backend")
    if runtime == "onnx":
        from .onnx import OnnxBackend

        return OnnxBackend(spec, precision)
    if runtime == "openvino":
        from .openvino import OpenVinoBackend

        return OpenVinoBackend(spec, precision)
    from .torch import TorchEncoder

    return TorchEncoder(spec, device, precision)


__all__ = ["BACKENDS", "CALIBRATION_TEXTS", "EXPORTED", "GATE_SAMPLE", "REFERENCE", "Encoder", "load"]
