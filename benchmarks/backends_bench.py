"""Embedding backends on the two seed digests' texts (514 papers), in one run: papers/s of plain
SentenceTransformer.encode (torch fp32) and of each semdigest backend, the speed ratio, the
quality gate against fp32 (mean cosine, top-10 neighbour overlap) and same-category P@10.

    python benchmarks/backends_bench.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sentence_transformers import SentenceTransformer

from semdigest.backends import auto_backend, calibrate
from semdigest.device import pick_device
from semdigest.models import get_model
from semdigest.readers import read

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.helpers import same_category_precision  # noqa: E402


def main() -> None:
    papers = [p for path in sorted((ROOT.parent / "shared" / "seeds").iterdir()) for p in read(path)]
    spec, device = get_model(), pick_device()
    texts = [spec.document_text(p) for p in papers]
    ids = [p.arxiv_id for p in papers]
    categories = {p.arxiv_id: p.primary_category for p in papers}

    plain = SentenceTransformer(str(spec.weights_path()), device=device)
    plain.encode(texts[:8])
    start = time.perf_counter()
    reference = plain.encode(texts, batch_size=32, normalize_embeddings=True)
    plain_speed = len(texts) / (time.perf_counter() - start)
    print(f"{device}, {len(texts)} papers; plain SentenceTransformer.encode: {plain_speed:.1f} papers/s, "
          f"P@10 {same_category_precision(ids, reference, categories, 10):.3f}")

    chosen, _ = auto_backend(spec, device)
    for m, vectors in calibrate(spec, device, texts):
        print(f"  {m.backend:<11} {m.papers_per_second:6.1f} papers/s  x{m.papers_per_second / plain_speed:.2f}  "
              f"cosine {m.mean_cosine:.4f}  top-10 overlap {m.top10_overlap:.3f}  "
              f"P@10 {same_category_precision(ids, vectors, categories, 10):.3f}  "
              f"gate {'passed' if m.passed else 'FAILED'}{'  <- auto' if m.backend == chosen else ''}")


if __name__ == "__main__":
    main()
