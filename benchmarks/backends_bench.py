"""Embedding backends on the two seed digests' texts (514 papers), in one run: papers/s of plain
SentenceTransformer.encode (torch fp32) and of each semdigest backend, the speed ratio, the
quality gate against fp32 (mean cosine, top-10 neighbour overlap) and same-category P@10.
Plain encode and the backends alternate for --rounds rounds; each speed is its best round, so a
burst of load from elsewhere on a shared machine does not decide the ratio.

    python benchmarks/backends_bench.py --rounds 3
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sentence_transformers import SentenceTransformer

from semdigest.embedding.calibration import auto_backend, calibrate
from semdigest.embedding.device import pick_device
from semdigest.embedding.models import get_model
from semdigest.readers import read

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.helpers import same_category_precision  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    rounds = parser.parse_args().rounds
    papers = [p for path in sorted((ROOT.parent / "shared" / "seeds").iterdir()) for p in read(path)]
    spec, device = get_model(), pick_device()
    texts = [spec.document_text(p) for p in papers]
    ids = [p.arxiv_id for p in papers]
    categories = {p.arxiv_id: p.primary_category for p in papers}

    plain = SentenceTransformer(str(spec.weights_path()), device=device)
    plain.encode(texts[:8])
    chosen, _ = auto_backend(spec, device)
    plain_speeds, best = [], {}
    for round_ in range(1, rounds + 1):
        start = time.perf_counter()
        reference = plain.encode(texts, batch_size=32, normalize_embeddings=True)
        plain_speeds.append(len(texts) / (time.perf_counter() - start))
        for m, vectors in calibrate(spec, device, texts):
            if m.backend not in best or m.papers_per_second > best[m.backend][0].papers_per_second:
                best[m.backend] = (m, vectors)
        print(f"round {round_}: plain {plain_speeds[-1]:.1f} papers/s, "
              + ", ".join(f"{m.backend} {m.papers_per_second:.1f}" for m, _ in best.values()), file=sys.stderr)

    plain_speed = max(plain_speeds)
    print(f"{device}, {len(texts)} papers, best of {rounds} rounds; plain SentenceTransformer.encode: "
          f"{plain_speed:.1f} papers/s, P@10 {same_category_precision(ids, reference, categories, 10):.3f}")
    for m, vectors in best.values():
        print(f"  {m.backend:<11} {m.papers_per_second:6.1f} papers/s  x{m.papers_per_second / plain_speed:.2f}  "
              f"cosine {m.mean_cosine:.4f}  top-10 overlap {m.top10_overlap:.3f}  "
              f"P@10 {same_category_precision(ids, vectors, categories, 10):.3f}  "
              f"gate {'passed' if m.passed else 'FAILED'}{'  <- auto' if m.backend == chosen else ''}")


if __name__ == "__main__":
    main()
