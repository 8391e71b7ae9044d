"""Embedder: texts -> L2-normalised float32 vectors, on the device device.py picks, offline."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import numpy as np

from .device import pick_device, precision_for
from .models import ModelSpec, get_model
from .records import Paper

# Weights are always local: make sure no library on the way tries a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # no weight-loading bar on every start
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


class Embedder:
    """Embeds papers and queries with one model.

    Parameters
    ----------
    model : ModelSpec or str or None
        A spec, a name from models.yaml, or None for the default model.
    device : str or None
        "cuda", "mps", "cpu" or None / "auto" to let device.py choose.
    batch_size : int or None
        Texts per forward pass; default 32 on a CPU, 256 on a GPU.
    progress : bool or None
        Show a progress bar; None shows one when stderr is a terminal.
    """

    def __init__(self, model: ModelSpec | str | None = None, *, device: str | None = None,
                 batch_size: int | None = None, progress: bool | None = None,
                 models_file: str | None = None):
        self.spec = model if isinstance(model, ModelSpec) else get_model(model, models_file)
        self.device = pick_device(device)
        self.precision = precision_for(self.device)
        self.batch_size = batch_size or (32 if self.device == "cpu" else 256)
        self.progress = sys.stderr.isatty() if progress is None else progress
        self._model = None

    @property
    def key(self) -> str:
        """What stored embeddings are keyed by, with the text hash: model and weights revision."""
        return f"{self.spec.name}@{self.spec.revision}"

    @property
    def backend(self) -> str:
        """Recorded with every stored embedding: which runtime and precision made it."""
        return f"torch-{self.precision}"

    @property
    def model(self):
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(str(self.spec.weights_path()), device=self.device,
                                        local_files_only=True)
            model.max_seq_length = self.spec.max_seq_length
            if self.precision == "fp16":
                model.half()
            self._model = model
        return self._model

    def encode(self, texts: Sequence[str], progress: bool | None = None) -> np.ndarray:
        """Vectors for exact texts, shape (len(texts), dimension), unit length, float32.
        sentence-transformers sorts the texts by length so each batch pads little."""
        if not texts:
            return np.zeros((0, self.spec.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=self.progress if progress is None else progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def document_texts(self, papers: Sequence[Paper]) -> list[str]:
        return [self.spec.document_text(p) for p in papers]

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode([self.spec.query_text(t) for t in texts], progress=False)

    def __repr__(self) -> str:
        return f"Embedder({self.key!r}, device={self.device!r}, precision={self.precision!r})"
