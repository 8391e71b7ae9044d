"""Where vectors are computed: here (``local_vectors``), or on a Ray cluster with Ray Data batch
inference (``ray_vectors``: a pool of embedder actors, one model load each, GPUs where the
workers have them). Both take and give batches of (ids, texts) -> (ids, matrix) in order of
arrival; the caller stores them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from ..errors import SemdigestError


def local_vectors(embedder, batches: Iterable[tuple[list[str], list[str]]]) -> Iterator[tuple[list[str], np.ndarray]]:
    for ids, texts in batches:
        yield ids, embedder.encode(texts, progress=False)


class EmbedderActor:
    """One Ray actor: loads the model once, then embeds batch after batch (Ray Data calls it)."""

    def __init__(self, model: str, backend: str, device: str | None):
        from ..embedding import Embedder

        self.embedder = Embedder(model, backend=backend, device=device, progress=False)

    def __call__(self, batch: dict) -> dict:
        texts = [str(t) for t in batch["text"]]
        return {"id": batch["id"], "vector": self.embedder.encode(texts, progress=False)}


def ray_vectors(embedder, batches: Iterable[tuple[list[str], list[str]]], address: str | None = None,
                workers: int = 2, batch_size: int = 512, window: int = 100) -> Iterator[tuple[list[str], np.ndarray]]:
    """Embed on a Ray cluster: ``address`` of a running one ("auto", "ray://host:10001"), or None
    for a local one started here (and stopped at the end). Batches go through Ray Data
    ``window`` at a time, so the driver never holds more than that many batches' texts (about
    25 MB at 100 x 512); each window starts its pool of actors, which load the model once."""
    ray = require_ray()
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        resources = ray.cluster_resources()
        gpus = resources.get("GPU", 0) >= workers
        # The actors leave one CPU free for Ray Data's own read and write tasks.
        cpus = max(0.25, min(1.0, (resources.get("CPU", 1) - 1) / workers))
        constructor = {"model": embedder.spec.name, "backend": embedder.requested_backend,
                       "device": "cuda" if gpus else "cpu"}
        window_rows: list[tuple[list[str], list[str]]] = []
        for batch in batches:
            window_rows.append(batch)
            if len(window_rows) >= window:
                yield from _window(ray, window_rows, constructor, workers, cpus, gpus, batch_size)
                window_rows = []
        if window_rows:
            yield from _window(ray, window_rows, constructor, workers, cpus, gpus, batch_size)
    finally:
        if started:
            ray.shutdown()


def _window(ray, rows, constructor, workers, cpus, gpus, batch_size) -> Iterator[tuple[list[str], np.ndarray]]:
    items = [{"id": i, "text": t} for ids, texts in rows for i, t in zip(ids, texts)]
    dataset = ray.data.from_items(items).map_batches(
        EmbedderActor, fn_constructor_kwargs=constructor, batch_size=batch_size, batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=cpus, num_gpus=1 if gpus else 0)
    for out in dataset.iter_batches(batch_size=batch_size, batch_format="numpy"):
        yield [str(i) for i in out["id"]], np.asarray(out["vector"], dtype=np.float32)


def require_ray():
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise SemdigestError("--engine ray needs Ray Data: pip install 'semdigest[cluster]' "
                             "(or run with --engine local)") from None
    return ray
