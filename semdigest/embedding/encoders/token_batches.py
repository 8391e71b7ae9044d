"""Texts -> vectors through an exported model, the part ONNX Runtime and OpenVINO share: the
model's own fast tokenizer, then batches of similar length sized by token count, so padding and
cache misses stay small."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
TOKENS_PER_BATCH = 1024  # padded tokens per run: 4 abstracts of 256; measured fastest here (512-16384)

Run = Callable[[dict[str, np.ndarray]], np.ndarray]


def load_tokenizer(weights: Path, max_seq_length: int):
    """The model's own fast tokenizer, truncating as the model does, padding left to the batches."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(weights / "tokenizer.json"))
    tokenizer.enable_truncation(max_seq_length)
    tokenizer.no_padding()
    return tokenizer


def token_feeds(tokenizer, texts: Sequence[str], tokens_per_batch: int) -> Iterator[tuple[np.ndarray, dict]]:
    """(rows of ``texts``, int64 feed) pairs, longest texts first, ``tokens_per_batch`` padded
    tokens a feed (one text at least)."""
    # Tokenising everything first is Rust on all cores, a fraction of the model's time.
    encodings = tokenizer.encode_batch(list(texts))
    lengths = np.array([len(e.ids) for e in encodings])
    for batch in _batches(np.argsort(-lengths, kind="stable"), lengths, tokens_per_batch):
        width = int(lengths[batch].max())
        feed = {name: np.zeros((len(batch), width), dtype=np.int64) for name in INPUTS}
        for row, index in enumerate(batch):
            encoding = encodings[index]
            n = len(encoding.ids)
            feed["input_ids"][row, :n] = encoding.ids
            feed["attention_mask"][row, :n] = 1
            feed["token_type_ids"][row, :n] = encoding.type_ids
        yield batch, feed


class TokenBatchEncoder:
    """Runs ``run`` (int64 feed -> unit vectors) over texts in token-sized batches."""

    def __init__(self, weights: Path, max_seq_length: int, run: Run, tokens_per_batch: int = TOKENS_PER_BATCH):
        self.tokenizer = load_tokenizer(weights, max_seq_length)
        self.run = run
        self.tokens_per_batch = tokens_per_batch

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        vectors: dict[int, np.ndarray] = {}
        for batch, feed in token_feeds(self.tokenizer, texts, self.tokens_per_batch):
            vectors.update(zip(batch.tolist(), self.run(feed)))
            if progress:
                progress(len(batch))
        return np.vstack([vectors[i] for i in range(len(texts))]).astype(np.float32)


def _batches(order: np.ndarray, lengths: np.ndarray, budget: int) -> Iterator[np.ndarray]:
    """Consecutive runs of ``order`` (longest first) whose padded size stays under ``budget``
    tokens (one text at least)."""
    start = 0
    while start < len(order):
        width = max(int(lengths[order[start]]), 1)
        size = max(1, budget // width)
        yield order[start:start + size]
        start += size


def encode_with_bar(encoder: TokenBatchEncoder, texts: Sequence[str], progress: bool) -> np.ndarray:
    """``encoder.encode`` with a tqdm bar when ``progress`` (a notebook gets its widget bar)."""
    if not progress:
        return encoder.encode(texts)
    from tqdm.auto import tqdm

    with tqdm(total=len(texts), desc="Embedding", unit="paper") as bar:
        return encoder.encode(texts, progress=bar.update)
