"""Topics of seed 000 as one day (402 papers), semdigest vs BERTopic 0.17.4's defaults on the
same embeddings; every weekday digest of ../shared/digests/daily with and without the cap on
topic size; then `semdigest day` timed cold and warm, with and without numba's cache.

    pip install -e '.[bench]' && python benchmarks/topics_bench.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.metrics import v_measure_score

from semdigest.embedding import Embedder
from semdigest.library import Library
from semdigest.readers import read
from semdigest.topics import TopicModel

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seeds" / "000_5858082daa70f9c8.txt"
DAILY = ROOT.parent / "shared" / "digests" / "daily"


def stop_word_share(labels: list[str]) -> float:
    words = [w for label in labels for w in label.replace("_", " ").replace(",", " ").split()]
    return sum(w in ENGLISH_STOP_WORDS for w in words) / max(len(words), 1)


def compare_topics() -> None:
    papers = read(SEED).papers
    ids = [p.arxiv_id for p in papers]
    texts = [f"{p.title}. {p.abstract}" for p in papers]
    categories = [p.primary_category for p in papers]
    matrix = Embedder(progress=False).encode(texts)

    TopicModel().fit(matrix[:50], ids=ids[:50])  # numba compiled before either timing
    start = time.perf_counter()
    ours = TopicModel().fit(matrix, ids=ids, texts=texts)
    ours_s = time.perf_counter() - start
    print(f"semdigest: {ours_s:.1f} s, {len(ours.topics_)} topics, {ours.outliers_.mean():.0%} reassigned "
          f"(flagged), V-measure {v_measure_score(categories, ours.labels_):.3f}, "
          f"stop-word share of labels {stop_word_share([t.label for t in ours.topics_]):.0%}")
    print("  labels:", " | ".join(t.label for t in ours.topics_))

    try:
        from bertopic import BERTopic
    except ImportError:
        print("BERTopic not installed: pip install -e '.[bench]'")
        return
    start = time.perf_counter()
    model = BERTopic()
    labels, _ = model.fit_transform(texts, embeddings=matrix)
    bert_s = time.perf_counter() - start
    labels = np.asarray(labels)
    names = [n for t, n in zip(model.get_topic_info()["Topic"], model.get_topic_info()["Name"]) if t >= 0]
    print(f"BERTopic defaults: {bert_s:.1f} s, {len(names)} topics, {(labels < 0).mean():.0%} outliers, "
          f"V-measure {v_measure_score(categories, labels):.3f}, stop-word share of labels {stop_word_share(names):.0%}")
    print("  labels:", " | ".join(names[:10]))


def daily_digests() -> None:
    """Topic count, largest topic and V-measure on each day that brought new papers."""
    with tempfile.TemporaryDirectory() as folder:
        library = Library.open(Path(folder) / "library.sqlite")
        days = []
        for path in sorted(DAILY.glob("2026-06-??.md")):
            if library.ingest(read(path)).new:  # weekend copies repeat Friday
                days.append(path)
        rows = {"capped (default)": [], "uncapped": []}
        for path in days:
            ids, matrix = library.vectors(ids=[p.arxiv_id for p in read(path)])
            categories = library.papers(ids=ids).set_index("arxiv_id").loc[ids, "primary_category"]
            for name, cap in (("capped (default)", None), ("uncapped", len(ids))):
                labels = TopicModel(max_topic_size=cap).fit_transform(matrix, ids=ids)
                rows[name].append((len(set(labels)), np.bincount(labels).max() / len(labels),
                                   v_measure_score(categories, labels)))
            print(f"  {path.stem}: {len(ids)} papers; " + "; ".join(
                f"{name} {k} topics, largest {big:.0%}, V {v:.3f}" for name, (k, big, v) in
                ((name, r[-1]) for name, r in rows.items())))
        for name, r in rows.items():
            r = np.array(r)
            print(f"{len(days)} days, {name}: {r[:, 0].mean():.1f} topics (fewest {r[:, 0].min():.0f}), largest topic "
                  f"{r[:, 1].mean():.0%} on average (at most {r[:, 1].max():.0%}), V-measure {r[:, 2].mean():.3f} "
                  f"(lowest {r[:, 2].min():.3f})")
        library.close()


def time_day() -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)

        def day(library: str, numba_cache: str) -> float:
            env = {**os.environ, "NUMBA_CACHE_DIR": str(folder / numba_cache)}
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "semdigest", "day", str(SEED), "--out", str(folder / "out"),
                            "--library", str(folder / library)], check=True, env=env, capture_output=True)
            return time.perf_counter() - start

        cold = day("lib.sqlite", "numba-a")
        warm_embeddings_cold_numba = day("lib.sqlite", "numba-b")
        warm = day("lib.sqlite", "numba-b")
    print(f"semdigest day on seed 000: cold (new library, empty numba cache) {cold:.1f} s; "
          f"embeddings present but numba compiling {warm_embeddings_cold_numba:.1f} s; "
          f"warm (embeddings and numba cache present) {warm:.1f} s -> the cache saves "
          f"{warm_embeddings_cold_numba - warm:.1f} s per run")


if __name__ == "__main__":
    compare_topics()
    daily_digests()
    time_day()
