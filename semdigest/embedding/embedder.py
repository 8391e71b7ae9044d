"""Embedder: texts -> L2-normalised float32 vectors, on the device device.py picks, offline."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import numpy as np

from ..errors import ModelError
from ..records import ModelKey, Paper
from .calibration import auto_backend, remembered
from .device import pick_device
from .encoders import BACKENDS, EXPORTED, REFERENCE, Encoder, load
from .models import ModelSpec, get_model

# What encodes queries and other few texts when the papers' backend is torch's: exact to fp32, no torch.
QUERY_BACKEND = "openvino-fp32"


class Embedder:
    """Embeds papers and queries with one model.

    Parameters
    ----------
    model : ModelSpec or str or None
        A spec, a name from models.yaml, or None for the default model.
    device : str or None
        "cuda", "mps", "cpu" or None / "auto" to let device.py choose.
    backend : str or None
        One of semdigest.embedding.encoders.BACKENDS, or "auto" (the default, unless models.yaml names
        one): the fastest backend that passes the quality gate on this machine.
    batch_size : int or None
        Texts per forward pass of a torch backend; default 32 on a CPU, 256 on a GPU.
    progress : bool or None
        Show a progress bar; None shows one when stderr is a terminal.
    """

    def __init__(self, model: ModelSpec | str | None = None, *, device: str | None = None,
                 backend: str | None = None, batch_size: int | None = None, progress: bool | None = None,
                 models_file: str | None = None):
        self.spec = model if isinstance(model, ModelSpec) else get_model(model, models_file)
        self.requested_device = device
        self.requested_backend = backend or self.spec.backend
        if self.requested_backend not in ("auto", *BACKENDS):
            raise ModelError(f"unknown backend {self.requested_backend!r}; use auto or one of {', '.join(BACKENDS)}")
        self._batch_size = batch_size
        self.progress = sys.stderr.isatty() if progress is None else progress
        self._device: str | None = None
        self._backend: tuple[str, bool] | None = None
        self._encoder = None
        self._light = None

    @property
    def device(self) -> str:
        """Decided on first use: an Embedder that only names its vectors' key loads nothing."""
        if self._device is None:
            self._device = pick_device(self.requested_device)
        return self._device

    @property
    def batch_size(self) -> int:
        return self._batch_size or (32 if self.device == "cpu" else 256)

    @property
    def backend(self) -> str:
        """The backend that embeds, recorded with every stored vector."""
        return self._resolve()[0]

    @property
    def key(self) -> str:
        """What stored embeddings are keyed by, with the text hash: model and weights revision.
        A backend that failed the quality gate gets its own key, so it re-embeds, never mixes."""
        if self.requested_backend in ("auto", REFERENCE):  # auto only ever picks a passing backend
            return str(ModelKey(self.spec.name, self.spec.revision))
        backend, passed = self._resolve()
        return str(ModelKey(self.spec.name, self.spec.revision, None if passed else backend))

    def _resolve(self) -> tuple[str, bool]:
        if self._backend is None:
            if self.requested_backend == REFERENCE:
                self._backend = (REFERENCE, True)
            else:
                best, passed = auto_backend(self.spec, self.device, self.progress)
                backend = best if self.requested_backend == "auto" else self.requested_backend
                self._backend = (backend, passed.get(backend, False))
        return self._backend

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = load(self.spec, self.backend, self.device)
        return self._encoder

    def encode(self, texts: Sequence[str], progress: bool | None = None) -> np.ndarray:
        """Vectors for exact texts, shape (len(texts), dimension), unit length, float32."""
        if not texts:
            return np.zeros((0, self.spec.dimension), dtype=np.float32)
        vectors = self.encoder.encode(list(texts), self.batch_size, self.progress if progress is None else progress)
        if self.backend.startswith("torch"):
            self.prepare_queries()
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def document_texts(self, papers: Sequence[Paper]) -> list[str]:
        return [self.spec.document_text(p) for p in papers]

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_few([self.spec.query_text(t) for t in texts])

    def encode_few(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for a few texts (a query, an interest's references), as ``encode`` gives, by the
        light encoder: an exported model, without importing torch. Any backend that passed the
        quality gate makes vectors of the same key, so a query meets torch-made papers as their own."""
        if not texts:
            return np.zeros((0, self.spec.dimension), dtype=np.float32)
        vectors = self.light_encoder.encode(list(texts), 32, False)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    @property
    def light_encoder(self) -> Encoder:
        """The encoder already loaded, else the exported one of this key (made once if it is not yet)."""
        if self._light is None:
            if self._encoder is not None or not self._light_is_exported():
                self._light = self.encoder
            else:
                self._light = load(self.spec, self._light_backend(), "cpu")
        return self._light

    def _light_backend(self) -> str:
        """The exported backend asked for, else auto's choice here if it is an exported one (read
        from what was measured, never measuring now; openvino-int8 holds 40 MB less than fp32,
        which keeps `search` under 300 MB), else QUERY_BACKEND."""
        if self._asked_for_exported():
            return self.requested_backend
        calibration = remembered(self.spec, "cpu") if self.requested_backend == "auto" else None
        return calibration.chosen if calibration and calibration.chosen.startswith(EXPORTED) else QUERY_BACKEND

    def _asked_for_exported(self) -> bool:
        return self.requested_backend.startswith(EXPORTED)

    def _light_is_exported(self) -> bool:
        if self._asked_for_exported() or self.requested_backend in ("auto", REFERENCE):
            return True
        return self._resolve()[1]  # another backend's key is shared only if it passed the gate

    def prepare_queries(self) -> None:
        """Make the light encoder's model now, while torch is loaded anyway, not at the first query."""
        if self._light_is_exported() and not self._asked_for_exported():
            from .encoders.openvino import openvino_model

            openvino_model(self.spec, QUERY_BACKEND.split("-")[1])

    def __repr__(self) -> str:
        backend = self.backend if self._backend else self.requested_backend
        device = self._device or self.requested_device or "auto"
        return f"Embedder({self.spec.name!r}, device={device!r}, backend={backend!r})"
