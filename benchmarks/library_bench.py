"""The library, measured side by side in one run on the two seed digests (514 papers):

- embedding cost: plain SentenceTransformer.encode vs a cold `Library.ingest` of the same texts
- re-ingesting an ingested digest vs the first ingest
- neighbour quality: same-primary-category P@1 / P@10, MiniLM vs TF-IDF (arxiv-sanity-lite's settings)
- exact search latency on 100k and 1M synthetic 384-d unit vectors (one query, a 500-query batch)

    python benchmarks/library_bench.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sentence_transformers import SentenceTransformer
from sklearn.feature_extraction.text import TfidfVectorizer

from semdigest.embedding import Embedder
from semdigest.library import Library
from semdigest.index.exact import top_k
from semdigest.readers import read

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.helpers import same_category_precision  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    digests = [read(p) for p in sorted(SEEDS.iterdir())]
    papers = [p for d in digests for p in d.papers]
    embedder = Embedder(progress=False)  # the default: backend "auto"
    texts = embedder.document_texts(papers)
    embedder.encode(texts[:8])  # load and warm both models outside the timings
    plain_model = SentenceTransformer(str(embedder.spec.weights_path()), device="cpu")
    plain_model.encode(texts[:8])

    # Alternate the two, twice, and keep each one's best: the machine's noise hits both alike.
    plains, colds = [], []
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(2):
            plains.append(timed(lambda: plain_model.encode(texts, batch_size=32, normalize_embeddings=True))[1])
            library = Library.open(Path(folder) / f"bench{round_}.sqlite")
            colds.append(timed(lambda: [library.ingest(d, embedder) for d in digests])[1])
        _, warm = timed(lambda: [library.ingest(d, embedder) for d in digests])
        ids, matrix = library.vectors(embedder)
        categories = dict(zip(*library.papers()[["arxiv_id", "primary_category"]].to_numpy().T))
        library.close()
    plain, cold = min(plains), min(colds)
    print(f"embedding {len(texts)} papers (semdigest backend {embedder.backend}): plain encode {plain:.1f} s ({len(texts) / plain:.1f}/s), "
          f"semdigest cold ingest {cold:.1f} s ({len(texts) / cold:.1f}/s): ratio plain/semdigest {plain / cold:.2f}")
    print(f"re-ingest {warm:.3f} s vs first ingest {cold:.1f} s: {cold / warm:.0f}x faster, nothing re-embedded")

    tfidf = TfidfVectorizer(input="content", encoding="utf-8", decode_error="replace", strip_accents="unicode",
                            lowercase=True, analyzer="word", stop_words="english",
                            token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b", ngram_range=(1, 2),
                            max_features=20000, norm="l2", use_idf=True, smooth_idf=True,
                            sublinear_tf=True, max_df=1.0, min_df=1)
    by_id = {p.arxiv_id: p for p in papers}
    sparse = tfidf.fit_transform([f"{by_id[i].title}. {by_id[i].abstract}" for i in ids]).toarray().astype(np.float32)
    for name, vectors in (("MiniLM (semdigest)", matrix), ("TF-IDF", sparse)):
        p1 = same_category_precision(ids, vectors, categories, 1)
        p10 = same_category_precision(ids, vectors, categories, 10)
        print(f"{name:>20}: P@1 {p1:.3f}  P@10 {p10:.3f}")

    rng = np.random.default_rng(0)
    for n in (100_000, 1_000_000):
        corpus = rng.standard_normal((n, 384), dtype=np.float32)
        corpus /= np.linalg.norm(corpus, axis=1, keepdims=True)
        queries = corpus[rng.choice(n, 500, replace=False)]
        top_k(corpus, queries[:1], 10)  # page the matrix in
        singles = [timed(lambda q=q: top_k(corpus, q[None], 10))[1] for q in queries[:20]]
        _, batch = timed(lambda: top_k(corpus, queries, 10))
        print(f"{n:>9,} vectors: one query {np.median(singles) * 1e3:.1f} ms (median of 20), "
              f"500 queries {batch:.2f} s ({batch / 500 * 1e3:.1f} ms each)")
        del corpus


if __name__ == "__main__":
    main()
