"""The torch encoder: sentence-transformers on any device, in fp32 (the reference), fp16 or bf16."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from ..models import ModelSpec


class TorchEncoder:
    def __init__(self, spec: ModelSpec, device: str, precision: str):
        import torch
        from sentence_transformers import SentenceTransformer

        with quiet_transformers():  # local weights: no hub is asked (local_files_only)
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


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """transformers' "Loading weights" bar and load-time warnings off while one model loads, then
    put back as they were: the caller's own use of transformers keeps its settings."""
    from transformers.utils import logging as transformers_logging

    logger = logging.getLogger("transformers")
    level, bar = logger.level, transformers_logging.is_progress_bar_enabled()
    logger.setLevel(logging.ERROR)
    transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        logger.setLevel(level)
        if bar:
            transformers_logging.enable_progress_bar()
