"""The torch encoder: sentence-transformers on any device, in fp32 (the reference), fp16 or bf16;
and the same model as one torch module, which the ONNX and OpenVINO exports start from."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

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


def pooled_model(weights: Path, attention: str):
    """The model as one torch module, for the exports: token ids in, mean-pooled unit vectors out
    (what sentence-transformers computes for these weights), in eval mode, loaded offline."""
    import torch
    from transformers import AutoModel

    class Pooled(torch.nn.Module):
        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=1)

    with quiet_transformers():
        encoder = AutoModel.from_pretrained(str(weights), local_files_only=True, attn_implementation=attention)
    return Pooled(encoder.eval()).eval()


def usable_cores() -> int:
    """The cores this process may run on (its affinity where the OS says), for runtimes' threads."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


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
