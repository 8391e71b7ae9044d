""""For you" rankers on the 14 shared daily digests: an interest made of one field's papers of the
first week (first seen 2026-06-01..07) ranks each later day's new papers; precision@20 against
the field, per day and on average, for each ranker and a random baseline.

    python benchmarks/interests_bench.py [--library /tmp/semdigest-interests-bench.sqlite]

The library is made once (ingest of ../shared/digests/daily/*.md) and reused. A paper is "of
the field" when its primary category is the field (in these digests every paper lists one
category, so primary and any-category agree; the script says if that changes). Every field
with at least 20 first-week papers is used. A day's candidates are the papers first seen that
day; the background the rankers contrast with is the library up to that day.

Small fields have fewer than 20 papers on a day, so P@20 cannot reach 1 there: the script
prints the ceiling (min(R, 20) / 20) beside it, and the normalised precision P@min(R, 20),
where a perfect order scores 1, and P@20 over the whole second week pooled (R >= 20 for every
field).
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import time
from pathlib import Path

import numpy as np

from semdigest.interests import Interest, interest_vectors, rank
from semdigest.library import Library
from semdigest.readers import read

ROOT = Path(__file__).resolve().parents[1]
DAILY = ROOT.parent / "shared" / "digests" / "daily"
FIRST_WEEK = (dt.date(2026, 6, 1), dt.date(2026, 6, 7))
K = 20
# arXiv's own names of the categories: a reader's first description of a field, for the
# cold-start row (an interest made of one sentence and no paper).
CATEGORY_NAMES = {
    "cs.AI": "Artificial Intelligence", "cs.CL": "Computation and Language",
    "cs.CE": "Computational Engineering, Finance, and Science", "cs.CV": "Computer Vision and Pattern Recognition",
    "cs.GR": "Graphics", "cs.GT": "Computer Science and Game Theory", "cs.IT": "Information Theory",
}

# name -> (ranker, parameters); "random" is the mean of seeded shuffles
RANKERS = {
    "random": None,
    "combined (default): nearest + SVM, calibrated": ("combined", {}),
    "nearest k=10, contrast": ("nearest", {}),
    "nearest k=10, no contrast": ("nearest", {"contrast": False}),
    "zotero: all, recency, no contrast": ("nearest", {"contrast": False, "n_neighbors": None, "recency": True}),
    "nearest k=10, contrast, recency": ("nearest", {"recency": True}),
    "classifier: SVM C=0.1 (arxiv-sanity)": ("classifier", {}),
    "classifier: logistic C=1": ("classifier", {"estimator": "logistic", "C": 1.0}),
}


def cpu() -> str:
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown CPU"
    name = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "?")
    vnni = "avx512_vnni" in info
    return f"{name}, {info.count('processor')} cores, {'AVX-512 VNNI' if vnni else 'no AVX-512 VNNI'}"


def open_library(path: Path) -> Library:
    library = Library.open(path)
    if len(library) == 0:
        for digest in sorted(DAILY.glob("2026-06-??.md")):
            print(library.ingest(read(digest)), flush=True)
    return library


def precision(scores_order: list[str], relevant: set[str]) -> tuple[float, float, float]:
    """(P@K, ceiling min(R, K)/K, P@min(R, K)) of an ordered list of ids."""
    r = min(len(relevant), K)
    hits = [i in relevant for i in scores_order]
    normalised = float(np.mean(hits[:r])) if r else float("nan")
    return float(np.mean(hits[:K])), r / K, normalised


def random_precision(ids: list[str], relevant: set[str], seeds: int = 100) -> tuple[float, float, float]:
    rows = [precision(list(np.random.default_rng(s).permutation(ids)), relevant) for s in range(seeds)]
    return tuple(_nanmean(column) for column in zip(*rows))


def run(library: Library, settings: dict, embedder, first_week=FIRST_WEEK, last_day=None) -> None:
    papers = library.papers().set_index("arxiv_id")
    multi = int((papers["categories"].map(len) > 1).sum())
    print(f"{len(papers)} papers; {multi} list more than one category"
          + ("" if multi else " (primary category = any category here)"))
    ids, matrix = library.vectors()
    first_seen = papers.loc[ids, "first_seen"].to_numpy()
    category = papers.loc[ids, "primary_category"].to_numpy()
    row_of = {arxiv_id: row for row, arxiv_id in enumerate(ids)}
    week1 = (first_seen >= first_week[0]) & (first_seen <= first_week[1])
    counts = {f: int(((category == f) & week1).sum()) for f in sorted(set(category))}
    fields = [f for f, n in counts.items() if n >= K]
    days = sorted(d for d in set(first_seen) if d > first_week[1] and (last_day is None or d <= last_day))
    print("fields (first-week papers):", ", ".join(f"{f} ({counts[f]})" for f in fields))
    print(f"interests from papers first seen {first_week[0]}..{first_week[1]}; ranked: the new papers of",
          ", ".join(d.isoformat() for d in days))

    for setting, make_interests in settings.items():
        results: dict[str, dict[str, list]] = {name: {f: [] for f in fields} for name in RANKERS}
        pooled: dict[str, dict[str, float]] = {name: {} for name in RANKERS}
        timings: dict[str, list[float]] = {name: [] for name in RANKERS}
        for field in fields:
            for interest in make_interests(field, ids, first_seen, category, week1):
                vectors = interest_vectors(interest, ids, matrix, embedder)
                candidates_by_day = {d: [ids[r] for r in np.flatnonzero(first_seen == d)] for d in days}
                candidates_by_day["week"] = [i for d in days for i in candidates_by_day[d]]
                for day, candidates in candidates_by_day.items():
                    relevant = {i for i in candidates if category[row_of[i]] == field}
                    until = days[-1] if day == "week" else day
                    known = np.flatnonzero(first_seen <= until)
                    background = ([ids[r] for r in known], matrix[known])
                    day_matrix = matrix[[row_of[i] for i in candidates]]
                    for name, spec in RANKERS.items():
                        if spec is None:
                            figures = random_precision(candidates, relevant)
                        else:
                            start = time.perf_counter()
                            ranking = rank(interest, candidates, day_matrix, vectors, background, spec[0], **spec[1])
                            timings[name].append(time.perf_counter() - start)
                            figures = precision([p.arxiv_id for p in ranking], relevant)
                        if day == "week":
                            pooled[name].setdefault(field, [])
                            pooled[name][field].append(figures[0])
                        else:
                            results[name][field].append((day, *figures))
        report(setting, fields, results, pooled, timings)


def report(setting: str, fields: list[str], results, pooled, timings) -> None:
    print(f"\n## {setting}\n")
    print("Normalised P@min(R,20) per field (mean over days), their mean, raw P@20 (mean over fields and "
          "days), P@20 of all ranked days pooled, median time of one rank():\n")
    print("| ranker | " + " | ".join(fields) + " | mean | raw P@20 | pooled P@20 | ms/rank |")
    print("|---" * (len(fields) + 5) + "|")
    for name in RANKERS:
        per_field = [_nanmean(row[3] for row in results[name][f]) for f in fields]
        raw = np.mean([row[1] for f in fields for row in results[name][f]])
        week = np.mean([np.mean(pooled[name][f]) for f in fields])
        ms = f"{1000 * np.median(timings[name]):.0f}" if timings[name] else "-"
        print(f"| {name} | " + " | ".join(f"{v:.2f}" for v in per_field)
              + f" | **{_nanmean(per_field):.3f}** | {raw:.3f} | {week:.3f} | {ms} |")

    days = sorted({row[0] for f in fields for row in results["random"][f]})
    print("\nPer day, mean over fields: P@20 / normalised P@min(R,20)\n")
    print("| ranker | " + " | ".join(d.isoformat() for d in days) + " |")
    print("|---" * (len(days) + 1) + "|")
    for name in RANKERS:
        cells = []
        for d in days:
            rows = [row for f in fields for row in results[name][f] if row[0] == d]
            cells.append(f"{np.mean([r[1] for r in rows]):.2f} / {_nanmean(r[3] for r in rows):.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |")

    for name in (n for n in RANKERS if "default" in n):
        print(f"\nPer field and day, {name}: P@20 (ceiling min(R,20)/20) / normalised\n")
        print("| field | " + " | ".join(d.isoformat() for d in days) + " | mean P@20 | mean ceiling |")
        print("|---" * (len(days) + 3) + "|")
        for f in fields:
            cells = []
            for d in days:
                rows = [row[1:] for row in results[name][f] if row[0] == d]
                p, ceiling, normalised = (_nanmean(column) for column in zip(*rows))
                cells.append(f"{p:.2f} ({ceiling:.2f}) / " + ("-" if np.isnan(normalised) else f"{normalised:.2f}"))
            print(f"| {f} | " + " | ".join(cells)
                  + f" | {np.mean([r[1] for r in results[name][f]]):.2f} | {np.mean([r[2] for r in results[name][f]]):.2f} |")


def _nanmean(values) -> float:
    values = [v for v in values if not np.isnan(v)]
    return float(np.mean(values)) if values else float("nan")


def whole_week(field, ids, first_seen, category, week1):
    rows = np.flatnonzero(week1 & (category == field))
    rows = rows[np.lexsort((np.array(ids)[rows], first_seen[rows]))]  # added in the order they appeared
    yield Interest(field).add_papers([ids[r] for r in rows])


def sampled(n: int, draws: int = 3):
    def make(field, ids, first_seen, category, week1):
        rows = np.flatnonzero(week1 & (category == field))
        for draw in range(draws):
            chosen = np.sort(np.random.default_rng(draw).choice(rows, min(n, len(rows)), replace=False))
            yield Interest(f"{field} ({n} papers, draw {draw})").add_papers([ids[r] for r in chosen])
    return make


def described(field, ids, first_seen, category, week1):
    yield Interest(field, descriptions=(CATEGORY_NAMES.get(field, field),))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--library", type=Path, default=Path("/tmp/semdigest-interests-bench.sqlite"),
                        help="library file, made on first use and reused")
    parser.add_argument("--quick", action="store_true", help="only the whole-week interests")
    parser.add_argument("--validation", action="store_true",
                        help="interests from 06-01..03, ranking 06-04 and 06-05: where the default was chosen")
    args = parser.parse_args()
    print(f"CPU: {cpu()}")
    library = open_library(args.library)
    settings = {"Interest = every first-week paper of the field": whole_week}
    if not args.quick:
        settings |= {
            "Interest = 20 first-week papers of the field (3 draws)": sampled(20),
            "Interest = 5 first-week papers of the field (3 draws)": sampled(5),
            "Interest = one description, arXiv's name of the category (no paper)": described,
        }
    start = time.perf_counter()
    if args.validation:
        run(library, settings, library.embedder(), (dt.date(2026, 6, 1), dt.date(2026, 6, 3)), dt.date(2026, 6, 5))
    else:
        run(library, settings, library.embedder())
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
