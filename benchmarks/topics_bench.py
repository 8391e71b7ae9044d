"""A day's topics and map, judged the way a reader would, on every daily digest of
../shared/digests/daily that brought new papers (weekend copies of Friday are left out), for:

- semdigest: this package's TopicModel and map (spectral topics, KeyPhraseLabeller);
- semdigest 0.2: the former defaults (KMeans on a 10-d UMAP layout, modularity-chosen count,
  c-TF-IDF labels: ``TopicModel(method="kmeans", labeller=CTfidfLabeller())``);
- previous: semdigest's pipeline before issue 14 (5-d UMAP + HDBSCAN, noise sent to the nearest
  topic and flagged, labels the top 3 of c-TF-IDF over 1-2-grams, a separate 2-d UMAP map);
- BERTopic 0.17.4 with its defaults (UMAP seeded for reproducibility) and its representation
  ``[KeyBERTInspired(), MaximalMarginalRelevance(diversity=0.3)]`` on the same embeddings, and the
  same fit after ``reduce_outliers`` (its default strategy); its map is the 2-d UMAP its
  ``visualize_documents`` draws.

Per day and on average: topics, flagged share (semdigest: confidence below 0.5; previous and
BERTopic after reduce_outliers: papers moved out of noise; BERTopic defaults: its outliers),
largest topic, V-measure against primary category, labels sharing a word with another label
of the day (share of the day's labels), labels holding a multi-word phrase, the share of each
paper's 10 nearest map points in its topic; issue 23's label figures: the share of a topic's
papers (title + abstract) that use one of its label's phrases (mean, and the worst label:
``cover``, ``cover_min``) and the share of labels used less than twice as often inside their topic
as in the day's other papers (``lift<2``); and stability: adjusted Rand between the topics of the
day's vectors and of the same vectors with noise of cosine >= 0.9999 (``ARI_noise``), and the same
for `day`'s topics (``TopicMap.build``) on all 14 digests, the lowest of three noise seeds. Then small days cut from the same digests (their first N papers, and N
drawn at random): topics, largest topic, flagged share.

    pip install -e '.[bench]' && python benchmarks/topics_bench.py [--library PATH] [--no-bertopic]

The embeddings come from a library holding the 14 daily digests (``--library``: reused when
given, else made in a temporary folder, which embeds about 3,000 papers).
"""

from __future__ import annotations

import argparse
import platform
import re
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, v_measure_score

from semdigest.library import Library
from semdigest.maps.projection import map_layout
from semdigest.maps.topicmap import TopicMap
from semdigest.readers import read
from semdigest.topics import TopicModel
from semdigest.topics.evaluation import label_collisions, label_coverage, map_agreement, phrase_share
from semdigest.topics.labellers import CTfidfLabeller

ROOT = Path(__file__).resolve().parents[1]
DAILY = ROOT.parent / "shared" / "digests" / "daily"
METRICS = ["topics", "flagged", "largest", "V", "collisions", "phrases", "map_agree", "cover", "cover_min", "lift<2",
           "ARI_noise", "seconds"]


def load_days(library: Library, digests: dict | None = None) -> dict[str, dict]:
    """Each day with new papers: ids, vectors, texts, categories (ingesting what is missing);
    ``digests`` gets every digest's papers as `day` sees them: (ids, vectors, metadata)."""
    days = {}
    for path in sorted(DAILY.glob("2026-06-??.md")):
        digest = read(path)
        ids = [p.arxiv_id for p in digest.papers]
        library.ingest(digest)  # nothing to do when the library has it
        if digests is not None:
            frame = library.papers(date=digest.date)
            found, matrix = library.vectors(ids=frame["arxiv_id"])
            digests[path.stem] = (list(found), matrix, frame.set_index("arxiv_id").loc[list(found)])
        known = library.papers(ids=ids).set_index("arxiv_id")
        if not (known.loc[ids, "first_seen"].astype(str) == str(digest.date)).any():
            continue  # a weekend copy: every paper was first seen on an earlier day
        ids, matrix = library.vectors(ids=ids)
        frame = known.loc[ids]
        days[path.stem] = {"ids": list(ids), "X": matrix, "categories": list(frame["primary_category"]),
                           "texts": [f"{t}. {a}" for t, a in zip(frame["title"], frame["abstract"])],
                           "titles": list(frame["title"])}
    return days


def noisy(X: np.ndarray, seed: int = 1) -> np.ndarray:
    """The vectors with Gaussian noise of 5e-4 a component, renormalised: cosine >= 0.9999 to them
    (about 0.99995), what another backend that passes the quality gate gives."""
    Y = X + np.random.default_rng(seed).normal(scale=5e-4, size=X.shape).astype(np.float32)
    Y /= np.linalg.norm(Y, axis=1, keepdims=True)
    assert (np.sum(X * Y, axis=1) >= 0.9999).all()
    return Y


def row(topics: np.ndarray, flagged: np.ndarray, categories, labels: dict[int, str], coords: np.ndarray,
        seconds: float, texts: list[str], again: np.ndarray | None = None) -> dict:
    real = topics[topics >= 0]
    names = [labels[t] for t in sorted(labels)]
    coverage = label_coverage(texts, topics, labels)
    return {"topics": len(set(real.tolist())), "flagged": float(np.mean(flagged)),
            "largest": np.bincount(real).max() / len(topics) if len(real) else 0.0,
            "V": v_measure_score(categories, topics), "collisions": label_collisions(names) / max(len(names), 1),
            "phrases": phrase_share(names), "map_agree": map_agreement(coords, topics),
            "cover": np.mean([c for c, _ in coverage.values()]), "cover_min": min(c for c, _ in coverage.values()),
            "lift<2": np.mean([lift < 2 for _, lift in coverage.values()]),
            "ARI_noise": adjusted_rand_score(topics, again) if again is not None else np.nan, "seconds": seconds}


def semdigest_day(day: dict, **params) -> dict:
    start = time.perf_counter()
    model = TopicModel(**params).fit(day["X"], ids=day["ids"], texts=day["texts"], titles=day["titles"])
    coords = map_layout(model.graph_, random_state=model.random_state)
    seconds = time.perf_counter() - start
    again = TopicModel(**params).fit_predict(noisy(day["X"]), ids=day["ids"])
    return row(model.labels_, model.flagged_, day["categories"], {t.id: t.label for t in model.topics_}, coords,
               seconds, day["texts"], again)


def former_day(day: dict) -> dict:
    return semdigest_day(day, method="kmeans", labeller=CTfidfLabeller())


def previous_day(day: dict) -> dict:
    """semdigest before issue 14, re-stated here: 5-d UMAP, HDBSCAN (min n/50 in 5..15, max n/5),
    noise to the nearest centroid, 1-2-gram c-TF-IDF labels, a second UMAP for the map."""
    from sklearn.cluster import HDBSCAN
    from umap import UMAP

    start = time.perf_counter()
    order = np.argsort(np.asarray(day["ids"]), kind="stable")
    X, n = day["X"][order], len(order)
    embedding = UMAP(n_components=5, n_neighbors=15, min_dist=0.0, metric="cosine", random_state=42).fit_transform(X)
    size = int(np.clip(n // 50, 5, 15))
    found = HDBSCAN(min_cluster_size=size, max_cluster_size=max(n // 5, 2 * size), copy=True).fit_predict(embedding)
    noise = found < 0
    names = sorted(set(found.tolist()) - {-1})
    centres = np.vstack([X[found == t].mean(axis=0) for t in names])
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    found[noise] = np.asarray(names)[np.argmax(X[noise] @ centres.T, axis=1)]
    coords = UMAP(n_components=2, n_neighbors=15, min_dist=0.1, metric="cosine", random_state=42).fit_transform(X)
    labels = _previous_labels([day["texts"][i] for i in order], found)
    seconds = time.perf_counter() - start
    return row(found, noise, np.asarray(day["categories"])[order], dict(enumerate(labels)), coords, seconds,
               [day["texts"][i] for i in order])


def _previous_labels(texts: list[str], topics: np.ndarray) -> list[str]:
    from sklearn.feature_extraction.text import CountVectorizer

    from semdigest.topics.labels import GENERIC_NOUNS, STOP_WORDS

    vectorizer = CountVectorizer(ngram_range=(1, 2), stop_words=sorted(STOP_WORDS | GENERIC_NOUNS),
                                 token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z\-]*[a-zA-Z]\b",
                                 preprocessor=lambda t: re.sub(r"\$[^$]*\$|\\[a-zA-Z]+", " ", t).lower(), min_df=2)
    counts = vectorizer.fit_transform(texts)
    vocabulary = vectorizer.get_feature_names_out()
    names = sorted(set(topics.tolist()))
    per_topic = np.vstack([np.asarray(counts[topics == t].sum(axis=0)).ravel() for t in names]).astype(float)
    weights = (per_topic / np.maximum(per_topic.sum(axis=1, keepdims=True), 1)
               * np.log1p(per_topic.sum() / len(names) / np.maximum(per_topic.sum(axis=0), 1)))
    labels = []
    for row_weights in weights:
        picked: list[str] = []
        for index in np.argsort(-row_weights, kind="stable"):
            words = set(vocabulary[index].split())
            if not any(words <= set(p.split()) or set(p.split()) <= words for p in picked):
                picked.append(vocabulary[index])
            if len(picked) == 3:
                break
        labels.append(", ".join(picked))
    return labels


def bertopic_day(day: dict, embedder) -> tuple[dict, dict]:
    """BERTopic's defaults (its UMAP given a seed) with KeyBERTInspired + MMR labels (which embed
    the candidate words with the same model), and the same fit after reduce_outliers."""
    from bertopic import BERTopic
    from bertopic.representation import KeyBERTInspired, MaximalMarginalRelevance
    from umap import UMAP

    from bertopic.backend import BaseEmbedder

    class Ours(BaseEmbedder):  # KeyBERTInspired embeds candidate words with the model the papers were embedded with
        def embed(self, documents, verbose=False):
            return embedder.encode(list(documents), progress=False)

    def fit(X):
        model = BERTopic(embedding_model=Ours(),
                         umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42),
                         representation_model=[KeyBERTInspired(), MaximalMarginalRelevance(diversity=0.3)])
        topics, _ = model.fit_transform(day["texts"], embeddings=X)
        return model, np.asarray(topics)

    start = time.perf_counter()
    model, topics = fit(day["X"])
    seconds = time.perf_counter() - start
    _, again = fit(noisy(day["X"]))
    labels = {t: ", ".join(w for w, _ in model.get_topic(t)[:3]) for t in sorted(set(topics.tolist()) - {-1})}
    # the map its visualize_documents draws: a 2-d UMAP of the embeddings
    coords = UMAP(n_neighbors=10, n_components=2, min_dist=0.0, metric="cosine", random_state=42).fit_transform(day["X"])
    shown = topics >= 0  # its label figures over the papers it assigned
    defaults = row(topics, topics < 0, day["categories"], labels, coords, seconds, day["texts"], again)
    defaults.update({k: v for k, v in row(topics[shown], topics[shown] < 0, np.asarray(day["categories"])[shown], labels,
                                          coords[shown], seconds, [x for x, s in zip(day["texts"], shown) if s]).items()
                     if k in ("cover", "cover_min", "lift<2")})
    start = time.perf_counter()
    reduced = np.asarray(model.reduce_outliers(day["texts"], topics))
    seconds += time.perf_counter() - start
    return defaults, row(reduced, topics < 0, day["categories"], labels, coords, seconds, day["texts"])


def day_stability(digests: dict[str, tuple]) -> dict[str, float]:
    """`day`'s topics (``TopicMap.build``, what the report draws, on every digest's papers) from the
    vectors and from the vectors with noise (three seeds): per digest, the lowest adjusted Rand."""
    out = {}
    for name, (ids, X, frame) in digests.items():
        topics = TopicMap.build(ids, X, frame, name).papers["topic"]
        out[name] = min(adjusted_rand_score(topics, TopicMap.build(ids, noisy(X, seed), frame, name).papers["topic"])
                        for seed in (1, 2, 3))
    return out


def small_days(days: dict[str, dict]) -> pd.DataFrame:
    """Days of 10-60 papers: the first N papers of each digest, and N drawn at random (seed 0)."""
    rows = []
    for size in (10, 15, 20, 30, 45, 60):
        for name, day in days.items():
            for how in ("first", "random"):
                pick = (np.arange(size) if how == "first"
                        else np.sort(np.random.default_rng(0).choice(len(day["ids"]), size, replace=False)))
                model = TopicModel().fit(day["X"][pick], ids=[day["ids"][i] for i in pick],
                                         texts=[day["texts"][i] for i in pick])
                rows.append({"papers": size, "day": name, "how": how, "topics": len(model.topics_),
                             "largest": np.bincount(model.labels_).max() / size, "flagged": model.flagged_.mean(),
                             "clustered": model.clustered_,
                             "collisions": label_collisions([t.label for t in model.topics_]) / len(model.topics_)})
    return pd.DataFrame(rows)


def cpu() -> str:
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    name = re.search(r"model name\s*:\s*(.*)", info)
    return f"{name.group(1) if name else platform.processor()}, avx512_vnni={'avx512_vnni' in info}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--library", help="a library holding (or to hold) the 14 daily digests")
    parser.add_argument("--no-bertopic", action="store_true", help="leave BERTopic out")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    pd.set_option("display.width", 200)
    with tempfile.TemporaryDirectory() as folder:
        library = Library.open(args.library or Path(folder) / "library.sqlite")
        digests: dict[str, tuple] = {}
        days = load_days(library, digests)
        embedder = None if args.no_bertopic else library.embedder()
        library.close()
    print(f"CPU: {cpu()}; {len(days)} days: {', '.join(days)}")
    TopicModel().fit(days[next(iter(days))]["X"][:40])  # numba loads its cache before any timing

    methods = {"semdigest": {}, "semdigest 0.2": {}, "previous": {}}
    if not args.no_bertopic:
        methods.update({"BERTopic defaults": {}, "BERTopic + reduce_outliers": {}})
    for name, day in days.items():
        methods["semdigest"][name] = semdigest_day(day)
        methods["semdigest 0.2"][name] = former_day(day)
        methods["previous"][name] = previous_day(day)
        if not args.no_bertopic:
            methods["BERTopic defaults"][name], methods["BERTopic + reduce_outliers"][name] = bertopic_day(day, embedder)
        print(f"  {name}: {len(day['ids'])} papers done", flush=True)
    averages = {}
    for method, per_day in methods.items():
        frame = pd.DataFrame(per_day).T[METRICS].astype(float)
        averages[method] = frame.mean()
        print(f"\n{method}, per day:\n{frame.round(3).to_string()}")
    print("\nAverage over the days:")
    print(pd.DataFrame(averages).T.round(3).to_string())

    stability = day_stability(digests)
    print("\n`day` (TopicMap.build on each digest's papers), adjusted Rand against noise of cosine >= 0.9999, "
          f"lowest of 3 seeds: min {min(stability.values()):.3f}, mean {np.mean(list(stability.values())):.3f}")
    print("  " + ", ".join(f"{d[5:]} {v:.3f}" for d, v in stability.items()))

    small = small_days(days)
    print("\nSmall days (semdigest; first N papers of each digest, and N at random):")
    print(small.groupby("papers").agg(topics=("topics", "mean"), largest_mean=("largest", "mean"),
                                      largest_max=("largest", "max"), flagged=("flagged", "mean"),
                                      collisions=("collisions", "sum")).round(3).to_string())


if __name__ == "__main__":
    main()
