"""Where vectors are computed: here (``local_vectors``), or on a Ray cluster (``ray_vectors``: one
pool of embedder actors for the whole backlog, each loading the model once, GPUs where the
workers have them). Both take and give batches of (ids, texts) -> (ids, matrix), in order of
arrival; the caller stores each batch as it comes."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator

import numpy as np

from ..errors import SemdigestError


def local_vectors(embedder, batches: Iterable[tuple[list[str], list[str]]]) -> Iterator[tuple[list[str], np.ndarray]]:
    for ids, texts in batches:
        yield ids, embedder.encode(texts, progress=False)


class EmbedderActor:
    """One Ray actor: loads the model once, then embeds batch after batch."""

    def __init__(self, model: str, backend: str, device: str | None):
        from ..embedding import Embedder

        self.embedder = Embedder(model, backend=backend, device=device, progress=False)

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.embedder.encode(texts, progress=False)


def ray_vectors(embedder, batches: Iterable[tuple[list[str], list[str]]], address: str | None = None,
                workers: int = 2, queued: int = 2) -> Iterator[tuple[list[str], np.ndarray]]:
    """Embed on a Ray cluster: ``address`` of a running one ("auto", "ray://host:10001"), or None
    for a local one started here (and stopped at the end). One pool of ``workers`` actors serves
    every batch (Ray Data's ``map_batches`` starts a pool per dataset, and a backlog that only this
    process can read would be many datasets); at most ``queued`` batches an actor are in flight, so
    this process holds a bounded number of texts and the batches come back in their order."""
    ray = require_ray()
    from ray.util import ActorPool

    started = not ray.is_initialized()
    if started:
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    actors = []
    try:
        resources = ray.cluster_resources()
        gpus = resources.get("GPU", 0) >= workers
        cpus = max(0.25, min(1.0, resources.get("CPU", 1) / workers))
        remote = ray.remote(num_cpus=cpus, num_gpus=1 if gpus else 0)(EmbedderActor)
        actors = [remote.remote(embedder.spec.name, embedder.requested_backend, "cuda" if gpus else "cpu")
                  for _ in range(workers)]
        pool, waiting = ActorPool(actors), deque()
        for ids, texts in batches:
            pool.submit(lambda actor, chunk: actor.embed.remote(chunk), texts)
            waiting.append(ids)
            if len(waiting) >= workers * queued:
                yield waiting.popleft(), np.asarray(pool.get_next(), dtype=np.float32)
        while waiting:
            yield waiting.popleft(), np.asarray(pool.get_next(), dtype=np.float32)
    finally:
        for actor in actors:
            ray.kill(actor)
        if started:
            ray.shutdown()


def require_ray():
    try:
        import ray
    except ImportError:
        raise SemdigestError("--engine ray needs Ray: pip install 'semdigest[cluster]' "
                             "(or run with --engine local)") from None
    return ray
